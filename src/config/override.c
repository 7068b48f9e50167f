/* override.c - applies "--set PATH=VALUE" to the parsed JSON tree.
 *
 * cJSON finds a key or an array index by walking a list, so applying N overrides to an
 * object or array of N children took N^2 steps (60,000 flags: seconds). The children of
 * each container on the way are put once into a hash index (ov_index), which the
 * overrides of one command line share: applying them is linear. A replaced value keeps
 * its node (the new value's content moves in; the old content waits in a graveyard freed
 * at the end), so no node the index names is freed or reused while it is in use. */
#include "config/override.h"

#include <stdint.h>
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

/* One slot of the index: a container's record (record: its generation, whether its
 * children are in, an array's size), or a child of a container's generation gen, by key
 * (name) or by array index (idx). A container whose value is replaced moves to the next
 * generation, so the entries of its old children are never matched again. */
typedef struct ov_slot {
    const cJSON *parent;
    const char *name; /* an object's key (the child's own string); NULL: by idx */
    size_t idx;       /* the array index; in a record, the array's size */
    size_t hash;
    unsigned gen;
    unsigned char used, record, indexed;
    cJSON *child;
} ov_slot;

typedef struct ov_index {
    ov_slot *slots;
    size_t cap, used; /* cap: a power of two, at most half used */
    cJSON *graveyard; /* replaced values, freed with the index */
} ov_index;

static size_t slot_hash(const cJSON *parent, const char *name, size_t idx, unsigned gen,
                        int record)
{
    uint64_t h = (uint64_t)(uintptr_t)parent * 0x9E3779B97F4A7C15u;
    h ^= ((uint64_t)gen << 1 | (uint64_t)record) * 0xC2B2AE3D27D4EB4Fu;
    if (name)
        for (const unsigned char *p = (const unsigned char *)name; *p; p++)
            h = (h ^ *p) * 0x100000001B3u;
    else
        h ^= (uint64_t)idx * 0x165667B19E3779F9u;
    h ^= h >> 29;
    return (size_t)(h * 0xBF58476D1CE4E5B9u ^ h >> 32);
}

/* The slot of the key, or the empty slot where it would go. */
static ov_slot *slot_at(const ov_index *ix, const cJSON *parent, const char *name, size_t idx,
                        unsigned gen, int record)
{
    size_t h = slot_hash(parent, name, idx, gen, record), mask = ix->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        ov_slot *s = &ix->slots[i];
        if (!s->used)
            return s;
        if (s->hash != h || s->parent != parent || s->record != record)
            continue;
        if (record)
            return s;
        if (s->gen == gen && (name ? s->name && strcmp(s->name, name) == 0
                                   : !s->name && s->idx == idx))
            return s;
    }
}

/* Room for one more slot (the table doubles at half full); 0 when out of memory. */
static int room(ov_index *ix)
{
    if ((ix->used + 1) * 2 <= ix->cap)
        return 1;
    size_t cap = ix->cap ? ix->cap * 2 : 256;
    ov_slot *old = ix->slots, *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return 0;
    size_t old_cap = ix->cap;
    ix->slots = slots;
    ix->cap = cap;
    for (size_t i = 0; i < old_cap; i++) /* by the stored hash: a stale name is never read */
        if (old[i].used) {
            size_t j = old[i].hash & (cap - 1);
            while (slots[j].used)
                j = (j + 1) & (cap - 1);
            slots[j] = old[i];
        }
    free(old);
    return 1;
}

/* Puts a child into the index (kept when its key is there already: cJSON's lookups find
 * the first of duplicate keys); 0 when out of memory. */
static int put_child(ov_index *ix, const cJSON *parent, unsigned gen, cJSON *child, size_t idx)
{
    const char *name = cJSON_IsObject(parent) ? child->string : NULL;
    if (cJSON_IsObject(parent) && !name)
        return 1; /* a child without a key cannot be named */
    if (!room(ix))
        return 0;
    ov_slot *s = slot_at(ix, parent, name, idx, gen, 0);
    if (s->used)
        return 1;
    *s = (ov_slot){parent, name, idx, slot_hash(parent, name, idx, gen, 0), gen, 1, 0, 0, child};
    ix->used++;
    return 1;
}

/* The record of container cur with its children in the index (put in on the first
 * visit); NULL when out of memory. */
static ov_slot *children_of(ov_index *ix, const cJSON *cur)
{
    if (!room(ix))
        return NULL;
    ov_slot *r = slot_at(ix, cur, NULL, 0, 0, 1);
    if (!r->used) {
        *r = (ov_slot){cur, NULL, 0, slot_hash(cur, NULL, 0, 0, 1), 0, 1, 1, 0, NULL};
        ix->used++;
    }
    if (r->indexed)
        return r;
    unsigned gen = r->gen;
    size_t n = 0;
    for (cJSON *ch = cur->child; ch; ch = ch->next, n++)
        if (!put_child(ix, cur, gen, ch, n))
            return NULL;
    r = slot_at(ix, cur, NULL, 0, 0, 1); /* the table may have grown */
    r->indexed = 1;
    r->idx = n;
    return r;
}

/* Gives node the content of val (keeping node's place and key) and sends its old
 * content to the graveyard in val; node's children are indexed anew when next visited. */
static int replace_value(ov_index *ix, cJSON *node, cJSON *val)
{
    if (!ix->graveyard && !(ix->graveyard = cJSON_CreateArray()))
        return 0;
    const int keep = cJSON_StringIsConst;
    cJSON tmp = *node;
    node->type = (val->type & ~keep) | (tmp.type & keep);
    node->child = val->child;
    node->valuestring = val->valuestring;
    node->valueint = val->valueint;
    node->valuedouble = val->valuedouble;
    val->type = (tmp.type & ~keep) | (val->type & keep);
    val->child = tmp.child;
    val->valuestring = tmp.valuestring;
    val->valueint = tmp.valueint;
    val->valuedouble = tmp.valuedouble;
    if (!cJSON_AddItemToArray(ix->graveyard, val))
        return 0;
    ov_slot *r = slot_at(ix, node, NULL, 0, 0, 1);
    if (r->used) {
        r->gen++;
        r->indexed = 0;
    }
    return 1;
}

/* Stores val (ownership passes) as child seg of container cur, or returns the child to
 * descend into (*next), creating a missing object key. key/klen: the override's whole
 * path (for messages); plen: length of the path before seg. */
static nn_status override_step(const nn_cfg_ctx *c, ov_index *ix, cJSON *cur, const char *seg,
                               int last, cJSON **val, cJSON **next, const char *key, int klen,
                               int plen)
{
    const char *where = plen > 0 ? "" : "the top level";
    int array = cJSON_IsArray(cur);
    if (!array && !cJSON_IsObject(cur))
        return nn_fail(c->err, NN_ECONFIG, "--set %.*s: %.*s is %s, not an object or array", klen,
                       key, plen, key, kind_name(cur));
    if (!array && is_index(seg))
        return nn_fail(c->err, NN_ECONFIG,
                       "--set %.*s: %.*s%s is an object, not an array; \"%s\" is not a key", klen,
                       key, plen, key, where, seg);
    long idx = array && is_index(seg) ? strtol(seg, NULL, 10) : -1;
    if (array && idx < 0)
        return nn_fail(c->err, NN_ECONFIG, "--set %.*s: %.*s is an array; \"%s\" must be an index",
                       klen, key, plen, key, seg);
    ov_slot *r = children_of(ix, cur);
    if (!r)
        return nn_cfg_oom(c);
    int n = (int)r->idx;
    if (array && idx >= n)
        return nn_fail(c->err, NN_ECONFIG, "--set %.*s: %.*s has %d entries%s%d%s", klen, key,
                       plen, key, n, n ? " (0.." : "", n - 1, n ? ")" : "");
    unsigned gen = r->gen;
    ov_slot *s = slot_at(ix, cur, array ? NULL : seg, array ? (size_t)idx : 0, gen, 0);
    *next = s->used ? s->child : NULL;
    if (*next && last) {
        if (!replace_value(ix, *next, *val))
            return nn_cfg_oom(c);
        *val = NULL;
    } else if (!*next) { /* a missing key of an object: the value, or an object to fill */
        cJSON *add = last ? *val : cJSON_CreateObject();
        if (!add || !cJSON_AddItemToObject(cur, seg, add)) {
            if (!last)
                cJSON_Delete(add);
            return nn_cfg_oom(c);
        }
        if (last)
            *val = NULL;
        *next = add;
        if (!put_child(ix, cur, gen, add, 0))
            return nn_cfg_oom(c);
    }
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
static nn_status walk_path(const nn_cfg_ctx *c, ov_index *ix, cJSON *root, char *path,
                           const char *shown, cJSON **val)
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
            st = override_step(c, ix, cur, seg, dot == NULL, val, &next, shown, klen, plen);
        cur = next;
        seg = dot ? dot + 1 : seg;
    }
    return st;
}

static nn_status apply_one(const nn_cfg_ctx *c, ov_index *ix, cJSON *root, const char *ov)
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
    nn_status st = (val && path) ? walk_path(c, ix, root, path, shown, &val) : nn_cfg_oom(c);
    cJSON_Delete(val);
    free(path);
    free(shown);
    return st;
}

nn_status nn_cfg_apply_overrides(const nn_cfg_ctx *c, cJSON *root, const char *const *ovs,
                                 size_t n)
{
    ov_index ix = {0};
    nn_status st = NN_OK;
    for (size_t i = 0; i < n && st == NN_OK; i++)
        st = apply_one(c, &ix, root, ovs[i]);
    free(ix.slots);
    cJSON_Delete(ix.graveyard);
    return st;
}

nn_status nn_cfg_apply_override(const nn_cfg_ctx *c, cJSON *root, const char *ov)
{
    return nn_cfg_apply_overrides(c, root, &ov, 1);
}
