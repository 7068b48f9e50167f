/* state.c - a run's state to and from a checkpoint: the model, the optimizer and the probe
 * export their tensors, the checkpoint layer stores and checks them (ckpt/checkpoint.h). */
#include "run/state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/checkpoint.h"
#include "config/config.h"
#include "sys/version.h"

enum { MAX_META = 16 };

void nn_state_tensors_free(nn_state_tensors *r)
{
    free(r->t);
    free(r->model_names);
    free(r->optim_names);
    free(r->wd_names);
    free(r->wd);
    memset(r, 0, sizeof *r);
}

/* The model's parameter tensors (views into params) and where each starts: what the
 * optimizer names its state after. */
static size_t param_tensors(const nn_state_tensors *r, const size_t *offset, nn_tensor *params,
                            size_t *param_offset)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_model; i++)
        if (offset[i] != SIZE_MAX) {
            params[k] = r->t[i];
            param_offset[k++] = offset[i];
        }
    return k;
}

/* The dead-unit record: one tensor per probed module, was_dead as 0/1 floats. */
static size_t record_tensors(nn_state_tensors *r, const nn_dead *d, nn_tensor *out)
{
    size_t k = 0, used = 0;
    for (size_t i = 0; d && i < d->n_modules; i++) {
        size_t w = d->width[i];
        if (!w)
            continue;
        for (size_t j = 0; j < w; j++)
            r->wd[used + j] = d->was_dead ? (float)d->was_dead[i][j] : 0.0f;
        snprintf(r->wd_names[k], NN_WD_NAME, NN_WAS_DEAD "%zu", i);
        out[k] = (nn_tensor){.name = r->wd_names[k], .dtype = NN_F32, .ndim = 1,
                             .shape = {w}, .n = w, .data = r->wd + used};
        k++;
        used += w;
    }
    return k;
}

nn_status nn_state_tensors_make(nn_state_tensors *r, const nn_model *m, const nn_optim *o,
                                const nn_dead *d, nn_error *err)
{
    memset(r, 0, sizeof *r);
    size_t nm = nn_model_tensors(m, NULL, NULL, NULL);
    size_t n_state = o ? nn_optim_state_per_param(o->def, o->hp) : 0;
    size_t n_rec = d ? d->n_modules : 0, units = d ? d->total : 0;
    size_t cap = nm * (1 + n_state) + n_rec;
    size_t *offset = malloc((nm ? nm : 1) * sizeof *offset);
    size_t *poff = malloc((nm ? nm : 1) * sizeof *poff);
    nn_tensor *params = malloc((nm ? nm : 1) * sizeof *params);
    r->t = calloc(cap ? cap : 1, sizeof *r->t);
    r->model_names = calloc(nm ? nm : 1, sizeof *r->model_names);
    r->optim_names = calloc(nm * n_state + 1, sizeof *r->optim_names);
    r->wd_names = calloc(n_rec + 1, sizeof *r->wd_names);
    r->wd = malloc((units ? units : 1) * sizeof *r->wd);
    nn_status st = NN_OK;
    if (!offset || !poff || !params || !r->t || !r->model_names || !r->optim_names ||
        !r->wd_names || !r->wd) {
        nn_state_tensors_free(r);
        st = nn_fail(err, NN_ESYS, "out of memory");
    } else {
        r->n_model = nn_model_tensors(m, r->t, r->model_names, offset);
        r->n = r->n_model;
        size_t np = param_tensors(r, offset, params, poff);
        if (!m->params) /* a planned model: o is planned over no parameters, and its views
                           all start at its buffers' first element */
            memset(poff, 0, np * sizeof *poff);
        if (o)
            r->n += nn_optim_tensors(o, params, poff, np, r->t + r->n, r->optim_names);
        r->n += record_tensors(r, d, r->t + r->n);
    }
    free(offset);
    free(poff);
    free(params);
    return st;
}

nn_status nn_state_save(const char *path, const nn_run_state *st, nn_error *err)
{
    nn_state_tensors rt;
    nn_status s = nn_state_tensors_make(&rt, st->model, st->optim, st->dead, err);
    if (s != NN_OK)
        return s;
    char v[8][96], std_text[96];
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
    if (st->optim) {
        snprintf(v[3], sizeof v[3], "%zu", st->optim->steps);
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
    snprintf(v[7], sizeof v[7], "%.17g", st->mean);
    keys[nm] = "normalize.mean", vals[nm++] = v[7];
    snprintf(std_text, sizeof std_text, "%.17g", st->std);
    keys[nm] = "normalize.std", vals[nm++] = std_text;
    if (st->config_json)
        keys[nm] = "config", vals[nm++] = st->config_json;
    keys[nm] = "nntrain_version", vals[nm++] = nn_version();
    if (st->kernel)
        keys[nm] = "gemm_kernel", vals[nm++] = st->kernel;
    if (st->command)
        keys[nm] = "command", vals[nm++] = st->command;
    s = nn_ckpt_write(path, rt.t, rt.n, keys, vals, nm, err);
    nn_state_tensors_free(&rt);
    return s;
}
nn_status nn_state_load_weights(const char *path, nn_model *m, nn_error *err)
{
    nn_st_file f;
    nn_status st = nn_st_read(path, &f, err);
    if (st != NN_OK)
        return st;
    nn_state_tensors rt;
    st = nn_state_tensors_make(&rt, m, NULL, NULL, err);
    if (st == NN_OK)
        st = nn_ckpt_only_known(&f, path, rt.t, rt.n_model, "nntrain.", err);
    if (st == NN_OK)
        st = nn_ckpt_fill(&f, path, NULL, rt.t, rt.n_model, err);
    nn_state_tensors_free(&rt);
    nn_st_free(&f);
    return st;
}
