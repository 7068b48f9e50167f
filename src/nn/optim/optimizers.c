/* optimizers.c - the table of optimizers, and what every optimizer shares. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/optim/optim.h"

/* One line per optimizer, in table order: X(name) refers to nn_optim_<name>, which
 * src/nn/optim/<name>.c defines. A new line goes above the closing comment. */
#define NN_OPTIM_LIST(X)                                                                           \
    X(sgd)                                                                                         \
    /* end of the list */

#define NN_OPTIM_DECLARE(name) extern const nn_optim_def nn_optim_##name;
#define NN_OPTIM_ENTRY(name) &nn_optim_##name,

NN_OPTIM_LIST(NN_OPTIM_DECLARE)

static const nn_optim_def *const builtin[] = {NN_OPTIM_LIST(NN_OPTIM_ENTRY) NULL};

/* Weak: defined only by a program that registers extra entries (the test suite). */
#pragma weak nn_optims_extra

const nn_optim_def *nn_optim_at(size_t i)
{
    size_t n = sizeof builtin / sizeof *builtin - 1;
    if (i < n)
        return builtin[i];
    const nn_optim_def *const *extra = nn_optims_extra ? nn_optims_extra() : NULL;
    for (size_t k = 0; extra && extra[k]; k++)
        if (k == i - n)
            return extra[k];
    return NULL;
}

const nn_optim_def *nn_optim_find(const char *type)
{
    for (size_t i = 0; nn_optim_at(i); i++)
        if (strcmp(nn_optim_at(i)->name, type) == 0)
            return nn_optim_at(i);
    return NULL;
}

void nn_optim_types(const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; nn_optim_at(i) && n + 1 < cap; i++)
        out[n++] = nn_optim_at(i)->name;
    out[n] = NULL;
}

double nn_optim_hp(const nn_optim_def *def, const double *hp, const char *key)
{
    for (int k = 0; k < def->n_keys; k++)
        if (strcmp(def->keys[k].name, key) == 0)
            return hp[k];
    return NAN;
}

static int uses(const nn_optim_def *def, const double *hp, int k)
{
    return !def->uses_state || def->uses_state(hp, k);
}

size_t nn_optim_state_per_param(const nn_optim_def *def, const double *hp)
{
    size_t n = 0;
    for (int k = 0; k < def->n_state; k++)
        n += (size_t)uses(def, hp, k);
    return n;
}

nn_status nn_optim_init(nn_optim *o, const nn_optim_def *def, const double *hp, size_t n,
                        nn_error *err)
{
    memset(o, 0, sizeof *o);
    o->def = def;
    o->n = n;
    memcpy(o->hp, hp, sizeof o->hp);
    for (int k = 0; k < NN_MAX_HPARAMS; k++)
        o->c[k] = (float)hp[k];
    if (def->prepare)
        def->prepare(o);
    for (int k = 0; k < def->n_state; k++) {
        if (!uses(def, hp, k))
            continue;
        o->state[k] = calloc(n ? n : 1, sizeof *o->state[k]);
        if (!o->state[k]) {
            nn_optim_free(o);
            return nn_fail(err, NN_ESYS, "out of memory for the optimizer's %s (%zu floats)",
                           def->state[k].torch, n);
        }
    }
    return NN_OK;
}

void nn_optim_end_step(nn_optim *o)
{
    o->steps++;
}

void nn_optim_step(nn_optim *o, float *params, const float *grads, float lr)
{
    nn_optim_update(o, params, grads, lr, 0, o->n);
    nn_optim_end_step(o);
}

void nn_optim_free(nn_optim *o)
{
    for (int k = 0; k < NN_OPTIM_MAX_STATE; k++)
        free(o->state[k]);
    memset(o, 0, sizeof *o);
}

size_t nn_optim_tensors(const nn_optim *o, const nn_tensor *params, const size_t *offset,
                        size_t n, nn_tensor *out, char (*names)[NN_OPTIM_NAME])
{
    size_t k = 0;
    for (int s = 0; s < o->def->n_state; s++) {
        if (!o->state[s])
            continue;
        for (size_t i = 0; i < n; i++, k++) {
            if (!out)
                continue;
            snprintf(names[k], NN_OPTIM_NAME, "nntrain.%s.%s", o->def->state[s].file,
                     params[i].name);
            out[k] = params[i];
            out[k].name = names[k];
            out[k].dtype = NN_F32;
            out[k].data = o->state[s] + offset[i];
        }
    }
    return k;
}
