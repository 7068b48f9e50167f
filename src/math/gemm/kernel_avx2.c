/* kernel_avx2.c - the 6 x 16 micro-kernel for AVX2 + FMA (built with -mavx2 -mfma). */
#include "math/gemm/kernel.h"

#include <immintrin.h>

enum { V2_MR = 6, V2_NR = 16 };

static void micro_avx2(size_t kc, const float *a, size_t as, size_t ai, const float *b, size_t bs,
                       float *c, size_t ldc, size_t mv, size_t nv, int add)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    /* The same loop for packed panels (rows next to each other: constant offsets) and for
     * rows read in place (ai apart). */
/* clang-format off */
#define ROW2(i, r0, r1)                                                                        \
    x = _mm256_broadcast_ss(a + (i) * (AI));                                                   \
    r0 = _mm256_fmadd_ps(x, b0, r0);                                                           \
    r1 = _mm256_fmadd_ps(x, b1, r1);
#define LOOP                                                                                   \
    for (size_t p = 0; p < kc; p++, a += as, b += bs) {                                        \
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), x;                        \
        ROW2(0, c00, c01) ROW2(1, c10, c11) ROW2(2, c20, c21)                                  \
        ROW2(3, c30, c31) ROW2(4, c40, c41) ROW2(5, c50, c51)                                  \
    }
    if (ai == 1) {
#define AI 1
        LOOP
#undef AI
    } else {
#define AI ai
        LOOP
#undef AI
    }
#undef LOOP
#undef ROW2
    /* clang-format on */
    const __m256 rows[V2_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                                   {c30, c31}, {c40, c41}, {c50, c51}};
    if (mv == V2_MR && nv == V2_NR) {
        for (size_t i = 0; i < V2_MR; i++) {
            float *ci = c + i * ldc;
            __m256 r0 = rows[i][0], r1 = rows[i][1];
            if (add) {
                r0 = _mm256_add_ps(_mm256_loadu_ps(ci), r0);
                r1 = _mm256_add_ps(_mm256_loadu_ps(ci + 8), r1);
            }
            _mm256_storeu_ps(ci, r0);
            _mm256_storeu_ps(ci + 8, r1);
        }
        return;
    }
    float acc[V2_MR * V2_NR];
    for (size_t i = 0; i < V2_MR; i++) {
        _mm256_storeu_ps(acc + i * V2_NR, rows[i][0]);
        _mm256_storeu_ps(acc + i * V2_NR + 8, rows[i][1]);
    }
    nn_store_tile(acc, V2_NR, c, ldc, mv, nv, add);
}

const nn_kernel_def nn_kernel_avx2 = {
    .name = "avx2",
    .isa = NN_ISA_AVX2_FMA,
    .mr = V2_MR,
    .nr = V2_NR,
    .micro = micro_avx2,
};
