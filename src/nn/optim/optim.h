/* optim.h - optimizers as a table of definitions, like layers and activations. An
 * optimizer updates the model's one flat parameter buffer from its gradients, a range at a
 * time, so that the update stays fused into the backward pass (the model hands each range
 * over as soon as its gradient is final); its state is buffers of the same length
 * (torch.optim's per-parameter state, e.g. "momentum_buffer") and a step count.
 *
 * Adding an optimizer is one new file src/nn/optim/<name>.c and one line in
 * src/nn/optim/optimizers.c (docs/design.md, "Add an optimizer"). The config
 * ("optimizer.type" and the entry's rows), checkpoints, --resume, sweeps and the contract
 * tests work from the table. The learning rate comes from the schedule (schedule.h), per
 * step, for every optimizer. */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include <stddef.h>

#include "math/tensor.h"
#include "nn/hparam.h"
#include "sys/error.h"

enum { NN_OPTIM_MAX_STATE = 4 };

struct nn_optim;

/* One per-parameter state buffer. */
typedef struct nn_optim_state {
    const char *torch; /* torch.optim's state key: "momentum_buffer", "exp_avg" */
    const char *file;  /* checkpoint tensors "nntrain.<file>.<parameter name>" */
} nn_optim_state;

typedef struct nn_optim_def {
    const char *name; /* optimizer.type */
    const char *doc;  /* one line for the reference */
    /* torch.optim's class, with {key} for each row and {lr}: "torch.optim.SGD(params,
     * lr={lr}, momentum={momentum}, ...)" */
    const char *torch;
    int n_keys;
    nn_hparam_spec keys[NN_MAX_HPARAMS]; /* after type, lr and schedule, which all share */
    /* Rules between its rows (NULL: none): 0 when fine, else *key and the message. */
    int (*validate)(const double *hp, const char **key, char *msg, size_t len);
    int n_state;
    nn_optim_state state[NN_OPTIM_MAX_STATE];
    /* Whether state buffer k is kept with these settings (NULL: all are); SGD keeps no
     * momentum buffer without momentum. */
    int (*uses_state)(const double *hp, int k);
    /* Fills o->c from o->hp (the constants of the update, in float as PyTorch computes);
     * NULL: c[k] = (float)hp[k]. */
    void (*prepare)(struct nn_optim *o);
    /* The update of params[lo, hi) from grads[lo, hi) with learning rate lr, for step
     * o->steps + 1 (o->steps taken before it): any order of ranges, each element exactly
     * once per step, from any thread. */
    void (*update)(const struct nn_optim *o, float *params, const float *grads, float lr,
                   size_t lo, size_t hi);
} nn_optim_def;

/* An optimizer over n parameters. */
typedef struct nn_optim {
    const nn_optim_def *def;
    double hp[NN_MAX_HPARAMS];
    float c[NN_MAX_HPARAMS]; /* the update's constants (prepare) */
    size_t n;
    float *state[NN_OPTIM_MAX_STATE]; /* n floats each; NULL when not kept */
    size_t steps;                     /* steps taken */
} nn_optim;

/* The table: the built-in entries, then those a test build registers. NULL past the
 * last. */
const nn_optim_def *nn_optim_at(size_t i);
/* Link-time registration (weak in the library), as nn_layers_extra. */
const nn_optim_def *const *nn_optims_extra(void);
/* The entry named type; NULL when unknown. */
const nn_optim_def *nn_optim_find(const char *type);
/* Every optimizer.type, NULL-terminated (room for cap entries including it). */
void nn_optim_types(const char **out, size_t cap);

/* The value of def's row named key in hp; NaN when def has no such row. */
double nn_optim_hp(const nn_optim_def *def, const double *hp, const char *key);

/* The floats per parameter def keeps with hp (its state buffers in use). */
size_t nn_optim_state_per_param(const nn_optim_def *def, const double *hp);

/* An optimizer of def with settings hp over n parameters, its state zero and no step
 * taken. NN_ESYS when out of memory. */
nn_status nn_optim_init(nn_optim *o, const nn_optim_def *def, const double *hp, size_t n,
                        nn_error *err);
/* Updates params[lo, hi) (see nn_optim_def.update). */
static inline void nn_optim_update(const nn_optim *o, float *params, const float *grads, float lr,
                                   size_t lo, size_t hi)
{
    o->def->update(o, params, grads, lr, lo, hi);
}
/* Ends a step once every range was updated. */
void nn_optim_end_step(nn_optim *o);
/* A whole step: every parameter, then the end of the step. */
void nn_optim_step(nn_optim *o, float *params, const float *grads, float lr);
void nn_optim_free(nn_optim *o);

/* The optimizer's state as named tensors, for checkpoints: for each state buffer it keeps,
 * in table order, and each parameter tensor params[i] (its name and shape; offset[i] where
 * it starts in the flat buffer), a view named "nntrain.<file>.<name>" ("nntrain.momentum.0.weight").
 * names: room for one string of NN_OPTIM_NAME bytes per tensor. Returns the count; with
 * out NULL only counts. */
enum { NN_OPTIM_NAME = 96 };
size_t nn_optim_tensors(const nn_optim *o, const nn_tensor *params, const size_t *offset,
                        size_t n, nn_tensor *out, char (*names)[NN_OPTIM_NAME]);

#endif
