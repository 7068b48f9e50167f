/* sgd.h - torch.optim.SGD's exact update over one flat parameter buffer:
 *
 *   g = grad + weight_decay * p
 *   if momentum:  buf = g (first step)  else  buf = momentum * buf + (1 - dampening) * g
 *                 g = g + momentum * buf (nesterov)  else  g = buf
 *   p = p - lr * g
 *
 * The learning rate is passed per step so schedules live outside the optimizer. */
#ifndef NN_SGD_H
#define NN_SGD_H

#include <stddef.h>

#include "sys/error.h"

typedef struct nn_sgd {
    size_t n;
    float momentum, dampening, weight_decay; /* dampening holds 1 - dampening */
    int nesterov;
    float *buf;   /* momentum buffer, n floats (NULL without momentum) */
    size_t steps; /* steps taken */
} nn_sgd;

nn_status nn_sgd_init(nn_sgd *o, size_t n, double momentum, double dampening,
                      double weight_decay, int nesterov, nn_error *err);
void nn_sgd_step(nn_sgd *o, float *params, const float *grads, float lr);

/* The same step in pieces: update params[lo, hi) from grads[lo, hi) (any order, each
 * element exactly once per step, from any thread), then end the step once. */
void nn_sgd_update(const nn_sgd *o, float *params, const float *grads, float lr, size_t lo,
                   size_t hi);
void nn_sgd_end_step(nn_sgd *o);
void nn_sgd_free(nn_sgd *o);

#endif
