/* init.h - weight initialization schemes of dense layers (PyTorch's definitions). */
#ifndef NN_INIT_H
#define NN_INIT_H

#include <stddef.h>

typedef enum nn_init_kind {
    NN_INIT_AUTO = 0,     /* not given: he_normal with the next activation's gain,
                             or that activation's own default (lecun_normal for selu) */
    NN_INIT_HE_NORMAL,    /* N(0, (gain / sqrt(fan_in))^2)           kaiming_normal_ */
    NN_INIT_HE_UNIFORM,   /* U(-b, b), b = gain * sqrt(3 / fan_in)   kaiming_uniform_ */
    NN_INIT_LECUN_NORMAL, /* N(0, 1 / fan_in) */
    NN_INIT_XAVIER_UNIFORM, /* U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)) */
    NN_INIT_TORCH_DEFAULT /* nn.Linear default: weight and bias U(-1/sqrt(fan_in), +) */
} nn_init_kind;

/* Config name of an init kind ("he_normal", ...); "auto" for NN_INIT_AUTO. */
const char *nn_init_name(nn_init_kind kind);

/* Kind for a config name; NN_INIT_AUTO (0) when unknown ("auto" is not a config name). */
nn_init_kind nn_init_from_name(const char *name);

/* The config names of the inits, NULL-terminated, in nn_init_kind order from
 * NN_INIT_HE_NORMAL on; out has room for cap entries including the NULL. */
void nn_init_names(const char **out, size_t cap);

struct nn_rng;

/* Fills a dense layer's weight (fan_out x fan_in, PyTorch's layout) and bias (fan_out,
 * may be NULL) with the scheme kind (not NN_INIT_AUTO). gain applies to he_* and
 * xavier_uniform. The bias is bias_init, except for torch_default when bias_init was
 * not given (then U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as nn.Linear does). */
void nn_init_dense(float *w, float *b, size_t fan_out, size_t fan_in, nn_init_kind kind,
                   double gain, double bias_init, int bias_init_set, struct nn_rng *rng);

#endif
