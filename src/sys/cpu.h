/* cpu.h - how many processors this process may run on. */
#ifndef NN_CPU_H
#define NN_CPU_H

/* Processors available to this process (OpenMP's count, which honours the affinity
 * mask), at least 1. */
int nn_cpu_count(void);

#endif
