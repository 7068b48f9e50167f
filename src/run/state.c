/* state.c - a run's state to and from a checkpoint: the model, the optimizer and the probe
 * export their tensors, the checkpoint layer stores and checks them (ckpt/checkpoint.h). */
#include "run/state.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/checkpoint.h"
#include "config/config.h"
#include "sys/version.h"

enum { MAX_META = 16, WD_NAME = 48 };

/* A run's tensors in file order: the model's, the optimizer's, the probe record's. */
typedef struct run_tensors {
    nn_tensor *t;
    size_t n, n_model;
    char (*model_names)[NN_TENSOR_NAME];
    char (*optim_names)[NN_OPTIM_NAME];
    char (*wd_names)[WD_NAME];
    float *wd; /* was_dead as 0/1 floats */
} run_tensors;

static void run_tensors_free(run_tensors *r)
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
static size_t param_tensors(const run_tensors *r, const size_t *offset, nn_tensor *params,
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
static size_t record_tensors(run_tensors *r, const nn_dead *d, nn_tensor *out)
{
    size_t k = 0, used = 0;
    for (size_t i = 0; d && i < d->n_modules; i++) {
        size_t w = d->width[i];
        if (!w)
            continue;
        for (size_t j = 0; j < w; j++)
            r->wd[used + j] = d->was_dead ? (float)d->was_dead[i][j] : 0.0f;
        snprintf(r->wd_names[k], WD_NAME, "nntrain.was_dead.%zu", i);
        out[k] = (nn_tensor){.name = r->wd_names[k], .dtype = NN_F32, .ndim = 1,
                             .shape = {w}, .n = w, .data = r->wd + used};
        k++;
        used += w;
    }
    return k;
}

/* Every tensor of a run (o and d may be NULL: the model's only). */
static nn_status run_tensors_make(run_tensors *r, const nn_model *m, const nn_optim *o,
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
        run_tensors_free(r);
        st = nn_fail(err, NN_ESYS, "out of memory");
    } else {
        r->n_model = nn_model_tensors(m, r->t, r->model_names, offset);
        r->n = r->n_model;
        size_t np = param_tensors(r, offset, params, poff);
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
    run_tensors rt;
    nn_status s = run_tensors_make(&rt, st->model, st->optim, st->dead, err);
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
    run_tensors_free(&rt);
    return s;
}
/* The config of the checkpoint against now's, train.epochs and train.threads aside. */
static nn_status same_config(const char *path, const char *then, const char *now, nn_error *err)
{
    cJSON *a = then ? cJSON_Parse(then) : NULL, *b = now ? cJSON_Parse(now) : NULL;
    for (int i = 0; i < 2; i++) {
        cJSON *train = cJSON_GetObjectItemCaseSensitive(i ? b : a, "train");
        cJSON_DeleteItemFromObjectCaseSensitive(train, "epochs");
        cJSON_DeleteItemFromObjectCaseSensitive(train, "threads");
    }
    char where[256] = "", was[48], is[48];
    const cJSON *va = NULL, *vb = NULL;
    int same = a && b && !nn_config_first_diff(a, b, where, sizeof where, &va, &vb);
    nn_config_value_text(va, was, sizeof was);
    nn_config_value_text(vb, is, sizeof is);
    cJSON_Delete(a);
    cJSON_Delete(b);
    if (!then)
        return nn_fail(err, NN_EDATA, "%s: no config in the checkpoint's metadata", path);
    if (!same && a && b)
        return nn_fail(err, NN_ECONFIG,
                       "%s: written for another config: %s is %s in the checkpoint, %s now (only "
                       "train.epochs and train.threads may change on resume)",
                       path, *where ? where : "the whole config", was, is);
    if (!same)
        return nn_fail(err, NN_ECONFIG,
                       "%s: written for another config (only train.epochs and train.threads may "
                       "change on resume); its config is in the file's \"config\" metadata",
                       path);
    return NN_OK;
}

/* The dead-unit record: was_dead per unit and its counters. */
static nn_status restore_record(const nn_st_file *f, const char *path, nn_dead *d, nn_error *err)
{
    for (size_t i = 0; i < d->n_modules; i++) {
        if (!d->width[i])
            continue;
        char name[WD_NAME];
        snprintf(name, sizeof name, "nntrain.was_dead.%zu", i);
        const nn_tensor *t = nn_st_find(f, name);
        if (!t || t->ndim != 1 || t->shape[0] != d->width[i])
            return nn_fail(err, NN_EDATA, "%s: no tensor \"%s\" of %zu units", path, name,
                           d->width[i]);
        nn_status st = nn_st_expect(path, t, NN_F32, err);
        if (st != NN_OK)
            return st;
        const float *x = nn_st_f32(t);
        for (size_t j = 0; j < d->width[i]; j++)
            d->was_dead[i][j] = x[j] != 0.0f;
    }
    const char *mx = nn_st_meta(f, "probe.max_dead_frac"), *lc = nn_st_meta(f, "probe.last_constant");
    nn_status st = nn_ckpt_meta_size(f, path, "probe.recorded", &d->recorded, err);
    if (st == NN_OK && (!mx || !lc))
        st = nn_fail(err, NN_EDATA, "%s: no probe record in the checkpoint's metadata", path);
    if (st == NN_OK) {
        d->max_dead_frac = strtod(mx, NULL);
        d->last_constant = lc[0] == '1';
    }
    return st;
}


/* *pos from the metadata: epoch, step and the shuffle stream. */
static nn_status read_position(const nn_st_file *f, const char *path, nn_ckpt_position *pos,
                               nn_error *err)
{
    const char *rng = nn_st_meta(f, "rng.shuffle");
    nn_status st = nn_ckpt_meta_size(f, path, "epoch", &pos->epoch, err);
    if (st == NN_OK)
        st = nn_ckpt_meta_size(f, path, "step", &pos->step, err);
    if (st == NN_OK && (!rng || strlen(rng) != 64))
        st = nn_fail(err, NN_EDATA, "%s: no valid \"rng.shuffle\" in the checkpoint's metadata",
                     path);
    for (int w = 0; st == NN_OK && w < 4; w++) {
        char word[17];
        memcpy(word, rng + 16 * w, 16);
        word[16] = '\0';
        pos->shuffle[w] = (uint64_t)strtoull(word, NULL, 16);
    }
    return st;
}

nn_status nn_state_resume(const char *path, const char *config_json, nn_model *m, nn_optim *o,
                          nn_dead *dead, nn_ckpt_position *pos, nn_error *err)
{
    nn_st_file f;
    nn_status st = nn_st_read(path, &f, err);
    if (st != NN_OK)
        return st;
    const char *format = nn_st_meta(&f, "format");
    if (!format || strcmp(format, NN_CKPT_FORMAT) != 0)
        st = nn_fail(err, NN_EDATA, "%s: not an nntrain checkpoint (no \"format\": \"%s\" metadata)",
                     path, NN_CKPT_FORMAT);
    if (st == NN_OK)
        st = same_config(path, nn_st_meta(&f, "config"), config_json, err);
    run_tensors rt = {0};
    if (st == NN_OK)
        st = run_tensors_make(&rt, m, o, NULL, err);
    if (st == NN_OK)
        st = nn_ckpt_only_known(&f, path, rt.t, rt.n_model, "nntrain.", err);
    if (st == NN_OK) /* the model's and the optimizer's tensors, checked before any copy */
        st = nn_ckpt_fill(&f, path, NULL, rt.t, rt.n, err);
    if (st == NN_OK)
        st = nn_ckpt_meta_size(&f, path, "optimizer.steps", &o->steps, err);
    if (st == NN_OK)
        st = restore_record(&f, path, dead, err);
    if (st == NN_OK)
        st = read_position(&f, path, pos, err);
    run_tensors_free(&rt);
    nn_st_free(&f);
    return st;
}

nn_status nn_state_load_weights(const char *path, nn_model *m, nn_error *err)
{
    nn_st_file f;
    nn_status st = nn_st_read(path, &f, err);
    if (st != NN_OK)
        return st;
    run_tensors rt;
    st = run_tensors_make(&rt, m, NULL, NULL, err);
    if (st == NN_OK)
        st = nn_ckpt_only_known(&f, path, rt.t, rt.n_model, "nntrain.", err);
    if (st == NN_OK)
        st = nn_ckpt_fill(&f, path, NULL, rt.t, rt.n_model, err);
    run_tensors_free(&rt);
    nn_st_free(&f);
    return st;
}
