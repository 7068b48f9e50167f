/* clock.h - a monotonic clock for progress reports and timings. */
#ifndef NN_CLOCK_H
#define NN_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double nn_now(void);

/* Seconds of CPU the calling thread has used (CLOCK_THREAD_CPUTIME_ID; a system call). */
double nn_thread_cpu(void);

#endif
