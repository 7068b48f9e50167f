/* checkpoint.c - the run's state to and from safetensors, with PyTorch's tensor names. */
#include "ckpt/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/safetensors.h"
#include "sys/fs.h"

enum { NAME_MAX_LEN = 64, MAX_META = 12 };

/* The model's tensors in state_dict order: name, shape, and where their values start in
 * the flat parameter buffer. */
typedef struct model_tensor {
    char name[NAME_MAX_LEN];
    size_t ndim;
    uint64_t shape[2];
    size_t n, offset;
} model_tensor;

/* Fills list (room for 2 per module) and returns the count. */
static size_t model_tensors(const nn_model *m, model_tensor *list)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n_modules; i++) {
        const nn_module *mod = &m->modules[i];
        if (!mod->act) {
            list[k] = (model_tensor){.ndim = 2, .shape = {mod->out, mod->in},
                                     .n = mod->out * mod->in,
                                     .offset = (size_t)(mod->w - m->params)};
            snprintf(list[k++].name, NAME_MAX_LEN, "%zu.weight", i);
            if (mod->b) {
                list[k] = (model_tensor){.ndim = 1, .shape = {mod->out}, .n = mod->out,
                                         .offset = (size_t)(mod->b - m->params)};
                snprintf(list[k++].name, NAME_MAX_LEN, "%zu.bias", i);
            }
        } else if (mod->np) {
            list[k] = (model_tensor){.ndim = 1, .shape = {mod->np}, .n = mod->np,
                                     .offset = (size_t)(mod->p - m->params)};
            snprintf(list[k++].name, NAME_MAX_LEN, "%zu.weight", i);
        }
    }
    return k;
}

static void shape_text(char *buf, size_t n, size_t ndim, const uint64_t *shape)
{
    size_t len = (size_t)snprintf(buf, n, "[");
    for (size_t d = 0; d < ndim && len < n; d++)
        len += (size_t)snprintf(buf + len, n - len, "%s%" PRIu64, d ? ", " : "", shape[d]);
    if (len < n)
        snprintf(buf + len, n - len, "]");
}

/* The tensors of st: the model's, the momentum buffers, the dead-unit record. Names and
 * the was_dead floats are stored in names/floats (owned by the caller). */
static nn_status build_tensors(const nn_ckpt_state *st, nn_st_tensor **out, size_t *count,
                               char (**names)[NAME_MAX_LEN], float **floats, nn_error *err)
{
    const nn_model *m = st->model;
    size_t cap = 5 * m->n_modules + 1; /* model, momentum (2 a module), was_dead (1) */
    model_tensor *list = calloc(cap, sizeof *list);
    nn_st_tensor *t = calloc(cap, sizeof *t);
    char(*nm)[NAME_MAX_LEN] = calloc(cap, sizeof *nm);
    size_t units = st->dead ? st->dead->total : 0;
    float *wd = malloc((units ? units : 1) * sizeof *wd);
    if (!list || !t || !nm || !wd) {
        free(list), free(t), free(nm), free(wd);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    size_t k = 0, nm_used = 0, mt = model_tensors(m, list);
    for (size_t i = 0; i < mt; i++) { /* the model, then its momentum */
        snprintf(nm[nm_used], NAME_MAX_LEN, "%s", list[i].name);
        t[k++] = (nn_st_tensor){.name = nm[nm_used++], .ndim = list[i].ndim,
                                .shape = {list[i].shape[0], list[i].shape[1]}, .n = list[i].n,
                                .data = m->params + list[i].offset};
    }
    for (size_t i = 0; st->sgd && st->sgd->buf && i < mt; i++) {
        snprintf(nm[nm_used], NAME_MAX_LEN, "nntrain.momentum.%s", list[i].name);
        t[k++] = (nn_st_tensor){.name = nm[nm_used++], .ndim = list[i].ndim,
                                .shape = {list[i].shape[0], list[i].shape[1]}, .n = list[i].n,
                                .data = st->sgd->buf + list[i].offset};
    }
    size_t used = 0;
    for (size_t i = 0; st->dead && i < st->dead->n_modules; i++) {
        size_t w = st->dead->width[i];
        if (!w)
            continue;
        for (size_t j = 0; j < w; j++)
            wd[used + j] = st->dead->was_dead ? (float)st->dead->was_dead[i][j] : 0.0f;
        snprintf(nm[nm_used], NAME_MAX_LEN, "nntrain.was_dead.%zu", i);
        t[k++] = (nn_st_tensor){.name = nm[nm_used++], .ndim = 1, .shape = {w}, .n = w,
                                .data = wd + used};
        used += w;
    }
    free(list);
    *out = t;
    *count = k;
    *names = nm;
    *floats = wd;
    return NN_OK;
}

nn_status nn_ckpt_save(const char *path, const nn_ckpt_state *st, nn_error *err)
{
    nn_status s = nn_mkdirs_for(path, "the checkpoint's folder", err);
    if (s != NN_OK)
        return s;
    nn_st_tensor *t = NULL;
    size_t n = 0;
    char(*names)[NAME_MAX_LEN] = NULL;
    float *floats = NULL;
    s = build_tensors(st, &t, &n, &names, &floats, err);
    if (s != NN_OK)
        return s;
    char v[8][96];
    const char *keys[MAX_META], *vals[MAX_META];
    size_t nm = 0;
    keys[nm] = "format", vals[nm++] = NN_CKPT_FORMAT;
    snprintf(v[0], sizeof v[0], "%zu", st->epoch);
    keys[nm] = "epoch", vals[nm++] = v[0];
    snprintf(v[1], sizeof v[1], "%zu", st->step);
    keys[nm] = "step", vals[nm++] = v[1];
    if (st->shuffle) {
        snprintf(v[2], sizeof v[2], "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64,
                 st->shuffle->s[0], st->shuffle->s[1], st->shuffle->s[2], st->shuffle->s[3]);
        keys[nm] = "rng.shuffle", vals[nm++] = v[2];
    }
    if (st->sgd) {
        snprintf(v[3], sizeof v[3], "%zu", st->sgd->steps);
        keys[nm] = "optimizer.steps", vals[nm++] = v[3];
    }
    if (st->dead) {
        snprintf(v[4], sizeof v[4], "%zu", st->dead->recorded);
        keys[nm] = "probe.recorded", vals[nm++] = v[4];
        snprintf(v[5], sizeof v[5], "%.17g", st->dead->max_dead_frac);
        keys[nm] = "probe.max_dead_frac", vals[nm++] = v[5];
        snprintf(v[6], sizeof v[6], "%d", st->dead->last_constant);
        keys[nm] = "probe.last_constant", vals[nm++] = v[6];
    }
    if (st->config_json)
        keys[nm] = "config", vals[nm++] = st->config_json;
    s = nn_st_write(path, t, n, keys, vals, nm, err);
    free(t);
    free(names);
    free(floats);
    return s;
}

nn_status nn_ckpt_load_weights(const char *path, nn_model *m, nn_error *err)
{
    nn_st_file f;
    nn_status s = nn_st_read(path, &f, err);
    if (s != NN_OK)
        return s;
    model_tensor *list = calloc(2 * m->n_modules + 1, sizeof *list);
    if (!list) {
        nn_st_free(&f);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    size_t mt = model_tensors(m, list);
    for (size_t i = 0; i < mt && s == NN_OK; i++) { /* everything checked before any copy */
        const nn_st_tensor *t = nn_st_find(&f, list[i].name);
        char want[64], found[160];
        shape_text(want, sizeof want, list[i].ndim, list[i].shape);
        if (!t) {
            s = nn_fail(err, NN_EDATA, "%s: no tensor \"%s\" (expected %s for the config's model)",
                        path, list[i].name, want);
            break;
        }
        int same = t->ndim == list[i].ndim;
        for (size_t d = 0; same && d < t->ndim; d++)
            same = t->shape[d] == list[i].shape[d];
        if (!same) {
            shape_text(found, sizeof found, t->ndim, t->shape);
            s = nn_fail(err, NN_EDATA, "%s: tensor \"%s\" has shape %s; the config's model expects %s",
                        path, list[i].name, found, want);
        }
    }
    for (size_t i = 0; i < mt && s == NN_OK; i++)
        memcpy(m->params + list[i].offset, nn_st_find(&f, list[i].name)->data,
               list[i].n * sizeof(float));
    free(list);
    nn_st_free(&f);
    return s;
}
