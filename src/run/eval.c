/* eval.c - a checkpoint evaluated on a split of its config's data (loss, accuracy,
 * per-class counts, the confusion matrix, the dead units), and its predictions. */
#include "run/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckpt/safetensors.h"
#include "config/data.h"
#include "run/state.h"
#include "math/fpmode.h"
#include "nn/loss.h"
#include "run/check.h"
#include "run/status.h"
#include "run/train.h"

size_t nn_argmax_f(const float *v, size_t n)
{
    size_t arg = 0;
    for (size_t j = 1; j < n; j++)
        if (v[j] > v[arg])
            arg = j;
    return arg;
}

size_t nn_argmax_d(const double *v, size_t n)
{
    size_t arg = 0;
    for (size_t j = 1; j < n; j++)
        if (v[j] > v[arg])
            arg = j;
    return arg;
}

/* A finite number of the metadata key; *found 0 when the key is absent. */
static nn_status meta_number(const nn_st_file *f, const char *path, const char *key, double *out,
                             int *found, nn_error *err)
{
    const char *v = nn_st_meta(f, key);
    char *end = NULL;
    *found = v != NULL;
    if (!v)
        return NN_OK;
    *out = strtod(v, &end);
    if (!*v || *end || !isfinite(*out))
        return nn_fail(err, NN_EDATA,
                       "%s: \"%s\" in the checkpoint's metadata is \"%.40s\", not a number", path,
                       key, v);
    return NN_OK;
}

/* How the checkpoint's run was made, from the metadata (absent: NULL). */
static nn_status read_made(const nn_st_file *f, nn_ckpt_info *c, nn_error *err)
{
    const char *v = nn_st_meta(f, "nntrain_version"), *k = nn_st_meta(f, "gemm_kernel");
    const char *cmd = nn_st_meta(f, "command");
    c->run_version = v ? strdup(v) : NULL;
    c->run_kernel = k ? strdup(k) : NULL;
    c->run_command = cmd ? nn_command_text_json(cmd) : NULL;
    if ((v && !c->run_version) || (k && !c->run_kernel))
        return nn_fail(err, NN_ESYS, "out of memory");
    if (cmd && !c->run_command) /* not an array of strings: shown as it is */
        c->run_command = strdup(cmd);
    return cmd && !c->run_command ? nn_fail(err, NN_ESYS, "out of memory") : NN_OK;
}

/* The normalization, the epoch and the input width from the file's header. */
static nn_status read_meta(const nn_st_file *f, const char *path, nn_ckpt_info *c, nn_error *err)
{
    int has_mean = 0, has_std = 0;
    double epoch = 0.0;
    nn_status st = meta_number(f, path, "normalize.mean", &c->mean, &has_mean, err);
    if (st == NN_OK)
        st = meta_number(f, path, "normalize.std", &c->std, &has_std, err);
    if (st == NN_OK && has_mean != has_std)
        st =
            nn_fail(err, NN_EDATA, "%s: the metadata has \"normalize.%s\" without \"normalize.%s\"",
                    path, has_mean ? "mean" : "std", has_mean ? "std" : "mean");
    if (st == NN_OK && has_std && !(c->std > 0.0))
        st = nn_fail(err, NN_EDATA, "%s: \"normalize.std\" in the metadata is %g; expected > 0",
                     path, c->std);
    if (st == NN_OK)
        st = meta_number(f, path, "epoch", &epoch, &c->has_epoch, err);
    if (st != NN_OK)
        return st;
    c->has_norm = has_mean;
    c->epoch = c->has_epoch && epoch >= 0.0 ? (size_t)epoch : 0;
    for (size_t i = 0; i < c->cfg.n_modules; i++) {
        if (!nn_spec_is_product(&c->cfg.modules[i]))
            continue;
        char name[32];
        snprintf(name, sizeof name, "%zu.weight", i);
        const nn_tensor *t = nn_st_find(f, name);
        c->input_dim = t && t->ndim == 2 ? (size_t)t->shape[1] : 0;
        break;
    }
    return NN_OK;
}

/* --config's model against the checkpoint's own config (its "config" metadata, json):
 * the same modules with the same values, defaults filled in, or NN_ECONFIG naming the
 * first difference, as --resume does. A metadata config this nntrain cannot read is
 * let be: --config is then how the file is read at all. */
static nn_status same_model(const nn_config *cfg, const char *config_path, const char *json,
                            const char *path, nn_error *err)
{
    nn_config own;
    nn_error ignored;
    if (nn_config_parse(&own, json, path, NULL, 0, &ignored) != NN_OK)
        return NN_OK;
    cJSON *a = nn_config_model_tree(&own), *b = nn_config_model_tree(cfg);
    char where[256] = "model", was[48], is[48];
    const cJSON *va = NULL, *vb = NULL;
    int differ = a && b && nn_config_first_diff(a, b, where, sizeof where, &va, &vb);
    nn_config_value_text(va, was, sizeof was);
    nn_config_value_text(vb, is, sizeof is);
    nn_status st = !a || !b ? nn_fail(err, NN_ESYS, "out of memory") : NN_OK;
    if (differ && strcmp(where, "model") == 0)
        st = nn_fail(err, NN_ECONFIG,
                     "%s: --config %s has %d modules in its model, the checkpoint's config %d; "
                     "--config must describe the checkpoint's model (leave it out to use the "
                     "checkpoint's own config)",
                     path, config_path, cJSON_GetArraySize(b), cJSON_GetArraySize(a));
    else if (differ)
        st = nn_fail(err, NN_ECONFIG,
                     "%s: --config %s describes another model: %s is %s in the checkpoint's "
                     "config, %s in %s (leave --config out to use the checkpoint's own config)",
                     path, config_path, where, was, is, config_path);
    cJSON_Delete(a);
    cJSON_Delete(b);
    nn_config_free(&own);
    return st;
}

nn_status nn_ckpt_info_read(nn_ckpt_info *c, const char *path, const char *config_path,
                            nn_error *err)
{
    memset(c, 0, sizeof *c);
    nn_st_file f;
    nn_status st = nn_st_read(path, &f, err);
    if (st != NN_OK)
        return st;
    const char *json = nn_st_meta(&f, "config"), *format = nn_st_meta(&f, "format");
    size_t len = strlen(path) + 64;
    char *source = malloc(len);
    if (!source || !(c->path = strdup(path)))
        st = nn_fail(err, NN_ESYS, "out of memory");
    else if (format && strcmp(format, NN_CKPT_FORMAT) != 0) /* none: PyTorch weights */
        st = nn_fail(err, NN_EDATA, "%s: checkpoint format \"%s\"; this nntrain reads \"%s\"", path,
                     format, NN_CKPT_FORMAT);
    else if (config_path) {
        st = nn_config_load(&c->cfg, config_path, NULL, 0, err);
        if (st == NN_OK && json)
            st = same_model(&c->cfg, config_path, json, path, err);
    } else if (!json)
        st = nn_fail(err, NN_ECONFIG,
                     "%s: no \"config\" in the checkpoint's metadata (PyTorch weights?); give "
                     "the model's config with --config CONFIG",
                     path);
    else {
        snprintf(source, len, "%s (its \"config\" metadata)", path);
        st = nn_config_parse(&c->cfg, json, source, NULL, 0, err);
    }
    if (st == NN_OK)
        st = read_meta(&f, path, c, err);
    if (st == NN_OK)
        st = read_made(&f, c, err);
    free(source);
    nn_st_free(&f);
    if (st != NN_OK)
        nn_ckpt_info_free(c);
    return st;
}

void nn_ckpt_info_free(nn_ckpt_info *c)
{
    free(c->path);
    free(c->run_version);
    free(c->run_kernel);
    free(c->run_command);
    nn_config_free(&c->cfg);
    memset(c, 0, sizeof *c);
}

void nn_eval_result_free(nn_eval_result *r)
{
    free(r->count);
    free(r->correct);
    free(r->confusion);
    for (size_t k = 0; r->class_names && k < r->classes; k++)
        free(r->class_names[k]);
    free(r->class_names);
    free(r->act);
    free(r->units);
    free(r->dead);
    memset(r, 0, sizeof *r);
}

/* c's model for inputs of dim features, with the checkpoint's weights. */
static nn_status model_open(nn_model *m, const nn_ckpt_info *c, size_t dim, nn_error *err)
{
    const nn_config *cfg = &c->cfg;
    nn_rng rng; /* the seed's init, replaced by the weights */
    nn_rng_seed(&rng, cfg->seed, NN_RNG_INIT);
    nn_status st = nn_model_build(m, cfg->modules, cfg->n_modules, dim, NN_EVAL_CHUNK, 0,
                                  cfg->train.threads, &rng, err);
    if (st != NN_OK)
        return st;
    st = nn_state_load_weights(c->path, m, err);
    if (st != NN_OK) {
        nn_model_free(m);
        return st;
    }
    nn_gemm_set_flush(m->gemm, cfg->train.flush_denormals);
    return NN_OK;
}

/* The result's arrays for model m (and ds's class names). */
static nn_status result_alloc(nn_eval_result *r, const nn_model *m, const nn_dataset *ds,
                              nn_error *err)
{
    size_t c = m->output_dim, n = m->n_modules;
    memset(r, 0, sizeof *r);
    r->classes = c;
    r->n_modules = n;
    r->count = calloc(c, sizeof *r->count);
    r->correct = calloc(c, sizeof *r->correct);
    r->confusion = calloc(c * c, sizeof *r->confusion);
    r->act = calloc(n, sizeof *r->act);
    r->units = calloc(n, sizeof *r->units);
    r->dead = calloc(n, sizeof *r->dead);
    int ok = r->count && r->correct && r->confusion && r->act && r->units && r->dead;
    if (ok && ds->class_names && ds->n_classes == c) {
        ok = (r->class_names = calloc(c, sizeof *r->class_names)) != NULL;
        for (size_t k = 0; ok && k < c; k++)
            ok = (r->class_names[k] = strdup(ds->class_names[k])) != NULL;
    }
    if (!ok) {
        nn_eval_result_free(r);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    return NN_OK;
}

/* The per-module dead counts of a finished probe. */
static void result_dead(nn_eval_result *r, const nn_model *m, const nn_dead *d)
{
    for (size_t i = 0; i < m->n_modules; i++) {
        r->act[i] = m->modules[i].def->probed ? nn_module_type(&m->modules[i]) : NULL;
        r->units[i] = d->width[i];
        r->dead[i] = d->dead[i];
    }
    r->units_total = d->total;
    r->dead_total = d->dead_total;
    r->constant_output = d->constant_output;
}

/* What one evaluation uses. */
typedef struct evaluator {
    nn_model model;
    nn_dead dead;
    nn_norm norm;
    size_t seq[NN_EVAL_CHUNK];
    int32_t labels[NN_EVAL_CHUNK];
} evaluator;

/* Forward passes over samples idx[0..n) of ds in chunks, as the run's evaluate() makes
 * them, into r (allocated) and the probe. */
static nn_status pass(evaluator *e, const nn_dataset *ds, const size_t *idx, size_t n,
                      nn_eval_result *r, nn_error *err)
{
    nn_model *m = &e->model;
    const size_t c = m->output_dim;
    double total = 0.0;
    size_t hits = 0;
    nn_dead_reset(&e->dead);
    for (size_t start = 0; start < n; start += NN_EVAL_CHUNK) {
        size_t rows = n - start < NN_EVAL_CHUNK ? n - start : NN_EVAL_CHUNK;
        for (size_t i = 0; i < rows; i++)
            e->seq[i] = idx ? idx[start + i] : start + i;
        nn_batch_fill(ds, e->seq, rows, &e->norm, m->acts[0], e->labels);
        const float *logits = nn_model_forward(m, rows, NN_EVAL);
        if (nn_dead_observe(&e->dead, m, rows) != 0)
            return nn_fail(err, NN_ETRAIN,
                           "a pre-activation (input of module %zu) is NaN or Inf on samples "
                           "%zu..%zu of the split",
                           e->dead.bad_module, start, start + rows - 1);
        total += nn_softmax_xent(logits, e->labels, rows, c, NULL, 1, &hits);
        for (size_t i = 0; i < rows; i++) {
            size_t y = (size_t)e->labels[i], p = nn_argmax_f(logits + i * c, c);
            r->count[y]++;
            r->correct[y] += p == y;
            r->confusion[y * c + p]++;
        }
    }
    if (!isfinite(total))
        return nn_fail(err, NN_ETRAIN,
                       "the loss on the split is not finite (a logit is NaN or Inf)");
    r->samples = n;
    r->loss = n ? total / (double)n : 0.0;
    r->acc = n ? (double)hits / (double)n : 0.0;
    nn_dead_finish(&e->dead);
    result_dead(r, m, &e->dead);
    return NN_OK;
}

static nn_status split_allowed(const nn_config *cfg, nn_eval_split split, nn_error *err)
{
    if (split == NN_SPLIT_VAL && cfg->data.validation == 0)
        return nn_fail(err, NN_ECONFIG,
                       "--split val: the config holds no samples out (data.validation is 0); "
                       "use --split test or train");
    return NN_OK;
}

/* The samples of the split: ds and idx[0..*n) (idx NULL: the first *n); *owned to free. */
static nn_status split_of(const nn_config *cfg, const nn_dataset *train, const nn_dataset *test,
                          nn_eval_split split, const nn_dataset **ds, size_t **owned, size_t *n,
                          nn_error *err)
{
    *owned = NULL;
    if (split == NN_SPLIT_TEST) {
        *ds = test;
        *n = test->n;
        return NN_OK;
    }
    size_t n_val = cfg->data.validation;
    size_t *train_idx = malloc(train->n * sizeof *train_idx);
    size_t *val_idx = malloc((n_val ? n_val : 1) * sizeof *val_idx);
    if (!train_idx || !val_idx) {
        free(train_idx);
        free(val_idx);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    nn_rng split_rng; /* the held-out samples, as the run chose them */
    nn_rng_seed(&split_rng, cfg->seed, NN_RNG_SPLIT);
    nn_split_indices(train->n, n_val, &split_rng, train_idx, val_idx);
    int val = split == NN_SPLIT_VAL;
    *ds = train;
    *n = val ? n_val : train->n - n_val;
    *owned = val ? val_idx : train_idx;
    free(val ? train_idx : val_idx);
    return NN_OK;
}

static nn_status eval_split(const nn_ckpt_info *c, const nn_dataset *ds, const size_t *idx,
                            size_t n, double mean, double std, nn_eval_result *out, nn_error *err)
{
    if (c->input_dim && ds->dim != c->input_dim)
        return nn_fail(err, NN_EDATA,
                       "%s: the model takes %zu inputs, but the data's images have %zu "
                       "(%zux%zux%zu)",
                       c->path, c->input_dim, ds->dim, ds->rows, ds->cols, ds->channels);
    evaluator *e = calloc(1, sizeof *e);
    if (!e)
        return nn_fail(err, NN_ESYS, "out of memory");
    e->norm = nn_norm_make((float)mean, (float)std); /* as the run made it */
    nn_status st = model_open(&e->model, c, ds->dim, err);
    if (st == NN_OK && (st = nn_dead_init(&e->dead, &e->model, err)) != NN_OK)
        nn_model_free(&e->model);
    if (st == NN_OK) {
        st = result_alloc(out, &e->model, ds, err);
        if (st == NN_OK)
            out->kernel = nn_gemm_kernel(e->model.gemm);
        if (st == NN_OK && (st = pass(e, ds, idx, n, out, err)) != NN_OK)
            nn_eval_result_free(out);
        nn_dead_free(&e->dead);
        nn_model_free(&e->model);
    }
    free(e);
    return st;
}

nn_status nn_eval_on(const nn_ckpt_info *c, const nn_dataset *train, const nn_dataset *test,
                     nn_eval_split split, nn_eval_result *out, nn_error *err)
{
    const nn_config *cfg = &c->cfg;
    memset(out, 0, sizeof *out);
    double mean, std;
    nn_status st = split_allowed(cfg, split, err);
    if (st == NN_OK)
        st = nn_check_run(cfg, train, test, &mean, &std, err);
    if (st != NN_OK)
        return st;
    if (c->has_norm) {
        mean = c->mean;
        std = c->std;
    }
    const nn_dataset *ds = test;
    size_t *idx = NULL, n = 0;
    st = split_of(cfg, train, test, split, &ds, &idx, &n, err);
    if (st != NN_OK)
        return st;
    nn_fpmode fp = nn_fp_flush(cfg->train.flush_denormals); /* as the run computed */
    st = eval_split(c, ds, idx, n, mean, std, out, err);
    nn_fp_restore(fp);
    free(idx);
    return st;
}

nn_status nn_eval(const nn_ckpt_info *c, nn_eval_split split, const nn_hooks *hooks,
                  nn_eval_result *out, nn_error *err)
{
    memset(out, 0, sizeof *out);
    nn_status st = split_allowed(&c->cfg, split, err);
    if (st != NN_OK)
        return st;
    nn_dataset train, test;
    st = nn_config_load_data(&c->cfg, hooks, &train, &test, err);
    if (st == NN_OK)
        st = nn_eval_on(c, &train, &test, split, out, err);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return st;
}

nn_status nn_predictor_open(nn_predictor *p, const nn_ckpt_info *c, nn_error *err)
{
    memset(p, 0, sizeof *p);
    /* Without the run's figures (PyTorch weights), "unit" needs none; "standard" needs
     * the training data's. */
    int unit = c->cfg.data.normalize == NN_NORM_UNIT;
    if (!c->has_norm && !unit)
        return nn_fail(err, NN_EDATA,
                       "%s: no \"normalize.mean\" and \"normalize.std\" in the metadata, and "
                       "data.normalize is \"standard\"; predict needs a checkpoint nntrain wrote "
                       "(output.checkpoint)",
                       c->path);
    if (!c->input_dim)
        return nn_fail(err, NN_EDATA,
                       "%s: no 2-D weight for the config's first dense layer; the model's input "
                       "size is unknown",
                       c->path);
    if (!(p->seq = malloc(NN_EVAL_CHUNK * sizeof *p->seq)))
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = model_open(&p->model, c, c->input_dim, err);
    if (st != NN_OK) {
        free(p->seq);
        p->seq = NULL;
        return st;
    }
    p->norm = c->has_norm ? nn_norm_make((float)c->mean, (float)c->std) : nn_norm_make(0.0f, 1.0f);
    p->channels = c->cfg.data.kind == NN_DATA_IDX ? 1 : c->cfg.data.channels;
    p->flush = c->cfg.train.flush_denormals;
    return NN_OK;
}

void nn_predictor_free(nn_predictor *p)
{
    nn_model_free(&p->model);
    free(p->seq);
    memset(p, 0, sizeof *p);
}

/* p[0..c) = softmax(z[0..c)), in double with the largest logit subtracted. */
static void softmax(const float *z, size_t c, double *p)
{
    double zmax = z[nn_argmax_f(z, c)], sum = 0.0;
    for (size_t j = 0; j < c; j++)
        sum += p[j] = exp((double)z[j] - zmax);
    for (size_t j = 0; j < c; j++)
        p[j] /= sum;
}

nn_status nn_predict(nn_predictor *p, const nn_dataset *ds, const char *source, double *probs,
                     nn_error *err)
{
    nn_model *m = &p->model;
    if (ds->dim != m->input_dim || ds->channels != p->channels)
        return nn_fail(err, NN_EDATA,
                       "%s: %s %zux%zu (width x height) with %zu channel%s, %zu values; the "
                       "model takes %zu values of %zu-channel images",
                       source, ds->n == 1 ? "the image is" : "the images are", ds->cols, ds->rows,
                       ds->channels, ds->channels == 1 ? "" : "s", ds->dim, m->input_dim,
                       p->channels);
    const size_t c = m->output_dim;
    nn_fpmode fp = nn_fp_flush(p->flush);
    for (size_t start = 0; start < ds->n; start += NN_EVAL_CHUNK) {
        size_t rows = ds->n - start < NN_EVAL_CHUNK ? ds->n - start : NN_EVAL_CHUNK;
        for (size_t i = 0; i < rows; i++)
            p->seq[i] = start + i;
        nn_batch_fill(ds, p->seq, rows, &p->norm, m->acts[0], NULL);
        const float *logits = nn_model_forward(m, rows, NN_EVAL);
        for (size_t i = 0; i < rows; i++)
            softmax(logits + i * c, c, probs + (start + i) * c);
    }
    nn_fp_restore(fp);
    return NN_OK;
}
