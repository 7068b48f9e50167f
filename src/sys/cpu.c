/* cpu.c - the processor count every thread team is sized from. */
#include "sys/cpu.h"

#ifdef _OPENMP
#include <omp.h>
#else
#include <unistd.h>
#endif

int nn_cpu_count(void)
{
#ifdef _OPENMP
    int n = omp_get_num_procs();
#else
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#endif
    return n > 0 ? (int)n : 1;
}
