/* sgd.c - SGD with momentum, dampening, Nesterov and weight decay (PyTorch's order of
 * operations, in float32 as PyTorch does). */
#include "nn/sgd.h"

#include <stdlib.h>
#include <string.h>

#include "nn/vec.h"

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

NN_VECTORIZE void nn_sgd_step(nn_sgd *o, float *restrict params, const float *restrict grads, float lr)
{
    const float wd = o->weight_decay, mu = o->momentum, damp = o->dampening;
    const int nesterov = o->nesterov;
    const size_t n = o->n;
    float *restrict buf = o->buf;
    if (!buf) {
        for (size_t i = 0; i < n; i++)
            params[i] -= lr * (grads[i] + wd * params[i]);
    } else if (o->steps == 0) {
        for (size_t i = 0; i < n; i++) {
            float g = grads[i] + wd * params[i];
            buf[i] = g;
            params[i] -= lr * (nesterov ? g + mu * g : g);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float g = grads[i] + wd * params[i];
            buf[i] = mu * buf[i] + damp * g;
            params[i] -= lr * (nesterov ? g + mu * buf[i] : buf[i]);
        }
    }
    o->steps++;
}

void nn_sgd_free(nn_sgd *o)
{
    free(o->buf);
    memset(o, 0, sizeof *o);
}
