/* sgd.c - torch.optim.SGD's exact update (PyTorch's order of operations, in float32 as
 * PyTorch computes it, the single-tensor path):
 *
 *   g = grad + weight_decay * p
 *   if momentum:  buf = g (first step)  else  buf = momentum * buf + (1 - dampening) * g
 *                 g = g + momentum * buf (nesterov)  else  g = buf
 *   p = p - lr * g */
#include <stdio.h>

#include "math/vec.h"
#include "nn/optim/optim.h"

enum { MOMENTUM = 0, DAMPENING = 1, WEIGHT_DECAY = 2, NESTEROV = 3 };

static int sgd_validate(const double *hp, const char **key, char *msg, size_t len)
{
    if (hp[NESTEROV] == 0.0 || (hp[MOMENTUM] > 0 && hp[DAMPENING] == 0))
        return 0;
    *key = "nesterov";
    snprintf(msg, len,
             "Nesterov momentum requires momentum > 0 and dampening = 0 (PyTorch's rule); here "
             "momentum = %g and dampening = %g",
             hp[MOMENTUM], hp[DAMPENING]);
    return 1;
}

static int sgd_uses_state(const double *hp, int k)
{
    (void)k;
    return hp[MOMENTUM] != 0.0;
}

static void sgd_prepare(nn_optim *o)
{
    o->c[DAMPENING] = (float)(1.0 - o->hp[DAMPENING]); /* the factor on g */
}

NN_VECTORIZE static void sgd_update(const nn_optim *o, float *restrict params,
                                    const float *restrict grads, float lr, size_t lo, size_t hi)
{
    const float wd = o->c[WEIGHT_DECAY], mu = o->c[MOMENTUM], damp = o->c[DAMPENING];
    const int nesterov = o->hp[NESTEROV] != 0.0, first = o->steps == 0;
    float *restrict buf = o->state[0];
    if (!buf) {
        for (size_t i = lo; i < hi; i++)
            params[i] -= lr * (grads[i] + wd * params[i]);
    } else if (first) {
        for (size_t i = lo; i < hi; i++) {
            float g = grads[i] + wd * params[i];
            buf[i] = g;
            params[i] -= lr * (nesterov ? g + mu * g : g);
        }
    } else {
        for (size_t i = lo; i < hi; i++) {
            float g = grads[i] + wd * params[i];
            buf[i] = mu * buf[i] + damp * g;
            params[i] -= lr * (nesterov ? g + mu * buf[i] : buf[i]);
        }
    }
}

const nn_optim_def nn_optim_sgd = {
    .name = "sgd",
    .doc = "stochastic gradient descent, as torch.optim.SGD",
    .torch = "torch.optim.SGD(params, lr={lr}, momentum={momentum}, dampening={dampening}, "
             "weight_decay={weight_decay}, nesterov={nesterov})",
    .n_keys = 4,
    .keys = {{.name = "momentum", .max = 1, .flags = NN_HP_HI_OPEN, .doc = "momentum factor"},
             {.name = "dampening", .max = 1, .doc = "dampening of the momentum"},
             {.name = "weight_decay", .max = 1,
              .doc = "L2 penalty added to the gradient of every parameter (PReLU slopes "
                     "included)"},
             {.name = "nesterov", .kind = NN_HP_BOOL,
              .doc = "Nesterov momentum; needs momentum > 0 and dampening = 0"}},
    .validate = sgd_validate,
    .n_state = 1,
    .state = {{.torch = "momentum_buffer", .file = "momentum"}},
    .uses_state = sgd_uses_state,
    .prepare = sgd_prepare,
    .update = sgd_update,
};
