/* gemm.c - portable SGEMM with cache-friendly loop orders (no intrinsics yet).
 *
 * NN and TN stream rows of B into rows of C (the innermost loop is a contiguous
 * axpy the compiler vectorizes); NT is a set of dot products, each accumulated in 8
 * independent partial sums in a fixed order (vectorizable without reassociation).
 * Loops over k go in increasing order, so results are reproducible. */
#include "nn/gemm.h"

static void scale_c(size_t m, size_t n, float beta, float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        if (beta == 0.0f)
            for (size_t j = 0; j < n; j++)
                ci[j] = 0.0f;
        else if (beta != 1.0f)
            for (size_t j = 0; j < n; j++)
                ci[j] *= beta;
    }
}

static void axpy(size_t n, float a, const float *restrict x, float *restrict y)
{
    for (size_t j = 0; j < n; j++)
        y[j] += a * x[j];
}

static float dot(size_t k, const float *restrict x, const float *restrict y)
{
    float s[8] = {0};
    size_t p = 0;
    for (; p + 8 <= k; p += 8)
        for (int l = 0; l < 8; l++)
            s[l] += x[p + l] * y[p + l];
    for (int l = 0; p < k; p++, l++)
        s[l] += x[p] * y[p];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

void nn_gemm(nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k, float alpha,
             const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
             size_t ldc)
{
    scale_c(m, n, beta, c, ldc);
    if (m == 0 || n == 0 || k == 0 || alpha == 0.0f)
        return;
    if (tb == NN_NO_TRANS) {
        /* C[i,:] += sum_p op(A)[i,p] * B[p,:] */
        for (size_t i = 0; i < m; i++) {
            float *ci = c + i * ldc;
            for (size_t p = 0; p < k; p++) {
                float aip = ta == NN_NO_TRANS ? a[i * lda + p] : a[p * lda + i];
                axpy(n, alpha * aip, b + p * ldb, ci);
            }
        }
        return;
    }
    if (ta == NN_NO_TRANS) {
        /* C[i,j] += A[i,:] . B[j,:] */
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                c[i * ldc + j] += alpha * dot(k, a + i * lda, b + j * ldb);
        return;
    }
    /* A^T B^T: rare (no layer uses it); plain triple loop. */
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float s = 0.0f;
            for (size_t p = 0; p < k; p++)
                s += a[p * lda + i] * b[j * ldb + p];
            c[i * ldc + j] += alpha * s;
        }
}
