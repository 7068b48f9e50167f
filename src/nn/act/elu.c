/* elu.c - ELU (Clevert et al. 2015): y = x if x > 0 else alpha * (exp(x) - 1);
 * y' = 1 if x > 0 else alpha * exp(x) (PyTorch takes this branch at x = 0).
 * Init gain: PyTorch's calculate_gain has no entry for ELU; we use ReLU's sqrt(2), as
 * the ELU paper initializes with He et al.'s scheme. */
#include <math.h>

#include "nn/act/activation.h"
#include "math/vec.h"

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
    size_t n = rows * width;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : alpha * expm1f(x[i]);
}

NN_VECTORIZE static void elu_backward(const float *x, const float *dy, float *dx, float *dp,
                                      size_t rows, size_t width, const float *p, size_t np,
                                      const double *hp)
{
    (void)dp, (void)p, (void)np;
    const float alpha = (float)hp[0];
    size_t n = rows * width;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * alpha * expf(x[i]);
}

const nn_act_def nn_act_elu = {
    .name = "elu",
    .n_hparams = 1,
    .hparams = {{"alpha", 1.0, 0.0, 1e6, 0}},
    .gain = elu_gain,
    .forward = elu_forward,
    .backward = elu_backward,
};
