/* blas.c - the "blas" kernel: the whole product through cblas_sgemm. Compiled only in a
 * BLAS build (make BLAS=openblas defines NN_BLAS and links the library). */
#include "math/gemm/kernel.h"

#include <cblas.h>

static void blas_sgemm(nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k, float alpha,
                       const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                       size_t ldc)
{
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

const nn_kernel_def nn_kernel_blas = {
    .name = "blas",
    .isa = NN_ISA_ANY,
    .mr = 1,
    .nr = 1,
    .sgemm = blas_sgemm,
};
