/* resolve.c - one combination of a sweep as a config tree: the model for "hidden", the
 * activations swapped, "set" and the axis values applied as --set would; run names, files
 * and resolved configs. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "run/csv.h"
#include "sweep/loader.h"

/* A run name's characters: those of the config's name rule (letters, digits, '_', '.',
 * '-'), safe in a file name and a shell word. A '+' between an exponent's e and its digits
 * is dropped (1e+10 -> 1e10: the same number); any other character becomes '_'. */
void nn_sweep_sanitize(char *s)
{
    size_t w = 0;
    for (size_t r = 0; s[r]; r++) {
        unsigned char c = (unsigned char)s[r];
        /* s[0..w) is the output so far: its last two are the input's two before this '+'
         * (neither was dropped, and both map to themselves) */
        if (c == '+' && w >= 2 && (s[w - 1] == 'e' || s[w - 1] == 'E') &&
            (isdigit((unsigned char)s[w - 2]) || s[w - 2] == '.') && isdigit((unsigned char)s[r + 1]))
            continue;
        s[w++] = isalnum(c) || c == '.' || c == '-' || c == '_' ? (char)c : '_';
    }
    s[w] = '\0';
}

/* Applies "path=<value as JSON>" to root. */
static nn_status apply(loader *L, const nn_sweep_ctx *c, cJSON *root, const char *path,
                       const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    size_t n = text ? strlen(path) + strlen(text) + 2 : 0;
    char *ov = text ? malloc(n) : NULL;
    if (!ov) {
        free(text);
        return nn_sweep_oom(L);
    }
    snprintf(ov, n, "%s=%s", path, text);
    nn_status st = nn_config_apply_set(root, ov, c->src, c->err);
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
                              const nn_sweep_ctx *c)
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
        return nn_sweep_oom(L);
    for (size_t i = 0; i < depth; i++) {
        cJSON *d = cJSON_CreateObject(), *a = act_module(L, combo);
        if (d)
            cJSON_AddItemToArray(fresh, d);
        if (a)
            cJSON_AddItemToArray(fresh, a);
        if (!d || !a || !cJSON_AddStringToObject(d, "type", "dense") ||
            !cJSON_AddNumberToObject(d, "units", (double)width)) {
            cJSON_Delete(fresh);
            return nn_sweep_oom(L);
        }
    }
    cJSON *out = cJSON_Duplicate(last, 1);
    if (!out) {
        cJSON_Delete(fresh);
        return nn_sweep_oom(L);
    }
    cJSON_AddItemToArray(fresh, out);
    if (!cJSON_ReplaceItemInObjectCaseSensitive(root, "model", fresh)) {
        cJSON_Delete(fresh);
        return nn_sweep_oom(L);
    }
    return NN_OK;
}

/* Whether a module of a config tree is an activation layer (by the layer table: a batch
 * norm or a dropout is not one). */
static int is_activation(const cJSON *m)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "type");
    const nn_layer_def *def;
    const nn_act_def *act = NULL;
    return cJSON_IsString(t) && nn_layer_find(t->valuestring, &def, &act) && act;
}

/* Every activation module of root becomes {"type": name}: that activation with its
 * default hyperparameters; dense layers without an explicit init follow it. */
static nn_status swap_activations(loader *L, cJSON *root, const char *name)
{
    cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    int n = cJSON_GetArraySize(model);
    for (int i = 0; i < n; i++) {
        cJSON *m = cJSON_GetArrayItem(model, i);
        if (!is_activation(m))
            continue;
        cJSON *a = cJSON_CreateObject();
        if (!a || !cJSON_AddStringToObject(a, "type", name) ||
            !cJSON_ReplaceItemViaPointer(model, m, a)) {
            cJSON_Delete(a);
            return nn_sweep_oom(L);
        }
    }
    return NN_OK;
}

/* The resolved tree of one combination, before its seed and output are set. */
nn_status nn_sweep_resolve(loader *L, size_t combo, const nn_sweep_ctx *c, cJSON **out)
{
    nn_sweep *s = L->s;
    const size_t *pick = s->pick + combo * s->n_axes;
    cJSON *root = cJSON_Duplicate(L->base, 1);
    if (!root)
        return nn_sweep_oom(L);
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

/* Sets seed, name and output.csv of a resolved tree (and output.units and
 * output.checkpoint, when there, beside the CSV). */
int nn_sweep_set_run_fields(cJSON *root, uint64_t seed, const char *name, const char *csv)
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
    /* A per-unit history or a checkpoint in the base becomes the run's own, beside its
     * CSV: runs never share a file. */
    static const char *const own[][2] = {{"units", ".units.csv"}, {"checkpoint", ".safetensors"}};
    for (size_t i = 0; ok && i < sizeof own / sizeof own[0]; i++) {
        if (!cJSON_HasObjectItem(out, own[i][0]))
            continue;
        char *path = nn_csv_sibling(csv, own[i][1]);
        cJSON *v = path ? cJSON_CreateString(path) : NULL;
        ok = v && cJSON_ReplaceItemInObjectCaseSensitive(out, own[i][0], v);
        if (!ok)
            cJSON_Delete(v);
        free(path);
    }
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
    if (root && name && csv && nn_sweep_set_run_fields(root, s->seeds[r % s->n_seeds], name, csv))
        text = cJSON_Print(root);
    cJSON_Delete(root);
    free(name);
    free(csv);
    return text;
}
