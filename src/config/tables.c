/* tables.c - every table entry (layer types, activations, optimizers) as JSON: the one
 * description of nntrain's parts that the scripts rebuilding a model or an optimizer in
 * PyTorch read (scripts/nntrain_torch.py), so that they keep no list of their own. */
#include "config/config.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema.h"

/* Each add below clears *ok when cJSON could not make the item (out of memory). */
static void add_string(cJSON *o, const char *key, const char *v, int *ok)
{
    *ok &= v != NULL && cJSON_AddStringToObject(o, key, v) != NULL;
}

static void add_number(cJSON *o, const char *key, double v, int *ok)
{
    *ok &= cJSON_AddNumberToObject(o, key, v) != NULL;
}

static void add_bool(cJSON *o, const char *key, int v, int *ok)
{
    *ok &= cJSON_AddBoolToObject(o, key, v) != NULL;
}

static void add_item(cJSON *array, cJSON *item, int *ok)
{
    if (!item || !array || !cJSON_AddItemToArray(array, item)) {
        cJSON_Delete(item);
        *ok = 0;
    }
}

/* One row as {"name", "kind", "default", "min", "max", ...}. */
static cJSON *key_json(const nn_hparam_spec *h, int *ok)
{
    static const char *const kinds[] = {[NN_HP_NUMBER] = "number", [NN_HP_SIZE] = "size",
                                        [NN_HP_BOOL] = "bool", [NN_HP_ENUM] = "enum"};
    cJSON *k = cJSON_CreateObject();
    add_string(k, "name", h->name, ok);
    add_string(k, "kind", kinds[h->kind], ok);
    if (h->kind == NN_HP_ENUM) {
        const char *buf[NN_CFG_MAX_CHOICES + 1], *const *ch = h->choices;
        if (!ch) {
            buf[0] = NULL;
            if (h->list)
                h->list(buf, NN_CFG_MAX_CHOICES + 1);
            ch = buf;
        }
        cJSON *list = cJSON_AddArrayToObject(k, "choices");
        *ok &= list != NULL;
        int n = 0;
        for (; ch[n]; n++)
            add_item(list, cJSON_CreateString(ch[n]), ok);
        int i = (int)h->def - h->base;
        if (i >= 0 && i < n)
            add_string(k, "default", ch[i], ok);
        else
            *ok &= cJSON_AddNullToObject(k, "default") != NULL; /* the entry picks ("auto") */
    } else if (h->kind == NN_HP_BOOL) {
        add_bool(k, "default", h->def != 0.0, ok);
    } else {
        add_number(k, "default", h->def, ok);
        add_number(k, "min", h->min, ok);
        add_number(k, "max", h->max, ok);
        add_bool(k, "integer", h->kind == NN_HP_SIZE || h->integer, ok);
    }
    add_bool(k, "required", (h->flags & NN_HP_REQUIRED) != 0, ok);
    return k;
}

static void add_keys(cJSON *obj, const nn_hparam_spec *keys, int n, int *ok)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "keys");
    *ok &= arr != NULL;
    for (int k = 0; k < n; k++)
        add_item(arr, key_json(&keys[k], ok), ok);
}

/* One config type: an entry, or one activation of the activation layer. */
static cJSON *layer_json(const nn_layer_def *def, const nn_act_def *act, int *ok)
{
    cJSON *o = cJSON_CreateObject();
    int n;
    const nn_hparam_spec *keys = nn_layer_keys(def, act, &n);
    add_string(o, "type", act ? act->name : def->name, ok);
    add_string(o, "layer", def->name, ok);
    add_string(o, "torch", act ? act->torch : def->torch, ok);
    add_bool(o, "product", def->product != 0, ok);
    add_bool(o, "elementwise", def->forward_cols != NULL, ok);
    add_bool(o, "probed", def->probed != 0, ok);
    add_keys(o, keys, n, ok);
    if (act) {
        double hp[NN_MAX_HPARAMS] = {0};
        for (int k = 0; k < n; k++)
            hp[k] = keys[k].def;
        add_string(o, "dense_init", act->dense_init ? act->dense_init : "he_normal", ok);
        add_number(o, "gain", act->gain(hp), ok);
    }
    return o;
}

static cJSON *optim_json(const nn_optim_def *d, int *ok)
{
    cJSON *o = cJSON_CreateObject();
    add_string(o, "type", d->name, ok);
    add_string(o, "torch", d->torch, ok);
    add_keys(o, d->keys, d->n_keys, ok);
    cJSON *st = cJSON_AddArrayToObject(o, "state");
    *ok &= st != NULL;
    for (int k = 0; k < d->n_state; k++) {
        cJSON *s = cJSON_CreateObject();
        add_string(s, "torch", d->state[k].torch, ok);
        add_string(s, "file", d->state[k].file, ok);
        add_item(st, s, ok);
    }
    return o;
}

nn_status nn_config_write_tables(FILE *out, nn_error *err)
{
    cJSON *root = cJSON_CreateObject();
    int ok = root != NULL;
    add_string(root, "format", "nntrain-tables-1", &ok);
    cJSON *layers = cJSON_AddArrayToObject(root, "layers");
    for (size_t i = 0; nn_layer_at(i); i++) {
        const nn_layer_def *def = nn_layer_at(i);
        for (size_t a = 0; def->acts && def->acts[a]; a++)
            add_item(layers, layer_json(def, def->acts[a], &ok), &ok);
        if (!def->acts)
            add_item(layers, layer_json(def, NULL, &ok), &ok);
    }
    cJSON *opts = cJSON_AddArrayToObject(root, "optimizers");
    for (size_t i = 0; nn_optim_at(i); i++)
        add_item(opts, optim_json(nn_optim_at(i), &ok), &ok);
    char *text = ok && layers && opts ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return nn_fail(err, NN_ESYS, "out of memory writing the tables (or an entry without its "
                                     "torch call)");
    int bad = fputs(text, out) < 0 || fputc('\n', out) == EOF;
    free(text);
    return bad ? nn_fail(err, NN_ESYS, "cannot write the tables: %s", "write error") : NN_OK;
}
