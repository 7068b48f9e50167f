/* override.c - applies "--set PATH=VALUE" to the parsed JSON tree. */
#include "config/override.h"

#include <stdlib.h>
#include <string.h>

#include "config/json_syntax.h"

static int is_index(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n > 0 && s[n] == '\0' && n <= 9;
}

static const char *kind_name(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    return "a value";
}

/* Stores val (ownership passes) as child seg of container cur, or returns the child to
 * descend into (*next), creating a missing object key. key/klen: the override's whole
 * path (for messages); plen: length of the path before seg. */
static nn_status override_step(const nn_cfg_ctx *c, cJSON *cur, const char *seg, int last,
                               cJSON **val, cJSON **next, const char *key, int klen, int plen)
{
    const char *where = plen > 0 ? "" : "the top level";
    if (cJSON_IsArray(cur)) {
        int n = cJSON_GetArraySize(cur);
        long idx = is_index(seg) ? strtol(seg, NULL, 10) : -1;
        if (idx < 0)
            return nn_fail(c->err, NN_ECONFIG,
                           "--set %.*s: %.*s is an array; \"%s\" must be an index", klen, key, plen,
                           key, seg);
        if (idx >= n)
            return nn_fail(c->err, NN_ECONFIG, "--set %.*s: %.*s has %d entries%s%d%s", klen, key,
                           plen, key, n, n ? " (0.." : "", n - 1, n ? ")" : "");
        *next = cJSON_GetArrayItem(cur, (int)idx);
    } else if (cJSON_IsObject(cur)) {
        if (is_index(seg))
            return nn_fail(c->err, NN_ECONFIG,
                           "--set %.*s: %.*s%s is an object, not an array; \"%s\" is not a key",
                           klen, key, plen, key, where, seg);
        *next = cJSON_GetObjectItemCaseSensitive(cur, seg);
        if (!*next && !last) {
            if (!(*next = cJSON_CreateObject()) || !cJSON_AddItemToObject(cur, seg, *next)) {
                cJSON_Delete(*next);
                return nn_cfg_oom(c);
            }
        }
    } else {
        return nn_fail(c->err, NN_ECONFIG, "--set %.*s: %.*s is %s, not an object or array", klen,
                       key, plen, key, kind_name(cur));
    }
    if (!last)
        return NN_OK;
    int ok = !*next               ? cJSON_AddItemToObject(cur, seg, *val)
             : cJSON_IsArray(cur) ? cJSON_ReplaceItemViaPointer(cur, *next, *val)
                                  : cJSON_ReplaceItemInObjectCaseSensitive(cur, seg, *val);
    if (!ok)
        return nn_cfg_oom(c);
    *val = NULL;
    return NN_OK;
}

/* The key path of ov (up to '=', klen bytes) in dotted form: "model[1].x" becomes
 * "model.1.x". NULL when out of memory. */
static char *dotted_path(const char *ov, int klen)
{
    char *shown = strndup(ov, (size_t)klen);
    if (!shown)
        return NULL;
    char *w = shown;
    for (const char *r = shown; *r; r++)
        if (*r != ']')
            *w++ = *r == '[' ? '.' : *r;
    *w = '\0';
    return shown;
}

/* Walks the dotted path (cut into segments in place) from root and stores *val. */
static nn_status walk_path(const nn_cfg_ctx *c, cJSON *root, char *path, const char *shown,
                           cJSON **val)
{
    int klen = (int)strlen(shown);
    nn_status st = NN_OK;
    cJSON *cur = root;
    for (char *seg = path; st == NN_OK && *val;) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        int plen = seg == path ? 0 : (int)(seg - path - 1);
        cJSON *next = NULL;
        if (!*seg)
            st = nn_fail(c->err, NN_ECONFIG, "--set %s: empty segment in the key path", shown);
        else
            st = override_step(c, cur, seg, dot == NULL, val, &next, shown, klen, plen);
        cur = next;
        seg = dot ? dot + 1 : seg;
    }
    return st;
}

nn_status nn_cfg_apply_override(const nn_cfg_ctx *c, cJSON *root, const char *ov)
{
    const char *eq = ov ? strchr(ov, '=') : NULL;
    if (!eq)
        return nn_fail(c->err, NN_ECONFIG,
                       "--set %.100s: expected KEY=VALUE, e.g. --set optimizer.lr=0.1",
                       ov ? ov : "(null)");
    int klen = (int)(eq - ov);
    if (klen == 0)
        return nn_fail(c->err, NN_ECONFIG, "--set %.100s: the key path before '=' is empty", ov);
    if (nn_cfg_nul_escape(eq + 1) >= 0)
        return nn_fail(c->err, NN_ECONFIG,
                       "--set %.*s: the value contains \\u0000 (a NUL character)", klen, ov);
    cJSON *val = cJSON_ParseWithOpts(eq + 1, NULL, 1);
    if (!val)
        val = cJSON_CreateString(eq + 1);
    char *shown = dotted_path(ov, klen);
    char *path = shown ? strdup(shown) : NULL;
    nn_status st = (val && path) ? walk_path(c, root, path, shown, &val) : nn_cfg_oom(c);
    cJSON_Delete(val);
    free(path);
    free(shown);
    return st;
}
