/* relu.c - ReLU: y = max(0, x); y' = 1 if x > 0 else 0 (0 at x = 0, as PyTorch). */
#include <math.h>

#include "nn/act/activation.h"
#include "math/vec.h"

static double relu_gain(const double *hp)
{
    (void)hp;
    return sqrt(2.0);
}

NN_VECTORIZE static void relu_forward(const float *x, float *y, size_t rows, size_t width,
                                      const float *p, size_t np, const double *hp)
{
    (void)p, (void)np, (void)hp;
    size_t n = rows * width;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

NN_VECTORIZE static void relu_backward(const float *x, const float *dy, float *dx, float *dp,
                                       size_t rows, size_t width, const float *p, size_t np,
                                       const double *hp)
{
    (void)dp, (void)p, (void)np, (void)hp;
    size_t n = rows * width;
    for (size_t i = 0; i < n; i++)
        dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

const nn_act_def nn_act_relu = {
    .name = "relu",
    .torch = "torch.nn.ReLU()",
    .n_hparams = 0,
    .gain = relu_gain,
    .forward = relu_forward,
    .backward = relu_backward,
};
