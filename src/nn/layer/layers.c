/* layers.c - the table of layer types, and the lookups over it. */
#include <math.h>
#include <string.h>

#include "nn/layer/layer.h"

/* One line per layer type, in table order: X(name) refers to nn_layer_<name>, which
 * src/nn/layer/<name>.c defines. A new line goes above the closing comment. */
#define NN_LAYER_LIST(X)                                                                           \
    X(dense)                                                                                       \
    X(activation)                                                                                  \
    /* end of the list */

#define NN_LAYER_DECLARE(name) extern const nn_layer_def nn_layer_##name;
#define NN_LAYER_ENTRY(name) &nn_layer_##name,

NN_LAYER_LIST(NN_LAYER_DECLARE)

static const nn_layer_def *const builtin[] = {NN_LAYER_LIST(NN_LAYER_ENTRY) NULL};

/* Weak: defined only by a program that registers extra entries (the test suite). */
#pragma weak nn_layers_extra

const nn_layer_def *nn_layer_at(size_t i)
{
    size_t n = sizeof builtin / sizeof *builtin - 1;
    if (i < n)
        return builtin[i];
    const nn_layer_def *const *extra = nn_layers_extra ? nn_layers_extra() : NULL;
    for (size_t k = 0; extra && extra[k]; k++)
        if (k == i - n)
            return extra[k];
    return NULL;
}

int nn_layer_find(const char *type, const nn_layer_def **def, const nn_act_def **act)
{
    for (size_t i = 0; nn_layer_at(i); i++) {
        const nn_layer_def *d = nn_layer_at(i);
        for (size_t k = 0; d->acts && d->acts[k]; k++)
            if (strcmp(d->acts[k]->name, type) == 0) {
                *def = d, *act = d->acts[k];
                return 1;
            }
        if (!d->acts && strcmp(d->name, type) == 0) {
            *def = d, *act = NULL;
            return 1;
        }
    }
    return 0;
}

void nn_layer_types(const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; nn_layer_at(i); i++) {
        const nn_layer_def *d = nn_layer_at(i);
        for (size_t k = 0; d->acts && d->acts[k] && n + 1 < cap; k++)
            out[n++] = d->acts[k]->name;
        if (!d->acts && n + 1 < cap)
            out[n++] = d->name;
    }
    out[n] = NULL;
}

const nn_hparam_spec *nn_layer_keys(const nn_layer_def *def, const nn_act_def *act, int *n)
{
    if (act) {
        *n = act->n_hparams < NN_MAX_HPARAMS ? act->n_hparams : NN_MAX_HPARAMS;
        return act->hparams;
    }
    *n = def->n_keys < NN_MAX_HPARAMS ? def->n_keys : NN_MAX_HPARAMS;
    return def->keys;
}

nn_module_spec nn_layer_spec(const char *type)
{
    nn_module_spec s = {0};
    if (!nn_layer_find(type, &s.layer, &s.act))
        return s;
    int n;
    const nn_hparam_spec *keys = nn_layer_keys(s.layer, s.act, &n);
    for (int k = 0; k < n; k++)
        s.hp[k] = keys[k].def;
    return s;
}

/* The row index of key in s's rows; -1 when none. */
static int key_index(const nn_module_spec *s, const char *key)
{
    int n;
    const nn_hparam_spec *keys = s->layer ? nn_layer_keys(s->layer, s->act, &n) : NULL;
    for (int k = 0; keys && k < n; k++)
        if (strcmp(keys[k].name, key) == 0)
            return k;
    return -1;
}

double nn_spec_get(const nn_module_spec *s, const char *key)
{
    int k = key_index(s, key);
    return k >= 0 ? s->hp[k] : NAN;
}

int nn_spec_set(nn_module_spec *s, const char *key, double value)
{
    int k = key_index(s, key);
    if (k < 0)
        return 0;
    s->hp[k] = value;
    s->given[k] = 1;
    return 1;
}

const char *nn_spec_type(const nn_module_spec *s)
{
    return s->act ? s->act->name : s->layer ? s->layer->name : "?";
}

const char *nn_module_type(const nn_module *m)
{
    return m->act ? m->act->name : m->def->name;
}

int nn_spec_is_product(const nn_module_spec *s)
{
    return s->layer && s->layer->product;
}
