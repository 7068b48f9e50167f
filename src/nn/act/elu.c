/* elu.c - ELU (Clevert et al. 2015): y = x if x > 0 else alpha * (exp(x) - 1);
 * y' = 1 if x > 0 else alpha * exp(x) (PyTorch takes this branch at x = 0).
 * Init gain: PyTorch's calculate_gain has no entry for ELU; we use ReLU's sqrt(2), as
 * the ELU paper initializes with He et al.'s scheme. */
#include <math.h>

#include "nn/act/activation.h"
#include "math/vec.h"
#include "math/vexp.h"

static double elu_gain(const double *hp)
{
    (void)hp;
    return sqrt(2.0);
}

NN_VECTORIZE static void elu_forward(const float *x, float *y, size_t rows, size_t width,
                                     const float *p, size_t np, const double *hp)
{
    (void)p, (void)np;
    const float alpha = (float)hp[0];
    const size_t n = rows * width;
    float e[NN_VEXP_CHUNK]; /* expm1f(x), bit-identical to glibc's (vexp.h) */
    for (size_t i0 = 0; i0 < n; i0 += NN_VEXP_CHUNK) {
        const size_t m = n - i0 < NN_VEXP_CHUNK ? n - i0 : NN_VEXP_CHUNK;
        nn_vexpm1f(x + i0, e, m);
        for (size_t i = 0; i < m; i++)
            y[i0 + i] = x[i0 + i] > 0.0f ? x[i0 + i] : alpha * e[i];
    }
}

NN_VECTORIZE static void elu_backward(const float *x, const float *dy, float *dx, float *dp,
                                      size_t rows, size_t width, const float *p, size_t np,
                                      const double *hp)
{
    (void)dp, (void)p, (void)np;
    const float alpha = (float)hp[0];
    const size_t n = rows * width;
    float e[NN_VEXP_CHUNK]; /* expf(x), bit-identical to glibc's */
    for (size_t i0 = 0; i0 < n; i0 += NN_VEXP_CHUNK) {
        const size_t m = n - i0 < NN_VEXP_CHUNK ? n - i0 : NN_VEXP_CHUNK;
        nn_vexpf(x + i0, e, m);
        for (size_t i = 0; i < m; i++)
            dx[i0 + i] = x[i0 + i] > 0.0f ? dy[i0 + i] : dy[i0 + i] * alpha * e[i];
    }
}

const nn_act_def nn_act_elu = {
    .name = "elu",
    .torch = "torch.nn.ELU(alpha={alpha})",
    .n_hparams = 1,
    .hparams = {{"alpha", 1.0, 0.0, 1e6, 0}},
    .gain = elu_gain,
    .forward = elu_forward,
    .backward = elu_backward,
};
