/* gemm.h - the single matrix-product entry point. Every dense forward and backward goes
 * through nn_gemm, so optimizing it optimizes the whole trainer.
 *
 *   C[M x N] = alpha * op(A)[M x K] * op(B)[K x N] + beta * C        (row-major)
 *
 * op(A) = A (A is M x K, row stride lda) or A^T (A is K x M); likewise op(B) with B
 * K x N or N x K. beta == 0 overwrites C without reading it (NaN in C is not kept).
 * Each element of C is computed in a fixed order that does not depend on M, so a
 * sample's result does not depend on the batch it is in. */
#ifndef NN_GEMM_H
#define NN_GEMM_H

#include <stddef.h>

typedef enum nn_trans { NN_NO_TRANS = 0, NN_TRANS = 1 } nn_trans;

void nn_gemm(nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k, float alpha,
             const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
             size_t ldc);

#endif
