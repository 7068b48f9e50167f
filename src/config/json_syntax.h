/* json_syntax.h - JSON text to a cJSON tree, with syntax errors a person can act on:
 * "<src>:3:28 (byte 42): invalid JSON near '}': expected a key in double quotes
 * (trailing comma?)". */
#ifndef NN_CONFIG_JSON_SYNTAX_H
#define NN_CONFIG_JSON_SYNTAX_H

#include <cJSON.h>

#include "config/message.h"

/* Parses json into *out (free with cJSON_Delete). Refuses text holding "\u0000" (cJSON
 * would cut such a string short) and text that is not exactly one JSON value. */
nn_status nn_cfg_parse_json(const nn_cfg_ctx *c, const char *json, cJSON **out);

/* Offset of the first "\u0000" escape in JSON text, or -1. */
long nn_cfg_nul_escape(const char *s);

#endif
