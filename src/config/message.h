/* message.h - the one-line messages of the config layer: "<source>: <path>: <what>",
 * with the JSON path in the form model[3].negative_slope and values shown as compact,
 * cut JSON. Shared by the walker, the cross-field rules and the overrides. */
#ifndef NN_CONFIG_MESSAGE_H
#define NN_CONFIG_MESSAGE_H

#include <cJSON.h>
#include <stddef.h>

#include "sys/error.h"

#define NN_CFG_FOUND_MAX 40 /* characters of a found value shown in messages */

#define NN_CFG_TRY(expr)                                                                           \
    do {                                                                                           \
        nn_status try_st_ = (expr);                                                                \
        if (try_st_ != NN_OK)                                                                      \
            return try_st_;                                                                        \
    } while (0)

/* What every validation function needs: the name for messages and the error out. */
typedef struct nn_cfg_ctx {
    const char *src;
    nn_error *err;
} nn_cfg_ctx;

nn_status nn_cfg_oom(const nn_cfg_ctx *c);

/* "<src>: <base>.<key>: <fmt...>" (key may be NULL, base may be ""). */
nn_status nn_cfg_fail_at(const nn_cfg_ctx *c, const char *base, const char *key, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

/* "... required key is missing; expected <expect>". */
nn_status nn_cfg_missing(const nn_cfg_ctx *c, const char *base, const char *key,
                         const char *expect);

/* "... expected <expect>, found <v as JSON>". */
nn_status nn_cfg_wrong(const nn_cfg_ctx *c, const char *base, const char *key, const char *expect,
                       const cJSON *v);

/* A JSON value as compact text, cut to NN_CFG_FOUND_MAX characters; returns buf. */
const char *nn_cfg_found_text(const cJSON *v, char *buf, size_t n);

/* items (NULL-terminated) joined by ", ", each optionally in double quotes; cut with
 * "..." when long. */
void nn_cfg_join(char *buf, size_t n, const char *const *items, int quoted);

#endif
