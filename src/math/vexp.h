/* vexp.h - expm1f and expf over arrays, 16 or 8 lanes at a time, with every result
 * bit-identical to the scalar glibc 2.36 functions this machine's x86-64 libm gives
 * (ELU and SELU call them per element, so their CSVs stay byte-identical).
 *
 * Each vector path is a port of the algorithm glibc runs, with the same float operations
 * in the same order: expm1f is fdlibm's s_expm1f.c (glibc has one x86-64 build of it, no
 * FMA), expf is glibc's __expf_fma (the variant its ifunc picks when the CPU has AVX2 and
 * FMA, which both vector paths require). `make check-vexp` compares every one of the
 * 2^32 inputs with glibc for each path the CPU runs; see docs/performance.md. A path is
 * used only on a CPU that has its instruction set; otherwise glibc is called per element. */
#ifndef NN_VEXP_H
#define NN_VEXP_H

#include <stddef.h>

/* y[i] = f(x[i]) for i < n; y may be x (but no other overlap). */
typedef void (*nn_vexp_fn)(const float *x, float *y, size_t n);

/* What the CPU needs for a path (vexp.c: nn_vexp_usable). */
typedef enum nn_vexp_isa { NN_VEXP_ANY, NN_VEXP_AVX2_FMA, NN_VEXP_AVX512F } nn_vexp_isa;

typedef struct nn_vexp_impl {
    const char *name; /* "avx512", "avx2", "libm" */
    nn_vexp_isa isa;
    nn_vexp_fn expm1_fn; /* expm1f */
    nn_vexp_fn exp_fn;   /* expf */
} nn_vexp_impl;

/* One per file: vexp_avx512.c, vexp_avx2.c (built for their instruction sets), vexp.c. */
extern const nn_vexp_impl nn_vexp_avx512, nn_vexp_avx2, nn_vexp_libm;

/* The i-th path, best first ("libm", glibc per element, is last); NULL past the end. */
const nn_vexp_impl *nn_vexp_impl_at(size_t i);
/* Whether this CPU runs the path. */
int nn_vexp_usable(const nn_vexp_impl *im);

/* Through the best path this CPU runs. */
void nn_vexpm1f(const float *x, float *y, size_t n);
void nn_vexpf(const float *x, float *y, size_t n);

/* Elements per call that an activation hands over at a time (its buffer on the stack). */
enum { NN_VEXP_CHUNK = 256 };

#endif
