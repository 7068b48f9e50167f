/* sgd.c - SGD with momentum, dampening, Nesterov and weight decay (PyTorch's order of
 * operations, in float32 as PyTorch does). */
#include "nn/sgd.h"

#include <stdlib.h>
#include <string.h>

#include "math/vec.h"

#ifdef _OPENMP
#include <omp.h>
#endif

nn_status nn_sgd_init(nn_sgd *o, size_t n, double momentum, double dampening,
                      double weight_decay, int nesterov, nn_error *err)
{
    memset(o, 0, sizeof *o);
    o->n = n;
    o->momentum = (float)momentum;
    o->dampening = (float)(1.0 - dampening); /* stored as the factor on g */
    o->weight_decay = (float)weight_decay;
    o->nesterov = nesterov;
    o->threads = 1;
    if (momentum != 0.0) {
        o->buf = calloc(n ? n : 1, sizeof *o->buf);
        if (!o->buf)
            return nn_fail(err, NN_ESYS, "out of memory for the momentum buffer (%zu floats)", n);
    }
    return NN_OK;
}

void nn_sgd_set_threads(nn_sgd *o, int threads)
{
    o->threads = threads > 0 ? threads : 1;
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
    /* Memory-bound: worth a second core only for large buffers. */
    int nt = o->n >= (1u << 16) ? o->threads : 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int t = omp_get_thread_num(), n_t = omp_get_num_threads();
        /* Chunks on 16-float boundaries: each thread writes whole cache lines. */
        size_t per = ((o->n + (size_t)n_t - 1) / (size_t)n_t + 15) & ~(size_t)15;
        size_t lo = per * (size_t)t, hi = lo + per < o->n ? lo + per : o->n;
        if (lo < hi)
            nn_sgd_update(o, params, grads, lr, lo, hi);
    }
#else
    (void)nt;
    nn_sgd_update(o, params, grads, lr, 0, o->n);
#endif
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
