/* gemm.h - the single matrix-product entry point. Every dense forward and backward goes
 * through nn_gemm, so optimizing it optimizes the whole trainer.
 *
 *   C[M x N] = alpha * op(A)[M x K] * op(B)[K x N] + beta * C        (row-major)
 *
 * op(A) = A (A is M x K, row stride lda) or A^T (A is K x M); likewise op(B) with B
 * K x N or N x K. beta == 0 overwrites C without reading it (NaN in C is not kept).
 *
 * The product is computed by packing op(A) and op(B) into cache-sized panels and running
 * a register-blocked micro-kernel over them (AVX-512, AVX2+FMA, or portable C, chosen at
 * run time from the CPU's features). Work is split between threads by output tiles:
 * every element of C is computed by one thread, always in the same order (k ascending
 * within fixed blocks of K), so the result is bit-identical for any thread count and
 * does not depend on which other rows are in the batch. Design: docs/gemm.md. */
#ifndef NN_GEMM_H
#define NN_GEMM_H

#include <stddef.h>

#include "sys/error.h"

typedef enum nn_trans { NN_NO_TRANS = 0, NN_TRANS = 1 } nn_trans;

typedef struct nn_gemm_ctx nn_gemm_ctx;

/* Creates a context: the micro-kernel, the thread count and the packing buffers (all
 * memory a product needs is allocated here, none in nn_gemm).
 * kernel: NULL or "" = the best the CPU supports (or $NNTRAIN_GEMM when set);
 * "avx512", "avx2", "portable" force one (an error when the CPU lacks it), and "blas"
 * routes to cblas_sgemm in a build with BLAS=openblas.
 * threads: 0 = the number of available cores. */
nn_status nn_gemm_create(nn_gemm_ctx **ctx, const char *kernel, int threads, nn_error *err);
void nn_gemm_destroy(nn_gemm_ctx *ctx);

/* Name of the i-th kernel built into this binary, best first (whether this CPU runs it or
 * not); NULL past the last. */
const char *nn_gemm_kernel_name(size_t i);

/* Whether the i-th kernel has the lane-major path of nn_gemm_dots_lanes (whether this CPU
 * runs it or not). */
int nn_gemm_kernel_lanes(size_t i);

/* The kernel this CPU gets when none is named (nor $NNTRAIN_GEMM set). */
const char *nn_gemm_kernel_default(void);
/* The BLAS library nn_gemm can route to ("openblas": make BLAS=openblas); NULL when the
 * build has none (every product then runs on the built-in kernels). */
const char *nn_gemm_blas(void);

/* Name of the kernel in use ("avx512", "avx2", "portable", "blas"). */
const char *nn_gemm_kernel(const nn_gemm_ctx *ctx);
/* The threads a parallel step should use now: fewer while other processes share the
 * cores (sys/team.h; the products report how their threads ran). */
int nn_gemm_team(nn_gemm_ctx *ctx);
/* Whether the threads a product starts flush subnormals to zero (see fpmode.h); the
 * calling thread keeps its own mode. Default off. */
void nn_gemm_set_flush(nn_gemm_ctx *ctx, int flush);

void nn_gemm(nn_gemm_ctx *ctx, nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k,
             float alpha, const float *a, size_t lda, const float *b, size_t ldb, float beta,
             float *c, size_t ldc);

/* C = A B^T for sixteen rows of A held lane-major (at[l * 16 + r] = A[r][l], k values per
 * row) into ct[j * 16 + r] = C[r][j] (n columns), each element bit for bit what nn_gemm(NN_NO_TRANS,
 * NN_TRANS, m, n, k, 1, A, .., B, ldb, 0, C, ..) gives it: a chain of narrow layers can stay
 * in this layout from one product to the next. k, n <= 16. Returns 0 when this kernel has
 * no such path (the caller then uses nn_gemm). */
int nn_gemm_dots_lanes(const nn_gemm_ctx *ctx, size_t k, size_t n, const float *at,
                       const float *b, size_t ldb, float *ct);

/* Called for finished blocks of C (rows i0..i0+m, columns j0..j0+n; c points at C[i0, j0])
 * by the thread that computed them, while they are still in its cache: lets the caller
 * consume or finish the result (the SGD update of a weight gradient; bias and activation)
 * without another pass over memory from another core. Every element of C is in exactly
 * one block. */
typedef void (*nn_gemm_epilogue)(void *ctx, size_t i0, size_t j0, size_t m, size_t n,
                                 float *c, size_t ldc);

/* How threads share C: by column panels when there are enough (the default), or by row
 * panels, so that a thread owns whole rows (a weight gradient's rows are the weight rows the
 * same thread reads in the forward pass: they stay in its core's cache). */
typedef enum nn_gemm_split { NN_SPLIT_COLS = 0, NN_SPLIT_ROWS = 1 } nn_gemm_split;

/* nn_gemm with a preferred split, then epilogue over C block by block (may be NULL). */
void nn_gemm_ex(nn_gemm_ctx *ctx, nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k,
                float alpha, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                float *c, size_t ldc, nn_gemm_split split, nn_gemm_epilogue epilogue,
                void *epilogue_ctx);

#endif
