/* nn/test_entries.c - a layer type and an optimizer that exist only in the test build,
 * registered with the tables through nn_layers_extra and nn_optims_extra (link-time: the
 * library declares them weak). Nothing in tests/ names them: the contract tests loop over
 * the tables and so check them as they check the built-in entries, which shows that a
 * new entry needs no test of its own. Their PyTorch twins are in tests/ref/nntrain_test.py.
 *
 * test_center: y = x - mean + b, mean the batch mean of each unit in train mode (then
 *   running_mean = (1 - momentum) running_mean + momentum mean, num_batches_tracked += 1)
 *   and running_mean in eval mode; learnable b ("bias"), buffers "running_mean" (F32) and
 *   "num_batches_tracked" (I64), as BatchNorm1d keeps them. Backward (after a train-mode
 *   forward): dx = dy - the batch mean of dy, db = the batch sum of dy.
 * test_signum: signSGD with momentum and decoupled weight decay:
 *   m = beta m + (1 - beta) g;  p = p (1 - lr wd) - lr sign(m). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layer/layer.h"
#include "nn/optim/optim.h"

enum { MOMENTUM = 0 };

static nn_layer_size center_size(const nn_module_spec *s, size_t in)
{
    (void)s;
    return (nn_layer_size){.out = in, .params = in, .bufs = in, .counts = 1};
}

static size_t center_tensors(const nn_module *m, nn_layer_tensor *out)
{
    out[0] = (nn_layer_tensor){.suffix = "bias", .ndim = 1, .shape = {m->in}, .n = m->in};
    out[1] = (nn_layer_tensor){.suffix = "running_mean", .role = NN_BUFFER, .ndim = 1,
                               .shape = {m->in}, .n = m->in};
    out[2] = (nn_layer_tensor){.suffix = "num_batches_tracked", .role = NN_BUFFER,
                               .dtype = NN_I64, .ndim = 0, .n = 1};
    return 3;
}

static void center_init(nn_module *m, const nn_module_spec *s, const nn_module_spec *next,
                        nn_rng *rng)
{
    (void)s, (void)next, (void)rng;
    memset(m->p, 0, m->np * sizeof *m->p);
    memset(m->buf, 0, m->nbuf * sizeof *m->buf);
    m->count[0] = 0;
}

static void center_forward(nn_module *m, const nn_fwd *f)
{
    const size_t w = m->in, rows = f->rows;
    const float mom = (float)m->hp[MOMENTUM];
    for (size_t j = 0; j < w; j++) {
        float c = m->buf[j];
        if (f->mode == NN_TRAIN) {
            float sum = 0.0f;
            for (size_t r = 0; r < rows; r++)
                sum += f->x[r * w + j];
            c = sum / (float)rows;
            m->buf[j] = (1.0f - mom) * m->buf[j] + mom * c;
        }
        for (size_t r = 0; r < rows; r++)
            f->y[r * w + j] = f->x[r * w + j] - c + m->p[j];
    }
    if (f->mode == NN_TRAIN)
        m->count[0]++;
}

static void center_backward(nn_module *m, const nn_bwd *b)
{
    const size_t w = m->in, rows = b->rows;
    for (size_t j = 0; j < w; j++) {
        float sum = 0.0f;
        for (size_t r = 0; r < rows; r++)
            sum += b->dy[r * w + j];
        m->dp[j] = sum;
        for (size_t r = 0; b->dx && r < rows; r++)
            b->dx[r * w + j] = b->dy[r * w + j] - sum / (float)rows;
    }
}

static const nn_layer_def test_center = {
    .name = "test_center",
    .doc = "test only: centers each unit on its batch mean (running mean in eval mode)",
    .n_keys = 1,
    .keys = {{.name = "momentum", .def = 0.1, .min = 0, .max = 1,
              .doc = "the running mean's update factor"}},
    .size = center_size,
    .tensors = center_tensors,
    .init = center_init,
    .forward = center_forward,
    .backward = center_backward,
    .torch = "nntrain_test.Center({in}, momentum={momentum})",
};

enum { BETA = 0, WEIGHT_DECAY = 1, ONE_MINUS_BETA = 2 };

static void signum_prepare(nn_optim *o)
{
    o->c[ONE_MINUS_BETA] = (float)(1.0 - o->hp[BETA]);
}

static void signum_update(const nn_optim *o, float *params, const float *grads, float lr,
                          size_t lo, size_t hi)
{
    const float beta = o->c[BETA], omb = o->c[ONE_MINUS_BETA], decay = 1.0f - lr * o->c[WEIGHT_DECAY];
    float *m = o->state[0];
    for (size_t i = lo; i < hi; i++) {
        m[i] = beta * m[i] + omb * grads[i];
        float s = m[i] > 0.0f ? 1.0f : m[i] < 0.0f ? -1.0f : 0.0f;
        params[i] = params[i] * decay - lr * s;
    }
}

static const nn_optim_def test_signum = {
    .name = "test_signum",
    .doc = "test only: signSGD with momentum and decoupled weight decay",
    .torch = "nntrain_test.Signum(params, lr={lr}, beta={beta}, weight_decay={weight_decay})",
    .n_keys = 2,
    .keys = {{.name = "beta", .def = 0.9, .min = 0, .max = 1, .flags = NN_HP_HI_OPEN,
              .doc = "momentum factor"},
             {.name = "weight_decay", .min = 0, .max = 1, .doc = "decoupled weight decay"}},
    .n_state = 1,
    .state = {{.torch = "momentum_buffer", .file = "signum_m"}},
    .prepare = signum_prepare,
    .update = signum_update,
};

const nn_layer_def *const *nn_layers_extra(void)
{
    static const nn_layer_def *const extra[] = {&test_center, NULL};
    return extra;
}

const nn_optim_def *const *nn_optims_extra(void)
{
    static const nn_optim_def *const extra[] = {&test_signum, NULL};
    return extra;
}
