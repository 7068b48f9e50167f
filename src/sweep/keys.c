/* keys.c - the sweep file's keys: base, out, jobs, threads, seeds, and the axes
 * (activations, grid, hidden), each checked with a message naming the key. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/act/activation.h"
#include "nn/layer/layer.h"
#include "sweep/loader.h"
#include "sys/fs.h"

#define MAX_SWEEP_BYTES ((size_t)1 << 20)

static const char *const sweep_keys[] = {"base", "activations", "hidden", "grid",    "set",
                                         "seeds", "jobs",        "threads", "out",   NULL};

nn_status nn_sweep_oom(const loader *L)
{
    return nn_fail(L->c.err, NN_ESYS, "%s: out of memory", L->c.src);
}

char *nn_sweep_read_file(const loader *L, const char *path, const char *what, nn_status *st)
{
    return nn_read_small(path, MAX_SWEEP_BYTES, what, st, L->c.err);
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
        return nn_fail(L->c.err, NN_ECONFIG,
                       "%s: more than %d axes (the activations, the grid's keys, width and depth)",
                       L->c.src, NN_SWEEP_MAX_AXES);
    nn_sweep_axis *a = &s->axes[s->n_axes++];
    a->label = strdup(label);
    a->path = path ? strdup(path) : NULL;
    a->text = calloc(n, sizeof *a->text);
    a->n = n;
    if (!a->label || (path && !a->path) || !a->text)
        return nn_sweep_oom(L);
    return NN_OK;
}

/* "activations": a non-empty array of activation names (the table of src/nn/act/). */
nn_status nn_sweep_read_activations(loader *L)
{
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(L->doc, "activations");
    if (!acts) {
        /* One value: the base's first activation module (its whole object). */
        const cJSON *model = cJSON_GetObjectItemCaseSensitive(L->base, "model");
        const cJSON *m;
        cJSON_ArrayForEach(m, model)
        {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "type");
            const nn_layer_def *def;
            const nn_act_def *act = NULL;
            if (cJSON_IsString(t) && nn_layer_find(t->valuestring, &def, &act) && act) {
                L->act_template = cJSON_Duplicate(m, 1);
                if (!L->act_template)
                    return nn_sweep_oom(L);
                NN_SWEEP_TRY(add_axis(L, "activation", NULL, 1));
                L->s->axes[0].text[0] = strdup(t->valuestring);
                return L->s->axes[0].text[0] ? NN_OK : nn_sweep_oom(L);
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
    NN_SWEEP_TRY(add_axis(L, "activation", NULL, (size_t)n));
    const char *names[32];
    size_t k = 0;
    for (; nn_activations[k] && k < 31; k++)
        names[k] = nn_activations[k]->name;
    names[k] = NULL;
    for (int i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(acts, i);
        if (!cJSON_IsString(v) || !nn_act_find(v->valuestring)) {
            char found[NN_CONFIG_FOUND_LEN], list[256];
            const char *close = cJSON_IsString(v) ? nn_config_closest(names, v->valuestring) : NULL;
            nn_config_join(list, sizeof list, names, 1);
            return nn_fail(L->c.err, NN_ECONFIG,
                           "%s: activations[%d]: expected one of %s, found %s%s%s%s", L->c.src, i,
                           list, nn_config_found_text(v, found, sizeof found),
                           close ? " (did you mean \"" : "", close ? close : "",
                           close ? "\"?)" : "");
        }
        for (int j = 0; j < i; j++)
            if (strcmp(L->s->axes[0].text[j], v->valuestring) == 0)
                return nn_fail(L->c.err, NN_ECONFIG, "%s: activations[%d]: \"%s\" is listed twice",
                               L->c.src, i, v->valuestring);
        if (!(L->s->axes[0].text[i] = strdup(v->valuestring)))
            return nn_sweep_oom(L);
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

nn_status nn_sweep_read_grid(loader *L)
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
        NN_SWEEP_TRY(grid_label(L, ax->string, label, sizeof label));
        NN_SWEEP_TRY(add_axis(L, label, ax->string, (size_t)n));
        nn_sweep_axis *a = &L->s->axes[L->s->n_axes - 1];
        for (int i = 0; i < n; i++)
            if (!(a->text[i] = value_text(cJSON_GetArrayItem(ax, i))))
                return nn_sweep_oom(L);
    }
    return NN_OK;
}

/* "hidden": {"units": [..], "layers": [..]}: two axes, width and depth. */
nn_status nn_sweep_read_hidden(loader *L)
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
        NN_SWEEP_TRY(add_axis(L, labels[k], NULL, (size_t)n));
        nn_sweep_axis *a = &L->s->axes[L->s->n_axes - 1];
        for (int i = 0; i < n; i++) {
            const cJSON *x = cJSON_GetArrayItem(v, i);
            double d = cJSON_IsNumber(x) ? x->valuedouble : -1;
            if (!(d >= 1 && d <= 1e6 && d == floor(d))) {
                char found[NN_CONFIG_FOUND_LEN];
                return nn_fail(L->c.err, NN_ECONFIG,
                               "%s: hidden.%s[%d]: expected an integer in [1, 1000000], found %s",
                               L->c.src, keys[k], i, nn_config_found_text(x, found, sizeof found));
            }
            if (!(a->text[i] = value_text(x)))
                return nn_sweep_oom(L);
        }
    }
    return NN_OK;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* A seed listed twice would run twice into the same files: sorted, neighbours differ. */
static nn_status unique_seeds(loader *L)
{
    nn_sweep *s = L->s;
    uint64_t *sorted = malloc(s->n_seeds * sizeof *sorted);
    if (!sorted)
        return nn_sweep_oom(L);
    memcpy(sorted, s->seeds, s->n_seeds * sizeof *sorted);
    qsort(sorted, s->n_seeds, sizeof *sorted, by_value);
    nn_status st = NN_OK;
    for (size_t i = 1; i < s->n_seeds && st == NN_OK; i++)
        if (sorted[i - 1] == sorted[i])
            st = nn_fail(L->c.err, NN_ECONFIG, "%s: seeds: %llu is listed twice", L->c.src,
                         (unsigned long long)sorted[i]);
    free(sorted);
    return st;
}

nn_status nn_sweep_read_seeds(loader *L)
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
            return nn_sweep_oom(L);
        s->seeds[0] = cJSON_IsNumber(b) && b->valuedouble >= 0 ? (uint64_t)b->valuedouble : 0;
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
        return nn_sweep_oom(L);
    for (size_t i = 0; i < s->n_seeds; i++) {
        if (!cJSON_IsArray(v)) {
            s->seeds[i] = (uint64_t)first + i;
            continue;
        }
        const cJSON *x = cJSON_GetArrayItem(v, (int)i);
        double d = cJSON_IsNumber(x) ? x->valuedouble : -1;
        if (!(d >= 0 && d <= 9007199254740992.0 && d == floor(d))) {
            char found[NN_CONFIG_FOUND_LEN];
            return nn_fail(L->c.err, NN_ECONFIG, "%s: seeds[%zu]: %s, found %s", L->c.src, i,
                           expect, nn_config_found_text(x, found, sizeof found));
        }
        s->seeds[i] = (uint64_t)d;
    }
    return unique_seeds(L);
}

nn_status nn_sweep_read_count(loader *L, const char *key, double lo, double hi, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(L->doc, key);
    if (!v)
        return NN_OK;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi) ||
        v->valuedouble != floor(v->valuedouble)) {
        char found[NN_CONFIG_FOUND_LEN];
        return nn_fail(L->c.err, NN_ECONFIG, "%s: %s: expected an integer in [%g, %g], found %s",
                       L->c.src, key, lo, hi, nn_config_found_text(v, found, sizeof found));
    }
    *out = v->valuedouble;
    return NN_OK;
}

nn_status nn_sweep_read_string(loader *L, const char *key, int required, const char *expect,
                                const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(L->doc, key);
    *out = NULL;
    if (!v && !required)
        return NN_OK;
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        char found[NN_CONFIG_FOUND_LEN];
        if (!v)
            return nn_fail(L->c.err, NN_ECONFIG, "%s: \"%s\" is missing; expected %s", L->c.src,
                           key, expect);
        return nn_fail(L->c.err, NN_ECONFIG, "%s: %s: expected %s, found %s", L->c.src, key,
                       expect, nn_config_found_text(v, found, sizeof found));
    }
    *out = v->valuestring;
    return NN_OK;
}

nn_status nn_sweep_check_keys(loader *L)
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
            const char *close = nn_config_closest(sweep_keys, m->string);
            nn_config_join(list, sizeof list, sweep_keys, 1);
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
char *nn_sweep_default_out(const char *path)
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
