/* tables.c - every table entry (layer types, activations, optimizers) as JSON: the one
 * description of nntrain's parts that the scripts rebuilding a model or an optimizer in
 * PyTorch read (scripts/nntrain_torch.py), so that they keep no list of their own. */
#include "config/config.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema.h"

/* One row as {"name", "kind", "default", "min", "max", ...}. */
static cJSON *key_json(const nn_hparam_spec *h)
{
    static const char *const kinds[] = {[NN_HP_NUMBER] = "number", [NN_HP_SIZE] = "size",
                                        [NN_HP_BOOL] = "bool", [NN_HP_ENUM] = "enum"};
    cJSON *k = cJSON_CreateObject();
    cJSON_AddStringToObject(k, "name", h->name);
    cJSON_AddStringToObject(k, "kind", kinds[h->kind]);
    if (h->kind == NN_HP_ENUM) {
        const char *buf[NN_CFG_MAX_CHOICES + 1], *const *ch = h->choices;
        if (!ch) {
            buf[0] = NULL;
            if (h->list)
                h->list(buf, NN_CFG_MAX_CHOICES + 1);
            ch = buf;
        }
        cJSON *list = cJSON_AddArrayToObject(k, "choices");
        int n = 0;
        for (; ch[n]; n++)
            cJSON_AddItemToArray(list, cJSON_CreateString(ch[n]));
        int i = (int)h->def - h->base;
        if (i >= 0 && i < n)
            cJSON_AddStringToObject(k, "default", ch[i]);
        else
            cJSON_AddNullToObject(k, "default"); /* chosen by the entry ("auto") */
    } else if (h->kind == NN_HP_BOOL) {
        cJSON_AddBoolToObject(k, "default", h->def != 0.0);
    } else {
        cJSON_AddNumberToObject(k, "default", h->def);
        cJSON_AddNumberToObject(k, "min", h->min);
        cJSON_AddNumberToObject(k, "max", h->max);
        cJSON_AddBoolToObject(k, "integer", h->kind == NN_HP_SIZE || h->integer);
    }
    cJSON_AddBoolToObject(k, "required", (h->flags & NN_HP_REQUIRED) != 0);
    return k;
}

static void add_keys(cJSON *obj, const nn_hparam_spec *keys, int n)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "keys");
    for (int k = 0; k < n; k++)
        cJSON_AddItemToArray(arr, key_json(&keys[k]));
}

/* One config type: an entry, or one activation of the activation layer. */
static cJSON *layer_json(const nn_layer_def *def, const nn_act_def *act)
{
    cJSON *o = cJSON_CreateObject();
    int n;
    const nn_hparam_spec *keys = nn_layer_keys(def, act, &n);
    cJSON_AddStringToObject(o, "type", act ? act->name : def->name);
    cJSON_AddStringToObject(o, "layer", def->name);
    cJSON_AddStringToObject(o, "torch", act ? act->torch : def->torch);
    cJSON_AddBoolToObject(o, "product", def->product != 0);
    cJSON_AddBoolToObject(o, "elementwise", def->forward_cols != NULL);
    cJSON_AddBoolToObject(o, "probed", def->probed != 0);
    add_keys(o, keys, n);
    if (act) {
        double hp[NN_MAX_HPARAMS] = {0};
        for (int k = 0; k < n; k++)
            hp[k] = keys[k].def;
        cJSON_AddStringToObject(o, "dense_init", act->dense_init ? act->dense_init : "he_normal");
        cJSON_AddNumberToObject(o, "gain", act->gain(hp));
    }
    return o;
}

static cJSON *optim_json(const nn_optim_def *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", d->name);
    cJSON_AddStringToObject(o, "torch", d->torch);
    add_keys(o, d->keys, d->n_keys);
    cJSON *st = cJSON_AddArrayToObject(o, "state");
    for (int k = 0; k < d->n_state; k++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "torch", d->state[k].torch);
        cJSON_AddStringToObject(s, "file", d->state[k].file);
        cJSON_AddItemToArray(st, s);
    }
    return o;
}

nn_status nn_config_write_tables(FILE *out, nn_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "nntrain-tables-1");
    cJSON *layers = cJSON_AddArrayToObject(root, "layers");
    for (size_t i = 0; nn_layer_at(i); i++) {
        const nn_layer_def *def = nn_layer_at(i);
        for (size_t a = 0; def->acts && def->acts[a]; a++)
            cJSON_AddItemToArray(layers, layer_json(def, def->acts[a]));
        if (!def->acts)
            cJSON_AddItemToArray(layers, layer_json(def, NULL));
    }
    cJSON *opts = cJSON_AddArrayToObject(root, "optimizers");
    for (size_t i = 0; nn_optim_at(i); i++)
        cJSON_AddItemToArray(opts, optim_json(nn_optim_at(i)));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return nn_fail(err, NN_ESYS, "out of memory");
    int bad = fputs(text, out) < 0 || fputc('\n', out) == EOF;
    free(text);
    return bad ? nn_fail(err, NN_ESYS, "cannot write the tables: %s", "write error") : NN_OK;
}
