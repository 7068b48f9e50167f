/* checkpoint.c - the run's state to and from safetensors, with PyTorch's tensor names. */
#include "ckpt/checkpoint.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/safetensors.h"
#include "sys/fs.h"

enum { NAME_MAX_LEN = 64, MAX_META = 14 };

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
static nn_status build_tensors(const nn_ckpt_state *st, nn_tensor **out, size_t *count,
                               char (**names)[NAME_MAX_LEN], float **floats, nn_error *err)
{
    const nn_model *m = st->model;
    size_t cap = 5 * m->n_modules + 1; /* model, momentum (2 a module), was_dead (1) */
    model_tensor *list = calloc(cap, sizeof *list);
    nn_tensor *t = calloc(cap, sizeof *t);
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
        t[k++] = (nn_tensor){.name = nm[nm_used++], .ndim = list[i].ndim,
                             .shape = {list[i].shape[0], list[i].shape[1]}, .n = list[i].n,
                             .data = m->params + list[i].offset};
    }
    for (size_t i = 0; st->sgd && st->sgd->buf && i < mt; i++) {
        snprintf(nm[nm_used], NAME_MAX_LEN, "nntrain.momentum.%s", list[i].name);
        t[k++] = (nn_tensor){.name = nm[nm_used++], .ndim = list[i].ndim,
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
        t[k++] = (nn_tensor){.name = nm[nm_used++], .ndim = 1, .shape = {w}, .n = w,
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
    nn_tensor *t = NULL;
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
    snprintf(v[7], sizeof v[7], "%.17g", st->mean);
    keys[nm] = "normalize.mean", vals[nm++] = v[7];
    char std_text[96];
    snprintf(std_text, sizeof std_text, "%.17g", st->std);
    keys[nm] = "normalize.std", vals[nm++] = std_text;
    if (st->config_json)
        keys[nm] = "config", vals[nm++] = st->config_json;
    s = nn_st_write(path, t, n, keys, vals, nm, err);
    free(t);
    free(names);
    free(floats);
    return s;
}

/* A number of the metadata (decimal), or NN_EDATA naming it. */
static nn_status meta_size(const nn_st_file *f, const char *path, const char *key, size_t *out,
                           nn_error *err)
{
    const char *v = nn_st_meta(f, key);
    char *end = NULL;
    unsigned long long x = v ? strtoull(v, &end, 10) : 0;
    if (!v || !*v || *end)
        return nn_fail(err, NN_EDATA, "%s: no valid \"%s\" in the checkpoint's metadata", path, key);
    *out = (size_t)x;
    return NN_OK;
}

/* Appends where (an object key, or an array index when key is NULL) to the path at p. */
static void path_add(char *p, size_t n, const char *key, int index)
{
    size_t len = strlen(p);
    if (key)
        snprintf(p + len, n - len, "%s%s", len ? "." : "", key);
    else
        snprintf(p + len, n - len, "[%d]", index);
}

/* The first place where trees a and b differ, as a config path into p ("" when the top
 * itself differs); 0 when they are the same. *va and *vb: the values there (NULL: absent). */
static int first_diff(const cJSON *a, const cJSON *b, char *p, size_t n, const cJSON **va,
                      const cJSON **vb)
{
    *va = a, *vb = b;
    const size_t keep = strlen(p);
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, a) {
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(b, e->string);
            path_add(p, n, e->string, 0);
            if (!f) {
                *va = e, *vb = NULL;
                return 1;
            }
            if (first_diff(e, f, p, n, va, vb))
                return 1;
            p[keep] = '\0';
        }
        cJSON_ArrayForEach(e, b) {
            if (!cJSON_GetObjectItemCaseSensitive(a, e->string)) {
                path_add(p, n, e->string, 0);
                *va = NULL, *vb = e;
                return 1;
            }
        }
        return 0;
    }
    if (cJSON_IsArray(a) && cJSON_IsArray(b) && cJSON_GetArraySize(a) == cJSON_GetArraySize(b)) {
        for (int i = 0; i < cJSON_GetArraySize(a); i++) {
            path_add(p, n, NULL, i);
            if (first_diff(cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), p, n, va, vb))
                return 1;
            p[keep] = '\0';
        }
        return 0;
    }
    return !cJSON_Compare(a, b, 1);
}

/* A value of a config for a message: its JSON text, cut at 40 bytes, or "absent". */
static void value_text(const cJSON *v, char *out, size_t n)
{
    char *t = v ? cJSON_PrintUnformatted(v) : NULL;
    snprintf(out, n, "%s", v ? (t ? t : "?") : "absent");
    if (t && strlen(t) >= n && n > 4)
        memcpy(out + n - 4, "...", 4);
    free(t);
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
    int same = a && b && !first_diff(a, b, where, sizeof where, &va, &vb);
    value_text(va, was, sizeof was);
    value_text(vb, is, sizeof is);
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

/* Copies the tensors named prefix + <model tensor> into base + offset, checking shapes. */
static nn_status copy_tensors(const nn_st_file *f, const char *path, const char *prefix,
                              const model_tensor *list, size_t mt, float *base, nn_error *err)
{
    for (size_t pass = 0; pass < 2; pass++) /* check all, then copy */
        for (size_t i = 0; i < mt; i++) {
            char name[2 * NAME_MAX_LEN], want[64], found[160];
            snprintf(name, sizeof name, "%s%s", prefix, list[i].name);
            const nn_tensor *t = nn_st_find(f, name);
            if (pass == 1) {
                memcpy(base + list[i].offset, t->data, list[i].n * sizeof(float));
                continue;
            }
            shape_text(want, sizeof want, list[i].ndim, list[i].shape);
            if (!t)
                return nn_fail(err, NN_EDATA, "%s: no tensor \"%s\" (expected %s for the config's model)",
                               path, name, want);
            int same = t->ndim == list[i].ndim;
            for (size_t d = 0; same && d < t->ndim; d++)
                same = t->shape[d] == list[i].shape[d];
            if (!same) {
                shape_text(found, sizeof found, t->ndim, t->shape);
                return nn_fail(err, NN_EDATA,
                               "%s: tensor \"%s\" has shape %s; the config's model expects %s", path,
                               name, found, want);
            }
            nn_status st = nn_st_expect(path, t, NN_F32, err);
            if (st != NN_OK)
                return st;
        }
    return NN_OK;
}

/* Every tensor of f is one of the model's or one of nntrain's state ("nntrain." prefix):
 * a file for another model is refused, not half used. */
static nn_status only_known(const nn_st_file *f, const char *path, const model_tensor *list,
                            size_t mt, nn_error *err)
{
    for (size_t i = 0; i < f->n; i++) {
        const char *name = f->tensors[i].name;
        int known = strncmp(name, "nntrain.", 8) == 0;
        for (size_t j = 0; !known && j < mt; j++)
            known = strcmp(name, list[j].name) == 0;
        if (!known)
            return nn_fail(err, NN_EDATA,
                           "%s: tensor \"%.64s\" does not belong to the config's model (it has "
                           "%zu tensors: \"%s\" ...)",
                           path, name, mt, mt ? list[0].name : "");
    }
    return NN_OK;
}

/* The dead-unit record: was_dead per unit and its counters. */
static nn_status restore_record(const nn_st_file *f, const char *path, nn_dead *d, nn_error *err)
{
    for (size_t i = 0; i < d->n_modules; i++) {
        if (!d->width[i])
            continue;
        char name[NAME_MAX_LEN];
        snprintf(name, sizeof name, "nntrain.was_dead.%zu", i);
        const nn_tensor *t = nn_st_find(f, name);
        if (!t || t->ndim != 1 || t->shape[0] != d->width[i])
            return nn_fail(err, NN_EDATA, "%s: no tensor \"%s\" of %zu units", path, name,
                           d->width[i]);
        const float *was = nn_st_f32(t);
        if (!was)
            return nn_st_expect(path, t, NN_F32, err);
        for (size_t j = 0; j < d->width[i]; j++)
            d->was_dead[i][j] = was[j] != 0.0f;
    }
    const char *mx = nn_st_meta(f, "probe.max_dead_frac"), *lc = nn_st_meta(f, "probe.last_constant");
    nn_status st = meta_size(f, path, "probe.recorded", &d->recorded, err);
    if (st == NN_OK && (!mx || !lc))
        st = nn_fail(err, NN_EDATA, "%s: no probe record in the checkpoint's metadata", path);
    if (st == NN_OK) {
        d->max_dead_frac = strtod(mx, NULL);
        d->last_constant = lc[0] == '1';
    }
    return st;
}

nn_status nn_ckpt_resume(const char *path, const char *config_json, nn_model *m, nn_sgd *sgd,
                         nn_dead *dead, nn_ckpt_position *pos, nn_error *err)
{
    nn_st_file f;
    nn_status st = nn_st_read(path, &f, err);
    if (st != NN_OK)
        return st;
    const char *format = nn_st_meta(&f, "format"), *rng = nn_st_meta(&f, "rng.shuffle");
    if (!format || strcmp(format, NN_CKPT_FORMAT) != 0)
        st = nn_fail(err, NN_EDATA, "%s: not an nntrain checkpoint (no \"format\": \"%s\" metadata)",
                     path, NN_CKPT_FORMAT);
    if (st == NN_OK)
        st = same_config(path, nn_st_meta(&f, "config"), config_json, err);
    model_tensor *list = st == NN_OK ? calloc(2 * m->n_modules + 1, sizeof *list) : NULL;
    if (st == NN_OK && !list)
        st = nn_fail(err, NN_ESYS, "out of memory");
    size_t mt = list ? model_tensors(m, list) : 0;
    if (st == NN_OK)
        st = only_known(&f, path, list, mt, err);
    if (st == NN_OK)
        st = copy_tensors(&f, path, "", list, mt, m->params, err);
    if (st == NN_OK && sgd->buf)
        st = copy_tensors(&f, path, "nntrain.momentum.", list, mt, sgd->buf, err);
    if (st == NN_OK)
        st = meta_size(&f, path, "optimizer.steps", &sgd->steps, err);
    if (st == NN_OK)
        st = restore_record(&f, path, dead, err);
    if (st == NN_OK)
        st = meta_size(&f, path, "epoch", &pos->epoch, err);
    if (st == NN_OK)
        st = meta_size(&f, path, "step", &pos->step, err);
    if (st == NN_OK && (!rng || strlen(rng) != 64))
        st = nn_fail(err, NN_EDATA, "%s: no valid \"rng.shuffle\" in the checkpoint's metadata", path);
    for (int w = 0; st == NN_OK && w < 4; w++) {
        char word[17];
        memcpy(word, rng + 16 * w, 16);
        word[16] = '\0';
        pos->shuffle[w] = (uint64_t)strtoull(word, NULL, 16);
    }
    free(list);
    nn_st_free(&f);
    return st;
}

nn_status nn_ckpt_load_weights(const char *path, nn_model *m, nn_error *err)
{
    nn_st_file f;
    nn_status st = nn_st_read(path, &f, err);
    if (st != NN_OK)
        return st;
    model_tensor *list = calloc(2 * m->n_modules + 1, sizeof *list);
    if (!list)
        st = nn_fail(err, NN_ESYS, "out of memory");
    else {
        size_t mt = model_tensors(m, list);
        st = only_known(&f, path, list, mt, err);
        if (st == NN_OK)
            st = copy_tensors(&f, path, "", list, mt, m->params, err);
    }
    free(list);
    nn_st_free(&f);
    return st;
}
