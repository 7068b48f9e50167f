/* bench.h - what bench.c and bench_gemm.c share (tests/bench/). */
#ifndef NN_BENCH_H
#define NN_BENCH_H

#include <stddef.h>

/* Seconds on the monotonic clock. */
double bench_now(void);
/* The median of v[0 .. n) (n <= 64), v left in its order. */
double bench_median(const double *v, size_t n);

/* The matrix products alone of workload name ("products", "products-wide",
 * "products-deep"): epochs timed, printed as a row (or TSV); -1 on failure. */
int bench_products(const char *name, int epochs, int threads, double peak, int tsv);
/* The micro-kernel of the kernel called name alone on cached panels, on threads threads
 * at once, printed as a row (or TSV); -1 on failure. */
int bench_kernel(const char *name, int threads, double peak, int tsv);

#endif
