/* init.c - dense weight initialization, torch.nn.init's definitions (fan_in mode). */
#include "nn/init.h"

#include <math.h>
#include <string.h>

#include "math/rng.h"

static const char *const init_names[] = {
    [NN_INIT_AUTO] = "auto",
    [NN_INIT_HE_NORMAL] = "he_normal",
    [NN_INIT_HE_UNIFORM] = "he_uniform",
    [NN_INIT_LECUN_NORMAL] = "lecun_normal",
    [NN_INIT_XAVIER_UNIFORM] = "xavier_uniform",
    [NN_INIT_TORCH_DEFAULT] = "torch_default",
};

const char *nn_init_name(nn_init_kind kind)
{
    return init_names[kind];
}

nn_init_kind nn_init_from_name(const char *name)
{
    for (size_t k = NN_INIT_HE_NORMAL; k < sizeof init_names / sizeof init_names[0]; k++)
        if (strcmp(init_names[k], name) == 0)
            return (nn_init_kind)k;
    return NN_INIT_AUTO;
}

void nn_init_names(const char **out, size_t cap)
{
    size_t n = 0;
    for (int k = NN_INIT_HE_NORMAL; k <= NN_INIT_TORCH_DEFAULT && n + 1 < cap; k++)
        out[n++] = init_names[k];
    out[n] = NULL;
}

void nn_init_dense(float *w, float *b, size_t fan_out, size_t fan_in, nn_init_kind kind,
                   double gain, double bias_init, int bias_init_set, nn_rng *rng)
{
    size_t n = fan_out * fan_in;
    double fi = (double)fan_in;
    switch (kind) {
    case NN_INIT_AUTO: /* resolved by the model builder; treat as he_normal */
    case NN_INIT_HE_NORMAL:
    case NN_INIT_LECUN_NORMAL: {
        double std = (kind == NN_INIT_LECUN_NORMAL ? 1.0 : gain) / sqrt(fi);
        nn_rng_normal_floats(rng, std, w, n); /* w[i] = (float)(std * nn_rng_normal(rng)) */
        break;
    }
    case NN_INIT_HE_UNIFORM:
    case NN_INIT_XAVIER_UNIFORM:
    case NN_INIT_TORCH_DEFAULT: {
        double bound = kind == NN_INIT_HE_UNIFORM       ? gain * sqrt(3.0 / fi)
                       : kind == NN_INIT_XAVIER_UNIFORM ? gain * sqrt(6.0 / (fi + (double)fan_out))
                                                        : 1.0 / sqrt(fi);
        for (size_t i = 0; i < n; i++)
            w[i] = (float)(bound * (2.0 * nn_rng_uniform(rng) - 1.0));
        break;
    }
    }
    if (!b)
        return;
    if (kind == NN_INIT_TORCH_DEFAULT && !bias_init_set) {
        double bound = 1.0 / sqrt(fi);
        for (size_t i = 0; i < fan_out; i++)
            b[i] = (float)(bound * (2.0 * nn_rng_uniform(rng) - 1.0));
    } else {
        for (size_t i = 0; i < fan_out; i++)
            b[i] = (float)bias_init;
    }
}
