/* diff.c - where two configs differ: the first path at which two JSON trees part (what
 * --resume names when a checkpoint's config is not the run's), and a config's model with
 * every default filled in, so that two files describing the same model compare equal
 * (what eval names when --config is not the checkpoint's model). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/schema.h"

/* Appends where (an object key, or an array index when key is NULL) to the path at p. */
static void path_add(char *p, size_t n, const char *key, int index)
{
    size_t len = strlen(p);
    if (key)
        snprintf(p + len, n - len, "%s%s", len ? "." : "", key);
    else
        snprintf(p + len, n - len, "[%d]", index);
}

int nn_config_first_diff(const cJSON *a, const cJSON *b, char *p, size_t n, const cJSON **va,
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
            if (nn_config_first_diff(e, f, p, n, va, vb))
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
            if (nn_config_first_diff(cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), p, n, va,
                                     vb))
                return 1;
            p[keep] = '\0';
        }
        return 0;
    }
    return !cJSON_Compare(a, b, 1);
}

void nn_config_value_text(const cJSON *v, char *out, size_t n)
{
    char *t = v ? cJSON_PrintUnformatted(v) : NULL;
    snprintf(out, n, "%s", v ? (t ? t : "?") : "absent");
    if (t && strlen(t) >= n && n > 4)
        memcpy(out + n - 4, "...", 4);
    free(t);
}

/* A row's value as the config writes it: a number, true or false, or the choice's name (a
 * number when the value is none of them: a default the entry picks itself). */
static cJSON *row_value(const nn_hparam_spec *h, double v)
{
    if (h->kind == NN_HP_BOOL)
        return cJSON_CreateBool(v != 0.0);
    if (h->kind != NN_HP_ENUM)
        return cJSON_CreateNumber(v);
    const char *buf[NN_CFG_MAX_CHOICES + 1] = {NULL}, *const *ch = h->choices;
    if (!ch && h->list)
        h->list(buf, NN_CFG_MAX_CHOICES + 1);
    ch = ch ? ch : buf;
    int i = (int)v - h->base, count = 0;
    while (ch[count])
        count++;
    return i >= 0 && i < count ? cJSON_CreateString(ch[i]) : cJSON_CreateNumber(v);
}

cJSON *nn_config_model_tree(const nn_config *cfg)
{
    cJSON *model = cJSON_CreateArray();
    for (size_t i = 0; model && i < cfg->n_modules; i++) {
        const nn_module_spec *m = &cfg->modules[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(model, o)) {
            cJSON_Delete(o);
            break;
        }
        int n, ok = cJSON_AddStringToObject(o, "type", nn_spec_type(m)) != NULL;
        const nn_hparam_spec *keys = nn_layer_keys(m->layer, m->act, &n);
        for (int k = 0; ok && k < n; k++) {
            cJSON *v = row_value(&keys[k], m->hp[k]);
            ok = v && cJSON_AddItemToObject(o, keys[k].name, v);
            if (!ok)
                cJSON_Delete(v);
        }
        if (!ok)
            break;
    }
    if (model && cJSON_GetArraySize(model) != (int)cfg->n_modules) { /* out of memory */
        cJSON_Delete(model);
        model = NULL;
    }
    return model;
}
