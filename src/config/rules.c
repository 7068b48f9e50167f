/* rules.c - the rules that tie keys together, checked after the walk has read every
 * section by its table (the model's own rules are in model.c). */
#include "config/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The source's base name without ".json" when that is a valid name, else "run". */
static char *default_name(const char *source)
{
    const char *b = source ? strrchr(source, '/') : NULL;
    b = b ? b + 1 : source;
    size_t n = b ? strlen(b) : 0;
    if (n >= 5 && strcmp(b + n - 5, ".json") == 0)
        n -= 5;
    if (!b || !nn_cfg_name_ok(b, n)) {
        b = "run";
        n = 3;
    }
    return strndup(b, n);
}

/* data.format as a string; channels 2 (within the range [1, 3], but no image has it). */
static nn_status data_rules(const nn_cfg_ctx *c, const cJSON *root, nn_config *cfg)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const char *format = cfg->data.kind == NN_DATA_IMAGE_FOLDER ? "image_folder" : "idx";
    if (!(cfg->data.format = strdup(format)))
        return nn_cfg_oom(c);
    if (cfg->data.channels == 2)
        return nn_cfg_wrong(c, "data", "channels", "1 (grayscale) or 3 (RGB)",
                            cJSON_GetObjectItemCaseSensitive(data, "channels"));
    return NN_OK;
}

nn_status nn_cfg_rules(const nn_cfg_ctx *c, const cJSON *root, const char *source, nn_config *cfg)
{
    NN_CFG_TRY(data_rules(c, root, cfg));
    cfg->optim.def = nn_optim_at((size_t)cfg->optim.type);
    const char *key = NULL;
    char msg[256];
    if (cfg->optim.def->validate && cfg->optim.def->validate(cfg->optim.hp, &key, msg, sizeof msg))
        return nn_cfg_fail_at(c, "optimizer", key, "%s", msg);
    if (cfg->dead.probe == NN_PROBE_VAL && cfg->data.validation == 0)
        return nn_cfg_fail_at(c, "dead_units", "probe",
                              "\"val\" needs a validation split, but data.validation is 0; set "
                              "data.validation to the number of training samples to hold out");
    if (!cfg->name && !(cfg->name = default_name(source)))
        return nn_cfg_oom(c);
    if (cfg->csv)
        return NN_OK;
    size_t n = strlen(cfg->name) + sizeof "runs/.csv";
    if (!(cfg->csv = malloc(n)))
        return nn_cfg_oom(c);
    snprintf(cfg->csv, n, "runs/%s.csv", cfg->name);
    return NN_OK;
}
