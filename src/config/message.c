/* message.c - formatting of the config layer's one-line messages. */
#include "config/message.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

nn_status nn_cfg_oom(const nn_cfg_ctx *c)
{
    return nn_fail(c->err, NN_ESYS, "%s: out of memory", c->src);
}

/* base + "." + key (key may be NULL; base may be ""); control characters in the key
 * become '?' and a long key is cut, so a message always stays one readable line. */
static void path_join(char *buf, size_t n, const char *base, const char *key)
{
    size_t used = (size_t)snprintf(buf, n, "%s", base);
    if (!key || used >= n)
        return;
    if (used > 0 && used + 1 < n)
        buf[used++] = '.';
    for (size_t i = 0; key[i] && used + 4 < n; i++) {
        if (i == 48) {
            memcpy(buf + used, "...", 3);
            used += 3;
            break;
        }
        unsigned char ch = (unsigned char)key[i];
        buf[used++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    buf[used < n ? used : n - 1] = '\0';
}

nn_status nn_cfg_fail_at(const nn_cfg_ctx *c, const char *base, const char *key, const char *fmt,
                         ...)
{
    char path[160], msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    path_join(path, sizeof path, base, key);
    if (path[0])
        return nn_fail(c->err, NN_ECONFIG, "%s: %s: %s", c->src, path, msg);
    return nn_fail(c->err, NN_ECONFIG, "%s: %s", c->src, msg);
}

nn_status nn_cfg_missing(const nn_cfg_ctx *c, const char *base, const char *key, const char *expect)
{
    return nn_cfg_fail_at(c, base, key, "required key is missing; expected %s", expect);
}

nn_status nn_cfg_wrong(const nn_cfg_ctx *c, const char *base, const char *key, const char *expect,
                       const cJSON *v)
{
    char found[NN_CFG_FOUND_MAX + 8];
    return nn_cfg_fail_at(c, base, key, "expected %s, found %s", expect,
                          nn_cfg_found_text(v, found, sizeof found));
}

const char *nn_cfg_found_text(const cJSON *v, char *buf, size_t n)
{
    if (cJSON_IsNumber(v) && !isfinite(v->valuedouble)) {
        snprintf(buf, n, "a number too large to represent");
        return buf;
    }
    char *text = cJSON_PrintUnformatted(v);
    if (!text) {
        snprintf(buf, n, "(a value)");
        return buf;
    }
    if (strlen(text) > NN_CFG_FOUND_MAX)
        snprintf(buf, n, "%.*s...", NN_CFG_FOUND_MAX - 3, text);
    else
        snprintf(buf, n, "%s", text);
    cJSON_free(text);
    return buf;
}

void nn_cfg_join(char *buf, size_t n, const char *const *items, int quoted)
{
    const char *q = quoted ? "\"" : "";
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; items[i]; i++) {
        int w = snprintf(buf + used, n - used, "%s%s%s%s", i ? ", " : "", q, items[i], q);
        if (w < 0 || (size_t)w >= n - used) {
            if (n > 4)
                memcpy(buf + n - 4, "...", 4);
            return;
        }
        used += (size_t)w;
    }
}
