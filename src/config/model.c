/* model.c - the "model" array: each entry's "type" picks its layer type (the layer table,
 * src/nn/layer/), whose rows make the entry's table; then the rules between layers. */
#include "config/schema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/suggest.h"

/* Reads model[i].type into m->layer (and m->act for an activation layer). */
static nn_status parse_type(const nn_cfg_ctx *c, const cJSON *e, const char *base,
                            nn_module_spec *m)
{
    const char *types[NN_CFG_MAX_CHOICES + 1];
    char allowed[512], found[NN_CFG_FOUND_MAX + 8], expect[540];
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
    nn_cfg_layer_types(types, NN_CFG_MAX_CHOICES + 1);
    nn_cfg_join(allowed, sizeof allowed, types, 0);
    if (!t)
        return nn_cfg_fail_at(c, base, "type", "required key is missing; allowed types: %s",
                              allowed);
    if (!cJSON_IsString(t)) {
        const nn_cfg_key type_row = {.name = "type", .type = NN_CFG_LAYER,
                                     .list = nn_cfg_layer_types};
        nn_cfg_expect(&type_row, expect, sizeof expect);
        return nn_cfg_wrong(c, base, "type", expect, t);
    }
    if (nn_layer_find(t->valuestring, &m->layer, &m->act))
        return NN_OK;
    const char *sug = nn_cfg_closest(types, t->valuestring);
    nn_cfg_found_text(t, found, sizeof found);
    if (sug)
        return nn_cfg_fail_at(c, base, "type",
                              "unknown layer type %s; did you mean \"%s\"? allowed types: %s",
                              found, sug, allowed);
    return nn_cfg_fail_at(c, base, "type", "unknown layer type %s; allowed types: %s", found,
                          allowed);
}

static nn_status parse_module(const nn_cfg_ctx *c, const cJSON *e, const char *base,
                              nn_module_spec *m)
{
    if (!cJSON_IsObject(e))
        return nn_cfg_wrong(c, base, NULL,
                            "a layer object such as {\"type\": \"dense\", \"units\": 10}", e);
    NN_CFG_TRY(parse_type(c, e, base, m));
    nn_cfg_key keys[NN_MAX_HPARAMS + 1];
    nn_cfg_section sec;
    nn_cfg_layer_section(m->layer, m->act, keys, &sec);
    NN_CFG_TRY(nn_cfg_walk(c, &sec, e, base, nn_spec_type(m), m));
    const char *key = NULL;
    char msg[256];
    if (m->layer->validate && m->layer->validate(m, &key, msg, sizeof msg))
        return nn_cfg_fail_at(c, base, key, "%s", msg);
    return NN_OK;
}

nn_status nn_cfg_parse_model(const nn_cfg_ctx *c, const cJSON *model, const char *expect,
                             nn_config *cfg)
{
    if (!cJSON_IsArray(model))
        return nn_cfg_wrong(c, "", "model", expect, model);
    size_t n = (size_t)cJSON_GetArraySize(model), i = 0;
    char base[32];
    if (n == 0)
        return nn_cfg_fail_at(c, "", "model", "the model is empty; expected %s", expect);
    if (!(cfg->modules = calloc(n, sizeof *cfg->modules)))
        return nn_cfg_oom(c);
    cfg->n_modules = n;
    for (const cJSON *e = model->child; e; e = e->next, i++) {
        snprintf(base, sizeof base, "model[%zu]", i);
        NN_CFG_TRY(parse_module(c, e, base, &cfg->modules[i]));
    }
    if (!nn_spec_is_product(&cfg->modules[n - 1])) {
        snprintf(base, sizeof base, "model[%zu]", n - 1);
        return nn_cfg_fail_at(c, base, NULL,
                              "the model must end with a dense layer (the output layer, one unit "
                              "per class), but %s is a \"%s\" layer",
                              base, nn_spec_type(&cfg->modules[n - 1]));
    }
    return nn_cfg_check_widths(c, cfg->modules, n, 0);
}

/* "negative_slope = 0.2, ..." for module m. */
static void hparams_text(char *buf, size_t n, const nn_module_spec *m)
{
    int nk;
    const nn_hparam_spec *keys = nn_layer_keys(m->layer, m->act, &nk);
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < nk && used < n; k++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s = %.15g", k ? ", " : "",
                                 keys[k].name, m->hp[k]);
}

nn_status nn_cfg_check_widths(const nn_cfg_ctx *c, const nn_module_spec *mods, size_t n,
                              size_t input_dim)
{
    size_t width = input_dim, from = SIZE_MAX; /* from: the module that gave width */
    for (size_t i = 0; i < n; i++) {
        const nn_module_spec *m = &mods[i];
        char why[256], hps[160], origin[64], base[32];
        if (m->layer->check && width != 0 && m->layer->check(m, width, why, sizeof why)) {
            hparams_text(hps, sizeof hps, m);
            if (from == SIZE_MAX)
                snprintf(origin, sizeof origin, "the input's %zu features", width);
            else if (!isnan(nn_spec_get(&mods[from], "units")))
                snprintf(origin, sizeof origin, "model[%zu].units", from);
            else
                snprintf(origin, sizeof origin, "model[%zu]", from);
            snprintf(base, sizeof base, "model[%zu]", i);
            return nn_cfg_fail_at(c, base, NULL,
                                  "%s (%s) does not fit its width %zu (from %s); allowed: %s",
                                  nn_spec_type(m), hps, width, origin, why);
        }
        size_t out = m->layer->size(m, width).out;
        if (out != width || nn_spec_is_product(m))
            from = i;
        width = out;
    }
    return NN_OK;
}

nn_status nn_cfg_check_classes(const nn_cfg_ctx *c, const nn_config *cfg, size_t n_classes)
{
    size_t last = cfg->n_modules;
    while (last > 0 && !nn_spec_is_product(&cfg->modules[last - 1]))
        last--;
    if (last == 0)
        return nn_cfg_fail_at(c, "", "model", "the model has no dense layer");
    size_t units = cfg->modules[last - 1].layer->size(&cfg->modules[last - 1], 0).out;
    if (units == n_classes)
        return NN_OK;
    char base[32];
    snprintf(base, sizeof base, "model[%zu]", last - 1);
    if (cfg->data.kind == NN_DATA_IMAGE_FOLDER)
        return nn_cfg_fail_at(c, base, "units",
                              "the last dense layer has %zu units but %s has %zu class folders; "
                              "set it to %zu",
                              units, cfg->data.train_dir, n_classes, n_classes);
    return nn_cfg_fail_at(c, base, "units",
                          "the last dense layer has %zu units but the labels in %s go up to %zu "
                          "(%zu classes); set it to %zu, or check that label file",
                          units,
                          cfg->data.train_labels ? cfg->data.train_labels : "the training data",
                          n_classes - 1, n_classes, n_classes);
}
