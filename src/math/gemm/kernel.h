/* kernel.h - what a kernel file (kernel_<isa>.c, compiled for that instruction set) gives
 * the GEMM driver: one descriptor of sizes and function pointers. The driver calls them
 * only when the CPU has the kernel's instruction set; see docs/gemm.md. */
#ifndef NN_GEMM_KERNEL_H
#define NN_GEMM_KERNEL_H

#include <stddef.h>

#include "math/gemm/gemm.h"

/* What the CPU needs for a kernel; checked by the driver (gemm.c: cpu_has). */
typedef enum nn_kernel_isa { NN_ISA_ANY, NN_ISA_AVX2_FMA, NN_ISA_AVX512F } nn_kernel_isa;

/* C tile (mv x nv valid of MR x NR) from panels: C = acc, or C += acc when add. The value
 * of A for row i and step p is at a[p * as + i * ai], the NR values of B for step p at
 * b + p * bs. Packed panels: as = MR, ai = 1, bs = NR. Panels read in place: A^T and B
 * with the matrix's row stride as as or bs (ai = 1), or the rows of a non-transposed A,
 * ai = its row stride and as = 1 (ai != 1 only with as = 1). */
typedef void (*nn_micro_fn)(size_t kc, const float *a, size_t as, size_t ai, const float *b,
                            size_t bs, float *c, size_t ldc, size_t mv, size_t nv, int add);

/* C = alpha * A B^T (+ C when add) as dot products of rows, for a C with few columns. */
typedef void (*nn_dots_fn)(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                           const float *b, size_t ldb, float *c, size_t ldc, int add);

/* The same products with sixteen rows of A held lane-major: at[l * 16 + r] = A[r][l] for
 * l < k, and ct[j * 16 + r] = C[r][j] for j < n (k, n <= 16, alpha 1, C overwritten); each
 * element bit for bit what dots gives. */
typedef void (*nn_dots_lanes_fn)(size_t k, size_t n, const float *at, const float *b,
                                 size_t ldb, float *ct);

/* Packing helpers in the kernel's instruction set (see pack.c for what each writes). */
typedef void (*nn_pack_rows_fn)(const float *src, size_t lda, size_t mv, size_t mr, size_t kc16,
                                float *d);
typedef void (*nn_copy_panel_fn)(const float *src, size_t ld, size_t kc, size_t nv, size_t width,
                                 float *d);
typedef size_t (*nn_pack_cols_fn)(const float *src, size_t ldb, size_t kc, size_t nr, float *d);

/* The whole product through a library (BLAS builds). */
typedef void (*nn_sgemm_fn)(nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k, float alpha,
                            const float *a, size_t lda, const float *b, size_t ldb, float beta,
                            float *c, size_t ldc);

typedef struct nn_kernel_def {
    const char *name; /* as nn_gemm_create takes it: "avx512", "avx2", "portable", "blas" */
    nn_kernel_isa isa;
    size_t mr, nr;
    nn_micro_fn micro; /* NULL: sgemm does the whole product */
    /* 0, or a kernel with fewer rows computing the same sums in the same order, used when
     * it pads C's rows less (64 rows: 8 x 8, not 6 x 12). */
    size_t mr_alt;
    nn_micro_fn micro_alt;
    nn_dots_fn dots;             /* A B^T with at most 16 columns, or NULL */
    nn_dots_lanes_fn dots_lanes; /* the same, rows in lanes (k, n <= 16), or NULL */
    nn_pack_rows_fn pack_rows;   /* rows of A, 16 values of k at a time, or NULL */
    nn_copy_panel_fn copy_panel; /* panels already in order, up to 32 wide, or NULL */
    nn_pack_cols_fn pack_cols;   /* rows of B^T into whole panels, or NULL */
    nn_sgemm_fn sgemm;
} nn_kernel_def;

extern const nn_kernel_def nn_kernel_avx512, nn_kernel_avx2, nn_kernel_portable, nn_kernel_blas;

/* Writes an MR x NR accumulator tile (row-major in acc) to the valid part of C. Static:
 * each kernel file has its own copy, built for its instruction set. */
static inline void nn_store_tile(const float *acc, size_t nr, float *c, size_t ldc, size_t mv,
                                 size_t nv, int add)
{
    for (size_t i = 0; i < mv; i++) {
        float *ci = c + i * ldc;
        const float *ai = acc + i * nr;
        if (add)
            for (size_t j = 0; j < nv; j++)
                ci[j] += ai[j];
        else
            for (size_t j = 0; j < nv; j++)
                ci[j] = ai[j];
    }
}

#endif
