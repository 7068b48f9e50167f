/* leaky_relu.c - y = x if x > 0 else s*x; y' = 1 if x > 0 else s (s at x = 0, as PyTorch).
 * Gain (calculate_gain): sqrt(2 / (1 + s^2)). */
#include <math.h>

#include "nn/act/activation.h"
#include "math/vec.h"

static double leaky_gain(const double *hp)
{
    return sqrt(2.0 / (1.0 + hp[0] * hp[0]));
}

NN_VECTORIZE static void leaky_forward(const float *x, float *y, size_t rows, size_t width,
                                       const float *p, size_t np, const double *hp)
{
    (void)p, (void)np;
    const float s = (float)hp[0];
    size_t n = rows * width;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : s * x[i];
}

NN_VECTORIZE static void leaky_backward(const float *x, const float *dy, float *dx, float *dp,
                                        size_t rows, size_t width, const float *p, size_t np,
                                        const double *hp)
{
    (void)dp, (void)p, (void)np;
    const float s = (float)hp[0];
    size_t n = rows * width;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : s * dy[i];
}

const nn_act_def nn_act_leaky_relu = {
    .name = "leaky_relu",
    .torch = "torch.nn.LeakyReLU(negative_slope={negative_slope})",
    .n_hparams = 1,
    .hparams = {{"negative_slope", 0.01, 0.0, 1.0, 0}},
    .gain = leaky_gain,
    .forward = leaky_forward,
    .backward = leaky_backward,
};
