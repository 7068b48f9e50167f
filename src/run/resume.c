/* resume.c - a checkpoint for --resume, read and checked field by field before a run
 * trusts any of it (resume.h). */
#include "run/resume.h"

#include <cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "ckpt/checkpoint.h"

/* "text" (cut at 40 bytes) for a message. */
#define CUT(v) (v), strlen(v) > 40 ? "..." : ""

static nn_status bad_meta(const char *path, const char *key, const char *v, const char *allowed,
                          nn_error *err)
{
    return nn_fail(err, NN_EDATA, "%s: metadata \"%s\" is \"%.40s%s\"; expected %s", path, key,
                   CUT(v), allowed);
}

/* The metadata text of key, or NN_EDATA when it is absent. */
static nn_status meta_text(const nn_resume *r, const char *key, const char **out, nn_error *err)
{
    *out = nn_st_meta(&r->f, key);
    if (!*out)
        return nn_fail(err, NN_EDATA, "%s: no \"%s\" in the checkpoint's metadata", r->path, key);
    return NN_OK;
}

/* A finite number from lo to hi, the whole text (as nn_state_save writes it: %.17g). */
static nn_status meta_number(const nn_resume *r, const char *key, double lo, double hi,
                             const char *allowed, double *out, nn_error *err)
{
    const char *v;
    nn_status st = meta_text(r, key, &v, err);
    if (st != NN_OK)
        return st;
    char *end = NULL;
    double x = strtod(v, &end);
    if (!*v || *end || !isfinite(x) || !(x >= lo && x <= hi))
        return bad_meta(r->path, key, v, allowed, err);
    *out = x;
    return NN_OK;
}

/* rng.shuffle: four 64-bit words as 64 hexadecimal digits. */
static nn_status meta_shuffle(nn_resume *r, nn_error *err)
{
    const char *v;
    nn_status st = meta_text(r, "rng.shuffle", &v, err);
    if (st != NN_OK)
        return st;
    int ok = strlen(v) == 64;
    for (size_t i = 0; ok && i < 64; i++) {
        char c = v[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16;
        ok = d < 16;
        r->pos.shuffle[i / 16] = r->pos.shuffle[i / 16] << 4 | d;
    }
    return ok ? NN_OK : bad_meta(r->path, "rng.shuffle", v, "64 hexadecimal digits", err);
}

/* The probe record's counters. */
static nn_status meta_probe(nn_resume *r, nn_error *err)
{
    const char *lc = NULL;
    nn_status st = nn_ckpt_meta_size(&r->f, r->path, "probe.recorded", SIZE_MAX, &r->recorded, err);
    if (st == NN_OK)
        st = meta_number(r, "probe.max_dead_frac", 0.0, 1.0, "a number from 0 to 1",
                         &r->max_dead_frac, err);
    if (st == NN_OK)
        st = meta_text(r, "probe.last_constant", &lc, err);
    if (st == NN_OK && strcmp(lc, "0") != 0 && strcmp(lc, "1") != 0)
        st = bad_meta(r->path, "probe.last_constant", lc, "0 or 1", err);
    r->last_constant = st == NN_OK && lc[0] == '1';
    return st;
}

nn_status nn_resume_read(nn_resume *r, const char *path, nn_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    nn_status st = nn_st_read(path, &r->f, err);
    if (st != NN_OK)
        return st;
    r->open = 1;
    const char *format = nn_st_meta(&r->f, "format"), *config = NULL;
    if (!format || strcmp(format, NN_CKPT_FORMAT) != 0)
        return nn_fail(err, NN_EDATA,
                       "%s: not an nntrain checkpoint (no \"format\": \"%s\" metadata)", path,
                       NN_CKPT_FORMAT);
    st = meta_text(r, "config", &config, err);
    if (st == NN_OK)
        st = nn_ckpt_meta_size(&r->f, path, "epoch", SIZE_MAX, &r->pos.epoch, err);
    if (st == NN_OK)
        st = nn_ckpt_meta_size(&r->f, path, "step", SIZE_MAX, &r->pos.step, err);
    if (st == NN_OK)
        st = nn_ckpt_meta_size(&r->f, path, "optimizer.steps", SIZE_MAX, &r->optim_steps, err);
    if (st == NN_OK)
        st = meta_shuffle(r, err);
    if (st == NN_OK)
        st = meta_probe(r, err);
    if (st == NN_OK)
        st =
            meta_number(r, "normalize.mean", -HUGE_VAL, HUGE_VAL, "a finite number", &r->mean, err);
    if (st == NN_OK)
        st = meta_number(r, "normalize.std", DBL_MIN, HUGE_VAL, "a finite number above 0", &r->std,
                         err);
    return st;
}

/* A config tree without what may change on resume: what names or places the outputs
 * (name, output.*) and what changes no result but the run's length (train.epochs,
 * train.threads). */
static cJSON *results_part(const char *json)
{
    cJSON *c = json ? cJSON_Parse(json) : NULL;
    cJSON *train = cJSON_GetObjectItemCaseSensitive(c, "train");
    cJSON_DeleteItemFromObjectCaseSensitive(train, "epochs");
    cJSON_DeleteItemFromObjectCaseSensitive(train, "threads");
    cJSON_DeleteItemFromObjectCaseSensitive(c, "name");
    cJSON_DeleteItemFromObjectCaseSensitive(c, "output");
    return c;
}

#define MAY_DIFFER "on resume only name, output.*, train.epochs and train.threads may differ"

/* The config of the checkpoint (then) against now's, but for what results_part drops. */
static nn_status same_config(const char *path, const char *then, const char *now, nn_error *err)
{
    cJSON *a = results_part(then), *b = results_part(now);
    char where[256] = "", was[48], is[48];
    const cJSON *va = NULL, *vb = NULL;
    int same = a && b && !nn_config_first_diff(a, b, where, sizeof where, &va, &vb);
    nn_config_value_text(va, was, sizeof was);
    nn_config_value_text(vb, is, sizeof is);
    int parsed = a && b;
    cJSON_Delete(a);
    cJSON_Delete(b);
    if (same)
        return NN_OK;
    if (parsed)
        return nn_fail(
            err, NN_ECONFIG,
            "%s: written for another config: %s is %s in the checkpoint, %s now (" MAY_DIFFER
            "; init.from starts a new run from its weights)",
            path, *where ? where : "the whole config", was, is);
    return nn_fail(err, NN_ECONFIG,
                   "%s: written for another config (" MAY_DIFFER
                   "); its config is in the file's \"config\" metadata",
                   path);
}

nn_status nn_resume_check_config(const nn_resume *r, const nn_config *cfg, nn_error *err)
{
    const char *path = r->path;
    nn_status st = same_config(path, nn_st_meta(&r->f, "config"), cfg->resolved, err);
    if (st == NN_OK && r->pos.epoch > cfg->train.epochs)
        st = nn_fail(err, NN_ECONFIG,
                     "%s: the checkpoint is at epoch %zu, past train.epochs = %zu; give --epochs "
                     "%zu or more",
                     path, r->pos.epoch, cfg->train.epochs, r->pos.epoch);
    char want[160];
    if (st == NN_OK && r->optim_steps != r->pos.step) {
        snprintf(want, sizeof want, "%zu, the \"step\" metadata (one optimizer step a batch)",
                 r->pos.step);
        st = bad_meta(path, "optimizer.steps", nn_st_meta(&r->f, "optimizer.steps"), want, err);
    }
    if (st == NN_OK && r->recorded != r->pos.epoch + 1) {
        snprintf(want, sizeof want, "%zu (one probe an epoch, epochs 0 to %zu)", r->pos.epoch + 1,
                 r->pos.epoch);
        st = bad_meta(path, "probe.recorded", nn_st_meta(&r->f, "probe.recorded"), want, err);
    }
    return st;
}

/* Every value of a tensor within its range: floats finite (a run writes no checkpoint
 * after a divergence), the dead-unit record 0 or 1. */
static nn_status tensor_values(const char *path, const nn_tensor *t, nn_error *err)
{
    const float *x = nn_st_f32(t);
    int record = strncmp(t->name, NN_WAS_DEAD, strlen(NN_WAS_DEAD)) == 0;
    for (size_t i = 0; x && i < t->n; i++) {
        if (record && x[i] != 0.0f && x[i] != 1.0f)
            return nn_fail(err, NN_EDATA,
                           "%s: tensor \"%s\" holds %g at element %zu; expected 0 or 1", path,
                           t->name, (double)x[i], i);
        if (!isfinite(x[i]))
            return nn_fail(err, NN_EDATA,
                           "%s: tensor \"%s\" holds %g at element %zu; expected finite values (a "
                           "run writes no checkpoint once it diverged)",
                           path, t->name, (double)x[i], i);
    }
    return NN_OK;
}

/* The tensors a run of cfg on the planned model has: exactly those, each of its dtype and
 * shape, with values in range. */
static nn_status check_tensors(const nn_resume *r, const nn_config *cfg, const nn_model *planned,
                               nn_error *err)
{
    nn_optim o;
    nn_dead d = {0};
    nn_state_tensors rt = {0};
    /* An optimizer over no parameters and the probe of the planned model: the names and
     * shapes of their tensors, without the model's size in memory. */
    nn_status st = nn_optim_init(&o, cfg->optim.def, cfg->optim.hp, 0, err);
    if (st == NN_OK)
        st = nn_dead_init(&d, planned, err);
    if (st == NN_OK)
        st = nn_state_tensors_make(&rt, planned, &o, &d, err);
    if (st == NN_OK)
        st = nn_ckpt_only_known(&r->f, r->path, rt.t, rt.n, NULL, err);
    if (st == NN_OK)
        st = nn_ckpt_check(&r->f, r->path, NULL, rt.t, rt.n, err);
    for (size_t i = 0; st == NN_OK && i < r->f.n; i++)
        st = tensor_values(r->path, &r->f.tensors[i], err);
    nn_state_tensors_free(&rt);
    nn_dead_free(&d);
    nn_optim_free(&o);
    return st;
}

/* normalize.* (key) against the value v the run's data gives. */
static nn_status same_norm(const nn_resume *r, const char *key, double saved, float v,
                           const nn_config *cfg, nn_error *err)
{
    if (saved == (double)v)
        return NN_OK;
    char want[160];
    snprintf(want, sizeof want,
             "%.17g, what this run's data gives (data.normalize \"%s\"): the "
             "checkpoint was trained on other data",
             (double)v, cfg->data.normalize == NN_NORM_STANDARD ? "standard" : "unit");
    return bad_meta(r->path, key, nn_st_meta(&r->f, key), want, err);
}

nn_status nn_resume_check_run(const nn_resume *r, const nn_config *cfg, const nn_model *planned,
                              size_t n_train, float mean, float std, nn_error *err)
{
    const size_t bs = cfg->train.batch_size, per_epoch = (n_train + bs - 1) / bs;
    /* Checkpoints are written at epochs' ends only. */
    if (per_epoch &&
        (r->pos.epoch > SIZE_MAX / per_epoch || r->pos.step != r->pos.epoch * per_epoch)) {
        char want[200];
        snprintf(want, sizeof want,
                 "%zu: epoch %zu x %zu steps an epoch (%zu training samples in batches of "
                 "train.batch_size %zu)",
                 r->pos.epoch * per_epoch, r->pos.epoch, per_epoch, n_train, bs);
        return bad_meta(r->path, "step", nn_st_meta(&r->f, "step"), want, err);
    }
    nn_status st = same_norm(r, "normalize.mean", r->mean, mean, cfg, err);
    if (st == NN_OK)
        st = same_norm(r, "normalize.std", r->std, std, cfg, err);
    if (st == NN_OK)
        st = check_tensors(r, cfg, planned, err);
    return st;
}

nn_status nn_resume_restore(const nn_resume *r, nn_model *m, nn_optim *o, nn_dead *d, nn_error *err)
{
    nn_state_tensors rt;
    nn_status st = nn_state_tensors_make(&rt, m, o, d, err);
    if (st == NN_OK) /* the model's, the optimizer's and the record's, checked before any copy */
        st = nn_ckpt_fill(&r->f, r->path, NULL, rt.t, rt.n, err);
    if (st == NN_OK) {
        /* was_dead came in as 0/1 floats (rt.wd): back to the record's bytes */
        size_t used = 0;
        for (size_t i = 0; i < d->n_modules; i++)
            for (size_t j = 0; j < d->width[i]; j++)
                d->was_dead[i][j] = rt.wd[used++] != 0.0f;
        o->steps = r->optim_steps;
        d->recorded = r->recorded;
        d->max_dead_frac = r->max_dead_frac;
        d->last_constant = r->last_constant;
    }
    nn_state_tensors_free(&rt);
    return st;
}

void nn_resume_free(nn_resume *r)
{
    if (r->open)
        nn_st_free(&r->f);
    memset(r, 0, sizeof *r);
}
