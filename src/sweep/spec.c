/* spec.c - the sweep file: its keys, the axes, every combination resolved to a config
 * and validated before anything runs. */
#include "sweep/sweep.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/json_syntax.h"
#include "config/override.h"
#include "config/suggest.h"
#include "nn/act/activation.h"
#include "sys/cpu.h"

#define MAX_SWEEP_BYTES ((size_t)1 << 20)
#define MAX_RUNS ((size_t)10 * 1000 * 1000)

static const char *const sweep_keys[] = {"base", "activations", "hidden", "grid",    "set",
                                         "seeds", "jobs",        "threads", "out",   NULL};

/* Everything loading needs: the message context and the two JSON trees. */
typedef struct loader {
    nn_cfg_ctx c;
    nn_sweep *s;
    cJSON *doc, *base;
    const cJSON *grid, *set, *hidden;
    cJSON *act_template; /* the base's first activation module (no "activations" axis) */
} loader;

static nn_status oom(const loader *L)
{
    return nn_fail(L->c.err, NN_ESYS, "%s: out of memory", L->c.src);
}

static char *read_file(const loader *L, const char *path, const char *what, nn_status *st)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    *st = NN_OK;
    if (!f) {
        *st = nn_fail(L->c.err, NN_ECONFIG, "%s: cannot open %s: %s", path, what,
                      strerror(errno));
        return NULL;
    }
    buf = malloc(MAX_SWEEP_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_SWEEP_BYTES + 1, f) : 0;
    if (!buf)
        *st = oom(L);
    else if (ferror(f))
        *st = nn_fail(L->c.err, NN_ECONFIG, "%s: cannot read %s: %s", path, what,
                      strerror(errno));
    else if (n > MAX_SWEEP_BYTES)
        *st = nn_fail(L->c.err, NN_ECONFIG, "%s: larger than 1 MiB; is this a %s?", path, what);
    fclose(f);
    if (*st != NN_OK) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* A value as display text: numbers with %.10g, strings as they are, else compact JSON. */
static char *value_text(const cJSON *v)
{
    char buf[64];
    if (cJSON_IsNumber(v)) {
        snprintf(buf, sizeof buf, "%.10g", v->valuedouble);
        return strdup(buf);
    }
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    return cJSON_PrintUnformatted(v);
}

static nn_status add_axis(loader *L, const char *label, const char *path, size_t n)
{
    nn_sweep *s = L->s;
    if (s->n_axes == NN_SWEEP_MAX_AXES)
        return nn_fail(L->c.err, NN_ECONFIG, "%s: more than %d axes", L->c.src,
                       NN_SWEEP_MAX_AXES - 1);
    nn_sweep_axis *a = &s->axes[s->n_axes++];
    a->label = strdup(label);
    a->path = path ? strdup(path) : NULL;
    a->text = calloc(n, sizeof *a->text);
    a->n = n;
    if (!a->label || (path && !a->path) || !a->text)
        return oom(L);
    return NN_OK;
}

/* "activations": a non-empty array of activation names (the table of src/nn/act/). */
static nn_status read_activations(loader *L)
{
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(L->doc, "activations");
    if (!acts) {
        /* One value: the base's first activation module (its whole object). */
        const cJSON *model = cJSON_GetObjectItemCaseSensitive(L->base, "model");
        const cJSON *m;
        cJSON_ArrayForEach(m, model)
        {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "type");
            if (cJSON_IsString(t) && strcmp(t->valuestring, "dense") != 0) {
                L->act_template = cJSON_Duplicate(m, 1);
                if (!L->act_template)
                    return oom(L);
                NN_CFG_TRY(add_axis(L, "activation", NULL, 1));
                L->s->axes[0].text[0] = strdup(t->valuestring);
                return L->s->axes[0].text[0] ? NN_OK : oom(L);
            }
        }
        return nn_fail(L->c.err, NN_ECONFIG,
                       "%s: the base config %s has no activation module; add one or give "
                       "\"activations\"",
                       L->c.src, L->s->base);
    }
    int n = cJSON_GetArraySize(acts);
    if (!cJSON_IsArray(acts) || n == 0)
        return nn_fail(L->c.err, NN_ECONFIG,
                       "%s: \"activations\" must be a non-empty array of activation names",
                       L->c.src);
    NN_CFG_TRY(add_axis(L, "activation", NULL, (size_t)n));
    const char *names[32];
    size_t k = 0;
    for (; nn_activations[k] && k < 31; k++)
        names[k] = nn_activations[k]->name;
    names[k] = NULL;
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(acts, i);
        if (!cJSON_IsString(v) || !nn_act_find(v->valuestring)) {
            char found[NN_CFG_FOUND_MAX + 8], list[256];
            const char *close = cJSON_IsString(v) ? nn_cfg_closest(names, v->valuestring) : NULL;
            nn_cfg_join(list, sizeof list, names, 1);
            return nn_fail(L->c.err, NN_ECONFIG,
                           "%s: activations[%d]: expected one of %s, found %s%s%s%s", L->c.src, i,
                           list, nn_cfg_found_text(v, found, sizeof found),
                           close ? " (did you mean \"" : "", close ? close : "",
                           close ? "\"?)" : "");
        }
        for (int j = 0; j < i; j++)
            if (strcmp(L->s->axes[0].text[j], v->valuestring) == 0)
                return nn_fail(L->c.err, NN_ECONFIG, "%s: activations[%d]: \"%s\" is listed twice",
                               L->c.src, i, v->valuestring);
        if (!(L->s->axes[0].text[i] = strdup(v->valuestring)))
            return oom(L);
    }
    return NN_OK;
}

/* A label for a grid path: its last part, or the whole path with '_' for '.' when that
 * part is taken. */
static nn_status grid_label(loader *L, const char *path, char *buf, size_t n)
{
    const char *dot = strrchr(path, '.');
    snprintf(buf, n, "%s", dot ? dot + 1 : path);
    for (size_t a = 0; a < L->s->n_axes; a++)
        if (strcmp(L->s->axes[a].label, buf) == 0 || strcmp(buf, "seed") == 0) {
            snprintf(buf, n, "%s", path);
            for (char *p = buf; *p; p++)
                if (*p == '.')
                    *p = '_';
            break;
        }
    return NN_OK;
}

static int sets_reserved(const char *path)
{
    return strcmp(path, "seed") == 0 || strcmp(path, "output.csv") == 0 ||
           strcmp(path, "output") == 0 || strcmp(path, "name") == 0;
}

static nn_status read_grid(loader *L)
{
    L->grid = cJSON_GetObjectItemCaseSensitive(L->doc, "grid");
    if (!L->grid)
        return NN_OK;
    if (!cJSON_IsObject(L->grid))
        return nn_fail(L->c.err, NN_ECONFIG,
                       "%s: \"grid\" must be an object of dotted paths to arrays, e.g. "
                       "{\"optimizer.lr\": [0.1, 1]}",
                       L->c.src);
    const cJSON *ax;
    cJSON_ArrayForEach(ax, L->grid)
    {
        int n = cJSON_GetArraySize(ax);
        if (!cJSON_IsArray(ax) || n == 0)
            return nn_fail(L->c.err, NN_ECONFIG,
                           "%s: grid.\"%s\": expected a non-empty array of values", L->c.src,
                           ax->string);
        if (sets_reserved(ax->string) || strncmp(ax->string, "output.", 7) == 0)
            return nn_fail(L->c.err, NN_ECONFIG,
                           "%s: grid.\"%s\": the sweep sets the seed, the name and the output "
                           "files itself (use \"seeds\" and \"out\")",
                           L->c.src, ax->string);
        char label[128];
        NN_CFG_TRY(grid_label(L, ax->string, label, sizeof label));
        NN_CFG_TRY(add_axis(L, label, ax->string, (size_t)n));
        nn_sweep_axis *a = &L->s->axes[L->s->n_axes - 1];
        for (int i = 0; i < n; i++)
            if (!(a->text[i] = value_text(cJSON_GetArrayItem(ax, i))))
                return oom(L);
    }
    return NN_OK;
}

/* "hidden": {"units": [..], "layers": [..]}: two axes, width and depth. */
static nn_status read_hidden(loader *L)
{
    L->hidden = cJSON_GetObjectItemCaseSensitive(L->doc, "hidden");
    if (!L->hidden)
        return NN_OK;
    static const char *const keys[] = {"units", "layers"};
    static const char *const labels[] = {"width", "depth"};
    const cJSON *m;
    cJSON_ArrayForEach(m, L->hidden) if (strcmp(m->string, "units") != 0 &&
                                         strcmp(m->string, "layers") != 0) return nn_fail(
        L->c.err, NN_ECONFIG, "%s: hidden.%s: unknown key; \"hidden\" takes \"units\" and \"layers\"",
        L->c.src, m->string);
    for (int k = 0; k < 2; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(L->hidden, keys[k]);
        int n = cJSON_GetArraySize(v);
        if (!cJSON_IsArray(v) || n == 0)
            return nn_fail(L->c.err, NN_ECONFIG,
                           "%s: hidden.%s: expected a non-empty array of positive integers, e.g. "
                           "\"hidden\": {\"units\": [2, 4, 8], \"layers\": [2, 5, 10]}",
                           L->c.src, keys[k]);
        NN_CFG_TRY(add_axis(L, labels[k], NULL, (size_t)n));
        nn_sweep_axis *a = &L->s->axes[L->s->n_axes - 1];
        for (int i = 0; i < n; i++) {
            const cJSON *x = cJSON_GetArrayItem(v, i);
            double d = cJSON_IsNumber(x) ? x->valuedouble : -1;
            if (!(d >= 1 && d <= 1e6 && d == floor(d))) {
                char found[NN_CFG_FOUND_MAX + 8];
                return nn_fail(L->c.err, NN_ECONFIG,
                               "%s: hidden.%s[%d]: expected an integer in [1, 1000000], found %s",
                               L->c.src, keys[k], i, nn_cfg_found_text(x, found, sizeof found));
            }
            if (!(a->text[i] = value_text(x)))
                return oom(L);
        }
    }
    return NN_OK;
}

static nn_status read_seeds(loader *L)
{
    nn_sweep *s = L->s;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(L->doc, "seeds");
    const char *expect = "expected an array of integers in [0, 2^53] or {\"first\": 1, "
                         "\"count\": N}";
    if (!v) { /* the base config's seed */
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(L->base, "seed");
        s->n_seeds = 1;
        s->seeds = malloc(sizeof *s->seeds);
        if (!s->seeds)
            return oom(L);
        s->seeds[0] = cJSON_IsNumber(b) && b->valuedouble >= 0 ? (uint64_t)b->valuedouble : 1;
        return NN_OK;
    }
    double first = 0, count = 0;
    if (cJSON_IsObject(v)) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(v, "first");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "count");
        first = cJSON_IsNumber(f) ? f->valuedouble : -1;
        count = cJSON_IsNumber(c) ? c->valuedouble : -1;
        if (cJSON_GetArraySize(v) != 2 || !(first >= 0 && first == floor(first)) ||
            !(count >= 1 && count <= 1e6 && count == floor(count)) || first + count > 9007199254740992.0)
            return nn_fail(L->c.err, NN_ECONFIG, "%s: seeds: %s (count at most 1000000)", L->c.src,
                           expect);
    } else if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0) {
        count = cJSON_GetArraySize(v);
    } else {
        return nn_fail(L->c.err, NN_ECONFIG, "%s: seeds: %s", L->c.src, expect);
    }
    s->n_seeds = (size_t)count;
    s->seeds = malloc(s->n_seeds * sizeof *s->seeds);
    if (!s->seeds)
        return oom(L);
    for (size_t i = 0; i < s->n_seeds; i++) {
        if (!cJSON_IsArray(v)) {
            s->seeds[i] = (uint64_t)first + i;
            continue;
        }
        const cJSON *x = cJSON_GetArrayItem(v, (int)i);
        double d = cJSON_IsNumber(x) ? x->valuedouble : -1;
        if (!(d >= 0 && d <= 9007199254740992.0 && d == floor(d))) {
            char found[NN_CFG_FOUND_MAX + 8];
            return nn_fail(L->c.err, NN_ECONFIG, "%s: seeds[%zu]: %s, found %s", L->c.src, i,
                           expect, nn_cfg_found_text(x, found, sizeof found));
        }
        s->seeds[i] = (uint64_t)d;
        for (size_t j = 0; j < i; j++)
            if (s->seeds[j] == s->seeds[i])
                return nn_fail(L->c.err, NN_ECONFIG, "%s: seeds[%zu]: %llu is listed twice",
                               L->c.src, i, (unsigned long long)s->seeds[i]);
    }
    return NN_OK;
}

static nn_status read_count(loader *L, const char *key, double lo, double hi, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(L->doc, key);
    if (!v)
        return NN_OK;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi) ||
        v->valuedouble != floor(v->valuedouble)) {
        char found[NN_CFG_FOUND_MAX + 8];
        return nn_fail(L->c.err, NN_ECONFIG, "%s: %s: expected an integer in [%g, %g], found %s",
                       L->c.src, key, lo, hi, nn_cfg_found_text(v, found, sizeof found));
    }
    *out = v->valuedouble;
    return NN_OK;
}

static nn_status read_string(loader *L, const char *key, int required, const char *expect,
                             const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(L->doc, key);
    *out = NULL;
    if (!v && !required)
        return NN_OK;
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        char found[NN_CFG_FOUND_MAX + 8];
        if (!v)
            return nn_fail(L->c.err, NN_ECONFIG, "%s: \"%s\" is missing; expected %s", L->c.src,
                           key, expect);
        return nn_fail(L->c.err, NN_ECONFIG, "%s: %s: expected %s, found %s", L->c.src, key,
                       expect, nn_cfg_found_text(v, found, sizeof found));
    }
    *out = v->valuestring;
    return NN_OK;
}

static nn_status check_keys(loader *L)
{
    if (!cJSON_IsObject(L->doc))
        return nn_fail(L->c.err, NN_ECONFIG, "%s: expected a JSON object at the top level",
                       L->c.src);
    const cJSON *m;
    cJSON_ArrayForEach(m, L->doc)
    {
        int known = 0;
        for (const char *const *k = sweep_keys; *k; k++)
            known |= strcmp(*k, m->string) == 0;
        if (!known) {
            char list[256];
            const char *close = nn_cfg_closest(sweep_keys, m->string);
            nn_cfg_join(list, sizeof list, sweep_keys, 1);
            return nn_fail(L->c.err, NN_ECONFIG,
                           "%s: \"%s\" is not a sweep key%s%s%s; expected one of %s", L->c.src,
                           m->string, close ? " (did you mean \"" : "", close ? close : "",
                           close ? "\"?)" : "", list);
        }
    }
    if (cJSON_GetObjectItemCaseSensitive(L->doc, "set") &&
        !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(L->doc, "set")))
        return nn_fail(L->c.err, NN_ECONFIG,
                       "%s: \"set\" must be an object of dotted paths to values, e.g. "
                       "{\"optimizer.momentum\": 0}",
                       L->c.src);
    L->set = cJSON_GetObjectItemCaseSensitive(L->doc, "set");
    const cJSON *v;
    cJSON_ArrayForEach(v, L->set) if (sets_reserved(v->string) ||
                                      strncmp(v->string, "output.", 7) == 0) return nn_fail(
        L->c.err, NN_ECONFIG,
        "%s: set.\"%s\": the sweep sets the seed, the name and the output files itself (use "
        "\"seeds\" and \"out\")",
        L->c.src, v->string);
    return NN_OK;
}

/* The default output folder: runs/<the sweep file's name without ".json">. */
static char *default_out(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".json") == 0)
        n -= 5;
    char *out = malloc(n + 6);
    if (out)
        snprintf(out, n + 6, "runs/%.*s", (int)n, b);
    return out;
}

/* Characters safe in a file name and a shell word; anything else becomes '_'. */
static void sanitize(char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' && *s != '+')
            *s = '_';
}

/* Applies "path=<value as JSON>" to root. */
static nn_status apply(loader *L, const nn_cfg_ctx *c, cJSON *root, const char *path,
                       const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    size_t n = text ? strlen(path) + strlen(text) + 2 : 0;
    char *ov = text ? malloc(n) : NULL;
    if (!ov) {
        free(text);
        return oom(L);
    }
    snprintf(ov, n, "%s=%s", path, text);
    nn_status st = nn_cfg_apply_override(c, root, ov);
    free(ov);
    free(text);
    return st;
}

static cJSON *act_module(const loader *L, size_t combo)
{
    if (L->act_template)
        return cJSON_Duplicate(L->act_template, 1);
    cJSON *m = cJSON_CreateObject();
    const char *name = L->s->axes[0].text[L->s->pick[combo * L->s->n_axes]];
    if (m && !cJSON_AddStringToObject(m, "type", name)) {
        cJSON_Delete(m);
        return NULL;
    }
    return m;
}

/* The model of a "hidden" combination: depth x (dense width, activation), then the base
 * model's last module (the output layer). */
static nn_status hidden_model(loader *L, cJSON *root, size_t combo, size_t width, size_t depth,
                              const nn_cfg_ctx *c)
{
    cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    int n = cJSON_GetArraySize(model);
    cJSON *last = n > 0 ? cJSON_GetArrayItem(model, n - 1) : NULL;
    const cJSON *lt = last ? cJSON_GetObjectItemCaseSensitive(last, "type") : NULL;
    if (!cJSON_IsString(lt) || strcmp(lt->valuestring, "dense") != 0)
        return nn_fail(c->err, NN_ECONFIG,
                       "%s: \"hidden\" keeps the base model's output layer, but its last module "
                       "is not a dense layer",
                       c->src);
    cJSON *fresh = cJSON_CreateArray();
    if (!fresh)
        return oom(L);
    for (size_t i = 0; i < depth; i++) {
        cJSON *d = cJSON_CreateObject(), *a = act_module(L, combo);
        if (d)
            cJSON_AddItemToArray(fresh, d);
        if (a)
            cJSON_AddItemToArray(fresh, a);
        if (!d || !a || !cJSON_AddStringToObject(d, "type", "dense") ||
            !cJSON_AddNumberToObject(d, "units", (double)width)) {
            cJSON_Delete(fresh);
            return oom(L);
        }
    }
    cJSON *out = cJSON_Duplicate(last, 1);
    if (!out) {
        cJSON_Delete(fresh);
        return oom(L);
    }
    cJSON_AddItemToArray(fresh, out);
    if (!cJSON_ReplaceItemInObjectCaseSensitive(root, "model", fresh)) {
        cJSON_Delete(fresh);
        return oom(L);
    }
    return NN_OK;
}

/* Every activation module of root becomes {"type": name}: that activation with its
 * default hyperparameters; dense layers without an explicit init follow it. */
static nn_status swap_activations(loader *L, cJSON *root, const char *name)
{
    cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    int n = cJSON_GetArraySize(model);
    for (int i = 0; i < n; i++) {
        cJSON *m = cJSON_GetArrayItem(model, i);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "type");
        if (!cJSON_IsString(t) || strcmp(t->valuestring, "dense") == 0)
            continue;
        cJSON *a = cJSON_CreateObject();
        if (!a || !cJSON_AddStringToObject(a, "type", name) ||
            !cJSON_ReplaceItemViaPointer(model, m, a)) {
            cJSON_Delete(a);
            return oom(L);
        }
    }
    return NN_OK;
}

/* The resolved tree of one combination, before its seed and output are set. */
static nn_status resolve(loader *L, size_t combo, const nn_cfg_ctx *c, cJSON **out)
{
    nn_sweep *s = L->s;
    const size_t *pick = s->pick + combo * s->n_axes;
    cJSON *root = cJSON_Duplicate(L->base, 1);
    if (!root)
        return oom(L);
    nn_status st = NN_OK;
    size_t width = 0, depth = 0;
    for (size_t a = 1; a < s->n_axes; a++) {
        if (strcmp(s->axes[a].label, "width") == 0 && !s->axes[a].path)
            width = (size_t)strtoull(s->axes[a].text[pick[a]], NULL, 10);
        if (strcmp(s->axes[a].label, "depth") == 0 && !s->axes[a].path)
            depth = (size_t)strtoull(s->axes[a].text[pick[a]], NULL, 10);
    }
    if (width)
        st = hidden_model(L, root, combo, width, depth, c);
    if (st == NN_OK && !L->act_template)
        st = swap_activations(L, root, s->axes[0].text[pick[0]]);
    const cJSON *v;
    if (L->set)
        cJSON_ArrayForEach(v, L->set) if (st == NN_OK) st = apply(L, c, root, v->string, v);
    size_t a = 1;
    if (L->grid)
        cJSON_ArrayForEach(v, L->grid)
        {
            if (st == NN_OK)
                st = apply(L, c, root, v->string, cJSON_GetArrayItem(v, (int)pick[a]));
            a++;
        }
    if (st != NN_OK) {
        cJSON_Delete(root);
        return st;
    }
    *out = root;
    return NN_OK;
}

/* The combinations in odometer order, the activation fastest: rows of the summary that
 * differ only by activation sit together. */
static nn_status expand(loader *L)
{
    nn_sweep *s = L->s;
    size_t n = 1;
    for (size_t a = 0; a < s->n_axes; a++)
        n *= s->axes[a].n;
    if (n > MAX_RUNS || n * s->n_seeds > MAX_RUNS)
        return nn_fail(L->c.err, NN_ECONFIG, "%s: %zu combinations x %zu seeds: more than %zu runs",
                       L->c.src, n, s->n_seeds, MAX_RUNS);
    s->n_combos = n;
    s->pick = calloc(n * s->n_axes, sizeof *s->pick);
    s->combo_name = calloc(n, sizeof *s->combo_name);
    s->combo_json = calloc(n, sizeof *s->combo_json);
    s->cfgs = calloc(n, sizeof *s->cfgs);
    if (!s->pick || !s->combo_name || !s->combo_json || !s->cfgs)
        return oom(L);
    for (size_t i = 0; i < n; i++) {
        size_t rest = i, *pick = s->pick + i * s->n_axes;
        pick[0] = rest % s->axes[0].n; /* the activation varies fastest */
        rest /= s->axes[0].n;
        for (size_t a = s->n_axes; a-- > 1;) {
            pick[a] = rest % s->axes[a].n;
            rest /= s->axes[a].n;
        }
        char name[512];
        size_t len = 0;
        len += (size_t)snprintf(name, sizeof name, "%s", s->axes[0].text[pick[0]]);
        for (size_t a = 1; a < s->n_axes && len < sizeof name; a++) {
            const char *lab = s->axes[a].label;
            const char *shortlab = strcmp(lab, "width") == 0 && !s->axes[a].path   ? "w"
                                   : strcmp(lab, "depth") == 0 && !s->axes[a].path ? "d"
                                                                                    : lab;
            len += (size_t)snprintf(name + len, sizeof name - len, "_%s%s", shortlab,
                                    s->axes[a].text[pick[a]]);
        }
        if (len >= sizeof name - 32)
            return nn_fail(L->c.err, NN_ECONFIG, "%s: run names longer than %zu characters",
                           L->c.src, sizeof name - 32);
        sanitize(name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->combo_name[j], name) == 0)
                return nn_fail(L->c.err, NN_ECONFIG,
                               "%s: two combinations have the same name %s (axis values that "
                               "differ only in characters other than letters, digits, '.', '-', '+')",
                               L->c.src, name);
        if (!(s->combo_name[i] = strdup(name)))
            return oom(L);
    }
    return NN_OK;
}

/* Sets seed, name and output.csv of a resolved tree. */
static int set_run_fields(cJSON *root, uint64_t seed, const char *name, const char *csv)
{
    cJSON *out = cJSON_GetObjectItemCaseSensitive(root, "output");
    if (!cJSON_IsObject(out)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "output");
        out = cJSON_AddObjectToObject(root, "output");
    }
    if (!out)
        return 0;
    cJSON *seed_v = cJSON_CreateNumber((double)seed), *name_v = cJSON_CreateString(name),
          *csv_v = cJSON_CreateString(csv);
    int ok = seed_v && name_v && csv_v;
    ok = ok && (cJSON_HasObjectItem(root, "seed")
                    ? cJSON_ReplaceItemInObjectCaseSensitive(root, "seed", seed_v)
                    : cJSON_AddItemToObject(root, "seed", seed_v));
    if (!ok)
        cJSON_Delete(seed_v);
    ok = ok && (cJSON_HasObjectItem(root, "name")
                    ? cJSON_ReplaceItemInObjectCaseSensitive(root, "name", name_v)
                    : cJSON_AddItemToObject(root, "name", name_v));
    if (!ok)
        cJSON_Delete(name_v);
    ok = ok && (cJSON_HasObjectItem(out, "csv")
                    ? cJSON_ReplaceItemInObjectCaseSensitive(out, "csv", csv_v)
                    : cJSON_AddItemToObject(out, "csv", csv_v));
    if (!ok)
        cJSON_Delete(csv_v);
    return ok;
}

char *nn_sweep_run_name(const nn_sweep *s, size_t r)
{
    const char *combo = s->combo_name[r / s->n_seeds];
    size_t n = strlen(combo) + 24;
    char *name = malloc(n);
    if (name)
        snprintf(name, n, "%s_s%llu", combo, (unsigned long long)s->seeds[r % s->n_seeds]);
    return name;
}

char *nn_sweep_run_file(const nn_sweep *s, size_t r, const char *suffix)
{
    char *name = nn_sweep_run_name(s, r);
    if (!name)
        return NULL;
    size_t n = strlen(s->out) + strlen(name) + strlen(suffix) + 2;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/%s%s", s->out, name, suffix);
    free(name);
    return path;
}

char *nn_sweep_run_json(const nn_sweep *s, size_t r)
{
    cJSON *root = cJSON_Parse(s->combo_json[r / s->n_seeds]);
    char *name = nn_sweep_run_name(s, r), *csv = nn_sweep_run_file(s, r, ".csv"), *text = NULL;
    if (root && name && csv && set_run_fields(root, s->seeds[r % s->n_seeds], name, csv))
        text = cJSON_Print(root);
    cJSON_Delete(root);
    free(name);
    free(csv);
    return text;
}

/* Resolves and validates every combination. */
static nn_status resolve_all(loader *L)
{
    nn_sweep *s = L->s;
    for (size_t i = 0; i < s->n_combos; i++) {
        /* Messages name the combination: "sweep.json [relu, lr=0.5]: ...". */
        char where[768];
        size_t len = (size_t)snprintf(where, sizeof where, "%s [", L->c.src);
        const size_t *pick = s->pick + i * s->n_axes;
        for (size_t a = 0; a < s->n_axes && len < sizeof where; a++)
            len += (size_t)snprintf(where + len, sizeof where - len, "%s%s%s%s", a ? ", " : "",
                                    a ? s->axes[a].label : "", a ? "=" : "",
                                    s->axes[a].text[pick[a]]);
        if (len < sizeof where)
            snprintf(where + len, sizeof where - len, "]");
        nn_cfg_ctx c = {where, L->c.err};
        cJSON *root = NULL;
        NN_CFG_TRY(resolve(L, i, &c, &root));
        /* out/<combination>.csv: where "nntrain" puts a run of this config done alone. */
        size_t csv_len = strlen(s->out) + strlen(s->combo_name[i]) + 6;
        char *csv = malloc(csv_len);
        if (!csv) {
            cJSON_Delete(root);
            return oom(L);
        }
        snprintf(csv, csv_len, "%s/%s.csv", s->out, s->combo_name[i]);
        char *text = set_run_fields(root, s->seeds[0], s->combo_name[i], csv)
                         ? cJSON_PrintUnformatted(root)
                         : NULL;
        free(csv);
        cJSON_Delete(root);
        if (!text)
            return oom(L);
        nn_status st = nn_config_parse(&s->cfgs[i], text, where, NULL, 0, L->c.err);
        if (st == NN_OK)
            s->combo_json[i] = text;
        else
            free(text);
        if (st != NN_OK)
            return st;
        int table = s->cfgs[i].train.epochs == 0;
        if (i == 0)
            s->table = table;
        else if (table != s->table)
            return nn_fail(L->c.err, NN_ECONFIG,
                           "%s: train.epochs is 0 in some combinations and not in others; a "
                           "sweep either trains every run or none",
                           where);
    }
    return NN_OK;
}

nn_status nn_sweep_load(nn_sweep *s, const char *path, const char *out_override,
                        size_t jobs_override, nn_error *err)
{
    memset(s, 0, sizeof *s);
    s->only = SIZE_MAX;
    loader L = {.c = {path, err}, .s = s};
    nn_status st = NN_OK;
    char *text = read_file(&L, path, "sweep file", &st);
    if (st == NN_OK)
        st = nn_cfg_parse_json(&L.c, text, &L.doc);
    free(text);
    text = NULL;
    if (st == NN_OK && !(s->source = strdup(path)))
        st = oom(&L);
    if (st == NN_OK)
        st = check_keys(&L);
    const char *base = NULL, *out = NULL;
    if (st == NN_OK)
        st = read_string(&L, "base", 1, "the path of the base config (a string)", &base);
    if (st == NN_OK)
        st = read_string(&L, "out", 0, "the output folder (a string)", &out);
    double jobs = 1, threads = 0;
    if (st == NN_OK)
        st = read_count(&L, "jobs", 1, 256, &jobs);
    if (st == NN_OK)
        st = read_count(&L, "threads", 0, 256, &threads);
    if (st == NN_OK) {
        s->base = strdup(base);
        s->out = out_override ? strdup(out_override) : out ? strdup(out) : default_out(path);
        s->jobs = jobs_override ? jobs_override : (size_t)jobs;
        s->threads = (int)threads;
        if (!s->base || !s->out)
            st = oom(&L);
    }
    if (st == NN_OK) { /* the base config: read and parsed as JSON here, validated per combination */
        nn_cfg_ctx bc = {s->base, err};
        text = read_file(&L, s->base, "base config", &st);
        if (st == NN_OK)
            st = nn_cfg_parse_json(&bc, text, &L.base);
        if (st == NN_OK && !cJSON_IsObject(L.base))
            st = nn_fail(err, NN_ECONFIG, "%s: expected a JSON object at the top level", s->base);
        free(text);
    }
    if (st == NN_OK)
        st = read_activations(&L);
    if (st == NN_OK)
        st = read_grid(&L);
    if (st == NN_OK)
        st = read_hidden(&L);
    if (st == NN_OK)
        st = read_seeds(&L);
    if (st == NN_OK)
        st = expand(&L);
    if (st == NN_OK)
        st = resolve_all(&L);
    if (st == NN_OK && s->threads == 0) {
        int cores = nn_cpu_count();
        s->threads = cores / (int)s->jobs > 1 ? cores / (int)s->jobs : 1;
    }
    cJSON_Delete(L.doc);
    cJSON_Delete(L.base);
    cJSON_Delete(L.act_template);
    if (st != NN_OK)
        nn_sweep_free(s);
    return st;
}

void nn_sweep_free(nn_sweep *s)
{
    for (size_t a = 0; a < s->n_axes; a++) {
        for (size_t i = 0; s->axes[a].text && i < s->axes[a].n; i++)
            free(s->axes[a].text[i]);
        free(s->axes[a].text);
        free(s->axes[a].label);
        free(s->axes[a].path);
    }
    for (size_t i = 0; i < s->n_combos; i++) {
        if (s->combo_name)
            free(s->combo_name[i]);
        if (s->combo_json)
            free(s->combo_json[i]);
        if (s->cfgs)
            nn_config_free(&s->cfgs[i]);
    }
    free(s->combo_name);
    free(s->combo_json);
    free(s->cfgs);
    free(s->pick);
    free(s->seeds);
    free(s->source);
    free(s->out);
    free(s->base);
    memset(s, 0, sizeof *s);
}
