/* selu.c - SELU (Klambauer et al. 2017), PyTorch's constants:
 * y = scale * (x if x > 0 else alpha * (exp(x) - 1));
 * y' = scale if x > 0 else scale * alpha * exp(x) (this branch at x = 0).
 * Default init of the dense layer in front: lecun_normal (variance 1 / fan_in), as a
 * self-normalizing network needs; calculate_gain("selu") = 3/4 for he_* / xavier_*. */
#include "nn/act/activation.h"
#include "math/vec.h"
#include "math/vexp.h"

#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

static double selu_gain(const double *hp)
{
    (void)hp;
    return 0.75;
}

NN_VECTORIZE static void selu_forward(const float *x, float *y, size_t rows, size_t width,
                                      const float *p, size_t np, const double *hp)
{
    (void)p, (void)np, (void)hp;
    const float scale = (float)SELU_SCALE, sa = (float)(SELU_SCALE * SELU_ALPHA);
    const size_t n = rows * width;
    float e[NN_VEXP_CHUNK]; /* expm1f(x), bit-identical to glibc's (vexp.h) */
    for (size_t i0 = 0; i0 < n; i0 += NN_VEXP_CHUNK) {
        const size_t m = n - i0 < NN_VEXP_CHUNK ? n - i0 : NN_VEXP_CHUNK;
        nn_vexpm1f(x + i0, e, m);
        for (size_t i = 0; i < m; i++)
            y[i0 + i] = x[i0 + i] > 0.0f ? scale * x[i0 + i] : sa * e[i];
    }
}

NN_VECTORIZE static void selu_backward(const float *x, const float *dy, float *dx, float *dp,
                                       size_t rows, size_t width, const float *p, size_t np,
                                       const double *hp)
{
    (void)dp, (void)p, (void)np, (void)hp;
    const float scale = (float)SELU_SCALE, sa = (float)(SELU_SCALE * SELU_ALPHA);
    const size_t n = rows * width;
    float e[NN_VEXP_CHUNK]; /* expf(x), bit-identical to glibc's */
    for (size_t i0 = 0; i0 < n; i0 += NN_VEXP_CHUNK) {
        const size_t m = n - i0 < NN_VEXP_CHUNK ? n - i0 : NN_VEXP_CHUNK;
        nn_vexpf(x + i0, e, m);
        for (size_t i = 0; i < m; i++)
            dx[i0 + i] = x[i0 + i] > 0.0f ? scale * dy[i0 + i] : dy[i0 + i] * sa * e[i];
    }
}

const nn_act_def nn_act_selu = {
    .name = "selu",
    .torch = "torch.nn.SELU()",
    .n_hparams = 0,
    .dense_init = "lecun_normal",
    .gain = selu_gain,
    .forward = selu_forward,
    .backward = selu_backward,
};
