/* helpers.c - the config layer's message pieces, JSON parser and --set applier, exported
 * through config.h for readers of other JSON files (the sweep file): see config.h. */
#include <cJSON.h>

#include "config/config.h"
#include "config/json_syntax.h"
#include "config/message.h"
#include "config/override.h"
#include "config/suggest.h"

_Static_assert(NN_CONFIG_FOUND_LEN >= NN_CFG_FOUND_MAX + 1,
               "NN_CONFIG_FOUND_LEN holds a found value cut to NN_CFG_FOUND_MAX");

const char *nn_config_found_text(const cJSON *v, char *buf, size_t n)
{
    return nn_cfg_found_text(v, buf, n);
}

void nn_config_join(char *buf, size_t n, const char *const *items, int quoted)
{
    nn_cfg_join(buf, n, items, quoted);
}

const char *nn_config_closest(const char *const *names, const char *s)
{
    return nn_cfg_closest(names, s);
}

nn_status nn_config_parse_json(const char *json, const char *src, cJSON **out, nn_error *err)
{
    nn_cfg_ctx c = {src, err};
    return nn_cfg_parse_json(&c, json, out);
}

nn_status nn_config_apply_set(cJSON *root, const char *set, const char *src, nn_error *err)
{
    nn_cfg_ctx c = {src, err};
    return nn_cfg_apply_override(&c, root, set);
}

size_t nn_config_keys_named(const char *name, char (*paths)[NN_CONFIG_KEY_LEN], size_t cap)
{
    return nn_cfg_keys_named(name, (char *)paths, NN_CONFIG_KEY_LEN, cap);
}
