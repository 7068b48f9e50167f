/* override.h - "--set DOTTED.PATH=VALUE": a change to the JSON tree before validation. */
#ifndef NN_CONFIG_OVERRIDE_H
#define NN_CONFIG_OVERRIDE_H

#include <cJSON.h>

#include "config/message.h"

/* Applies one "a.b.0.c=VALUE" (or "a.b[0].c=VALUE", the form messages use) to root:
 * VALUE is parsed as JSON, or taken as a string when it is not JSON. Missing object keys
 * on the way are created; array indices must exist. The value itself is validated
 * later with the rest of the tree. */
nn_status nn_cfg_apply_override(const nn_cfg_ctx *c, cJSON *root, const char *ov);

/* Applies ovs[0..n) in order, as n calls of nn_cfg_apply_override would, in time linear in
 * their length and the containers they pass through; stops at the first that fails. */
nn_status nn_cfg_apply_overrides(const nn_cfg_ctx *c, cJSON *root, const char *const *ovs,
                                 size_t n);

#endif
