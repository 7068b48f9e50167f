/* kernel_portable.c - the 4 x 16 micro-kernel in plain C, for any CPU. */
#include "math/gemm/kernel.h"

enum { P_MR = 4, P_NR = 16 };

static void micro_portable(size_t kc, const float *a, size_t as, size_t ai, const float *b,
                           size_t bs, float *c, size_t ldc, size_t mv, size_t nv, int add)
{
    float acc[P_MR * P_NR] = {0};
    for (size_t p = 0; p < kc; p++, a += as, b += bs)
        for (size_t i = 0; i < P_MR; i++)
            for (size_t j = 0; j < P_NR; j++)
                acc[i * P_NR + j] += a[i * ai] * b[j];
    nn_store_tile(acc, P_NR, c, ldc, mv, nv, add);
}

const nn_kernel_def nn_kernel_portable = {
    .name = "portable",
    .isa = NN_ISA_ANY,
    .mr = P_MR,
    .nr = P_NR,
    .micro = micro_portable,
};
