/* prelu.c - PReLU (He et al. 2015): y = x if x > 0 else a*x, with learned slopes a,
 * one shared (num_parameters = 1) or one per unit (num_parameters = width).
 * dy/dx = 1 if x > 0 else a;  dy/da = 0 if x > 0 else x  (PyTorch's convention at 0).
 * Init gain: leaky_relu's with the initial slope, sqrt(2 / (1 + a0^2)). */
#include <math.h>
#include <stdio.h>

#include "nn/act/activation.h"
#include "math/vec.h"

enum { HP_NUM = 0, HP_INIT = 1 };

static double prelu_gain(const double *hp)
{
    return sqrt(2.0 / (1.0 + hp[HP_INIT] * hp[HP_INIT]));
}

static size_t prelu_n_params(const double *hp, size_t width)
{
    (void)width;
    return (size_t)hp[HP_NUM];
}

static int prelu_check(const double *hp, size_t width, char *why, size_t why_len)
{
    size_t num = (size_t)hp[HP_NUM];
    if (num == 1 || num == width)
        return 0;
    snprintf(why, why_len, "1 (one shared slope) or the layer's width, %zu", width);
    return 1;
}

static void prelu_init(float *p, size_t np, const double *hp)
{
    for (size_t i = 0; i < np; i++)
        p[i] = (float)hp[HP_INIT];
}

NN_VECTORIZE static void prelu_forward(const float *x, float *y, size_t rows, size_t width,
                                       const float *p, size_t np, const double *hp)
{
    (void)hp;
    if (np == 1) { /* one slope: the rows as one flat array */
        const float a = p[0];
        const size_t n = rows * width;
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : a * x[i];
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * width;
        float *yr = y + r * width;
        for (size_t j = 0; j < width; j++)
            yr[j] = xr[j] > 0.0f ? xr[j] : p[j] * xr[j];
    }
}

NN_VECTORIZE static void prelu_backward(const float *x, const float *dy, float *dx, float *dp,
                                        size_t rows, size_t width, const float *p, size_t np,
                                        const double *hp)
{
    (void)hp;
    if (np == 1) {
        const float a = p[0];
        float da = 0.0f;
        for (size_t i = 0; i < rows * width; i++) {
            int pos = x[i] > 0.0f;
            dx[i] = pos ? dy[i] : a * dy[i];
            da += pos ? 0.0f : x[i] * dy[i];
        }
        dp[0] += da;
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * width, *dyr = dy + r * width;
        float *dxr = dx + r * width;
        for (size_t j = 0; j < width; j++) {
            int pos = xr[j] > 0.0f;
            dxr[j] = pos ? dyr[j] : p[j] * dyr[j];
            dp[j] += pos ? 0.0f : xr[j] * dyr[j];
        }
    }
}

const nn_act_def nn_act_prelu = {
    .name = "prelu",
    .torch = "torch.nn.PReLU(num_parameters={num_parameters}, init={init})",
    .n_hparams = 2,
    .hparams = {{"num_parameters", 1.0, 1.0, 1048576.0, 1}, {"init", 0.25, -1e6, 1e6, 0}},
    .gain = prelu_gain,
    .n_params = prelu_n_params,
    .check = prelu_check,
    .init_params = prelu_init,
    .forward = prelu_forward,
    .backward = prelu_backward,
};
