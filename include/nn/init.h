/* init.h - weight initialization schemes of dense layers (PyTorch's definitions). */
#ifndef NN_INIT_H
#define NN_INIT_H

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

#endif
