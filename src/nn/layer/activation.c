/* activation.c - the activation layer: y = f(x) elementwise for one function f of the
 * activation table (src/nn/act/), with its learnable parameters when it has any (PReLU's
 * slopes, "<i>.weight"). Its config types are the activations' names, its rows their
 * hyperparameters. The dead-unit probe counts its units on its input (the
 * pre-activation), with the activation's own rule of what "active" is. */
#include <string.h>

#include "nn/layer/layer.h"

static int act_check(const nn_module_spec *s, size_t in, char *why, size_t why_len)
{
    return s->act->check ? s->act->check(s->hp, in, why, why_len) : 0;
}

static nn_layer_size act_size(const nn_module_spec *s, size_t in)
{
    return (nn_layer_size){.out = in,
                           .params = s->act->n_params ? s->act->n_params(s->hp, in) : 0};
}

static size_t act_tensors(const nn_module *m, nn_layer_tensor *out)
{
    if (!m->np)
        return 0;
    out[0] = (nn_layer_tensor){.suffix = "weight", .ndim = 1, .shape = {m->np}, .n = m->np};
    return 1;
}

static void act_init(nn_module *m, const nn_module_spec *s, const nn_module_spec *next,
                     nn_rng *rng)
{
    (void)s, (void)next, (void)rng;
    if (m->np)
        m->act->init_params(m->p, m->np, m->hp);
}

static void act_forward(nn_module *m, const nn_fwd *f)
{
    m->act->forward(f->x, f->y, f->rows, m->out, m->p, m->np, m->hp);
}

/* Columns j0 .. j0 + cols: per-unit parameters start at j0. */
static void act_forward_cols(const nn_module *m, const float *x, float *y, size_t j0,
                             size_t rows, size_t cols, nn_mode mode)
{
    (void)mode; /* the same in both modes */
    int per_unit = m->np > 1;
    m->act->forward(x, y, rows, cols, per_unit ? m->p + j0 : m->p, per_unit ? cols : m->np,
                    m->hp);
}

/* Only for modules without parameters: nothing accumulates across blocks. */
static void act_backward_cols(const nn_module *m, const float *x, const float *dy, float *dx,
                              size_t j0, size_t rows, size_t cols)
{
    (void)j0;
    m->act->backward(x, dy, dx, NULL, rows, cols, m->p, 0, m->hp);
}

static void act_backward(nn_module *m, const nn_bwd *b)
{
    if (m->np) /* the activation adds into dp */
        memset(m->dp, 0, m->np * sizeof *m->dp);
    m->act->backward(b->x, b->dy, b->dx, m->dp, b->rows, m->out, m->p, m->np, m->hp);
}

const nn_layer_def nn_layer_activation = {
    .name = "activation",
    .doc = "an activation function of src/nn/act/, by its name",
    .acts = nn_activations,
    .check = act_check,
    .size = act_size,
    .tensors = act_tensors,
    .init = act_init,
    .forward = act_forward,
    .forward_cols = act_forward_cols,
    .backward_cols = act_backward_cols,
    .backward = act_backward,
    .probed = 1,
};
