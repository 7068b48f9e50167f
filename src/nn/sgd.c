/* sgd.c - SGD with momentum, dampening, Nesterov and weight decay (PyTorch's order of
 * operations, in float32 as PyTorch does). */
#include "nn/sgd.h"

#include <stdlib.h>
#include <string.h>

#include "math/vec.h"

nn_status nn_sgd_init(nn_sgd *o, size_t n, double momentum, double dampening,
                      double weight_decay, int nesterov, nn_error *err)
{
    memset(o, 0, sizeof *o);
    o->n = n;
    o->momentum = (float)momentum;
    o->dampening = (float)(1.0 - dampening); /* stored as the factor on g */
    o->weight_decay = (float)weight_decay;
    o->nesterov = nesterov;
    if (momentum != 0.0) {
        o->buf = calloc(n ? n : 1, sizeof *o->buf);
        if (!o->buf)
            return nn_fail(err, NN_ESYS, "out of memory for the momentum buffer (%zu floats)", n);
    }
    return NN_OK;
}

/* The update of params[lo, hi). */
NN_VECTORIZE void nn_sgd_update(const nn_sgd *o, float *restrict params,
                                   const float *restrict grads, float lr, size_t lo, size_t hi)
{
    const float wd = o->weight_decay, mu = o->momentum, damp = o->dampening;
    const int nesterov = o->nesterov, first = o->steps == 0;
    float *restrict buf = o->buf;
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

void nn_sgd_step(nn_sgd *o, float *params, const float *grads, float lr)
{
    nn_sgd_update(o, params, grads, lr, 0, o->n);
    nn_sgd_end_step(o);
}

void nn_sgd_end_step(nn_sgd *o)
{
    o->steps++;
}

void nn_sgd_free(nn_sgd *o)
{
    free(o->buf);
    memset(o, 0, sizeof *o);
}
