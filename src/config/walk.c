/* walk.c - the one walker: reads a JSON object by its section's rows (schema.h). */
#include "config/schema.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/suggest.h"

#define MAX_KEYS NN_CFG_MAX_BUILT /* rows of the largest section */
#define MAX_NAME 64

const char *const *nn_cfg_choices(const nn_cfg_key *k, const char **buf)
{
    if (k->choices)
        return k->choices;
    buf[0] = NULL;
    if (k->list)
        k->list(buf, NN_CFG_MAX_CHOICES + 1);
    return buf;
}

static void fmt_bound(char *buf, size_t n, double v)
{
    if (v == NN_CFG_MAX_EXACT)
        snprintf(buf, n, "2^53");
    else
        snprintf(buf, n, "%.15g", v);
}

static int is_whole(const nn_cfg_key *k)
{
    return k->type != NN_CFG_NUMBER || (k->flags & NN_CFG_WHOLE);
}

/* "an integer in [1, 65536]", "a number in (0, 1000]", "a number >= 0", ... */
static void num_expect(char *buf, size_t n, const nn_cfg_key *k)
{
    const char *what = is_whole(k) ? "an integer" : "a number";
    char lo[32], hi[32];
    fmt_bound(lo, sizeof lo, k->lo);
    fmt_bound(hi, sizeof hi, k->hi);
    if (isinf(k->lo) && isinf(k->hi))
        snprintf(buf, n, "%s", is_whole(k) ? what : "a finite number");
    else if (isinf(k->hi))
        snprintf(buf, n, "%s %s %s", what, (k->flags & NN_CFG_LO_OPEN) ? ">" : ">=", lo);
    else if (isinf(k->lo))
        snprintf(buf, n, "%s %s %s", what, (k->flags & NN_CFG_HI_OPEN) ? "<" : "<=", hi);
    else
        snprintf(buf, n, "%s in %c%s, %s%c", what, (k->flags & NN_CFG_LO_OPEN) ? '(' : '[', lo, hi,
                 (k->flags & NN_CFG_HI_OPEN) ? ')' : ']');
}

static int num_ok(double x, const nn_cfg_key *k)
{
    if (!isfinite(x))
        return 0;
    if (is_whole(k) && x != floor(x))
        return 0;
    if (x < k->lo || (x == k->lo && (k->flags & NN_CFG_LO_OPEN)))
        return 0;
    if (x > k->hi || (x == k->hi && (k->flags & NN_CFG_HI_OPEN)))
        return 0;
    return 1;
}

/* Whether k is allowed when the section's selector is choice variant (< 0: any). */
static int in_variant(const nn_cfg_key *k, int variant)
{
    return k->variants == 0 || variant < 0 || ((k->variants >> variant) & 1u);
}

/* The names of sec's rows allowed in variant (all when variant < 0), NULL-terminated. */
static void key_names(const nn_cfg_section *sec, int variant, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < sec->n_keys && n < MAX_KEYS; i++) {
        const char *name = sec->keys[i].name;
        int seen = 0; /* rows of several variants may share a name */
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(out[j], name) == 0;
        if (!seen && in_variant(&sec->keys[i], variant))
            out[n++] = name;
    }
    out[n] = NULL;
}

void nn_cfg_expect(const nn_cfg_key *k, char *buf, size_t n)
{
    const char *names[MAX_KEYS + 1], *list[NN_CFG_MAX_CHOICES + 1];
    char joined[480];
    switch (k->type) {
    case NN_CFG_STRING:
        snprintf(buf, n, "a non-empty string");
        return;
    case NN_CFG_NAME:
        snprintf(buf, n, "1 to %d characters from A-Z a-z 0-9 _ . -", MAX_NAME);
        return;
    case NN_CFG_BOOL:
        snprintf(buf, n, "true or false");
        return;
    case NN_CFG_ENUM:
    case NN_CFG_LAYER: {
        const char *const *ch = nn_cfg_choices(k, list);
        nn_cfg_join(joined, sizeof joined, ch, k->type == NN_CFG_ENUM);
        if (k->type == NN_CFG_LAYER)
            snprintf(buf, n, "a layer type (one of %s)", joined);
        else
            snprintf(buf, n, "%s%s", ch[0] && ch[1] ? "one of " : "", joined);
        return;
    }
    case NN_CFG_SECTION: {
        nn_cfg_key built_keys[NN_CFG_MAX_BUILT];
        nn_cfg_section built;
        const nn_cfg_section *sub = nn_cfg_sub(k, built_keys, &built);
        key_names(sub, -1, names);
        nn_cfg_join(joined, sizeof joined, names, 0);
        if (sub->expect)
            snprintf(buf, n, "%s", sub->expect);
        else
            snprintf(buf, n, "an object with keys %s", joined);
        return;
    }
    case NN_CFG_MODEL:
        snprintf(buf, n,
                 "a non-empty array of layers such as "
                 "[{\"type\": \"dense\", \"units\": 10}]");
        return;
    default:
        num_expect(buf, n, k);
    }
}

int nn_cfg_name_ok(const char *s, size_t n)
{
    if (n < 1 || n > MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return 0;
    return 1;
}

static int in_list(const char *const *items, const char *s)
{
    for (size_t i = 0; items[i]; i++)
        if (strcmp(items[i], s) == 0)
            return 1;
    return 0;
}

/* sec->what with its "%s" replaced by tag (nothing when tag is NULL). */
static void format_what(char *buf, size_t n, const char *what, const char *tag)
{
    const char *pct = what ? strstr(what, "%s") : NULL;
    buf[0] = '\0';
    if (!what || (pct && !tag))
        return;
    if (!pct)
        snprintf(buf, n, " %s", what);
    else
        snprintf(buf, n, " %.*s%s%s", (int)(pct - what), what, tag, pct + 2);
}

/* Rejects duplicate and unknown keys of obj. Did-you-mean looks at every row; the
 * allowed keys listed are those of the variant (all when variant < 0). */
static nn_status check_members(const nn_cfg_ctx *c, const nn_cfg_section *sec, const cJSON *obj,
                               const char *base, int variant, const char *what)
{
    const char *all[MAX_KEYS + 1], *allowed[MAX_KEYS + 1];
    if (!obj)
        return NN_OK;
    key_names(sec, -1, all);
    key_names(sec, variant, allowed);
    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *key = it->string ? it->string : "";
        for (const cJSON *p = obj->child; p != it; p = p->next)
            if (p->string && strcmp(p->string, key) == 0)
                return nn_cfg_fail_at(c, base, key, "duplicate key (each key may appear once)");
        if (in_list(all, key))
            continue;
        const char *sug = nn_cfg_closest(all, key);
        if (sug)
            return nn_cfg_fail_at(c, base, key, "unknown key%s; did you mean \"%s\"?", what, sug);
        char list[512];
        nn_cfg_join(list, sizeof list, allowed, 0);
        return nn_cfg_fail_at(c, base, key, "unknown key%s; allowed keys: %s", what, list);
    }
    return NN_OK;
}

/* *index: the choice v names (-1 when v is absent). */
static nn_status read_enum(const nn_cfg_ctx *c, const nn_cfg_key *k, const cJSON *v,
                           const char *base, int *index)
{
    const char *list[NN_CFG_MAX_CHOICES + 1], *const *ch = nn_cfg_choices(k, list);
    char expect[420], found[NN_CFG_FOUND_MAX + 8];
    *index = -1;
    if (!v)
        return NN_OK;
    nn_cfg_expect(k, expect, sizeof expect);
    if (!cJSON_IsString(v))
        return nn_cfg_wrong(c, base, k->name, expect, v);
    for (int i = 0; ch[i]; i++)
        if (strcmp(ch[i], v->valuestring) == 0) {
            *index = i;
            return NN_OK;
        }
    const char *sug = nn_cfg_closest(ch, v->valuestring);
    if (!sug)
        return nn_cfg_wrong(c, base, k->name, expect, v);
    return nn_cfg_fail_at(c, base, k->name, "expected %s, found %s; did you mean \"%s\"?", expect,
                          nn_cfg_found_text(v, found, sizeof found), sug);
}

/* The variant obj's selector names when it is valid (its default when absent), else -1;
 * fails on nothing: the selector is read with its messages later. */
static int peek_variant(const nn_cfg_section *sec, const cJSON *obj)
{
    if (sec->selector < 0)
        return -1;
    const nn_cfg_key *s = &sec->keys[sec->selector];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, s->name);
    const char *list[NN_CFG_MAX_CHOICES + 1], *const *ch = nn_cfg_choices(s, list);
    if (!v)
        return (s->flags & NN_CFG_REQUIRED) ? -1 : (int)s->def - s->base;
    for (int i = 0; cJSON_IsString(v) && ch[i]; i++)
        if (strcmp(ch[i], v->valuestring) == 0)
            return i;
    return -1;
}

int nn_cfg_first_variant(const nn_cfg_key *k)
{
    int i = 0;
    while (k->variants && !((k->variants >> i) & 1u))
        i++;
    return i;
}

/* Rejects keys of obj that belong to another variant than the selected one. */
static nn_status check_variant(const nn_cfg_ctx *c, const nn_cfg_section *sec, const cJSON *obj,
                               const char *base, int variant)
{
    const nn_cfg_key *s = &sec->keys[sec->selector];
    const char *list[NN_CFG_MAX_CHOICES + 1], *const *ch = nn_cfg_choices(s, list);
    for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next) {
        const nn_cfg_key *other = NULL; /* a row of another variant with this name */
        int own = 0;                    /* a row of this variant has it too */
        for (size_t i = 0; it->string && i < sec->n_keys; i++) {
            const nn_cfg_key *k = &sec->keys[i];
            if (strcmp(k->name, it->string) != 0)
                continue;
            if (in_variant(k, variant))
                own = 1;
            else if (!other)
                other = k;
        }
        if (other && !own)
            return nn_cfg_fail_at(c, base, it->string,
                                  "only allowed with \"%s\": \"%s\" (this %s is \"%s\")",
                                  s->name, ch[nn_cfg_first_variant(other)], sec->noun, ch[variant]);
    }
    return NN_OK;
}

/* An enum's or a boolean's value into p (NULL: not stored): an int, or a double. */
static void store_int(void *p, const nn_cfg_key *k, int value)
{
    if (p && (k->flags & NN_CFG_DOUBLE))
        *(double *)p = value;
    else if (p)
        *(int *)p = value;
}

/* A string, a run name, a boolean or a number from v (present, or absent and optional). */
static nn_status read_scalar(const nn_cfg_ctx *c, const nn_cfg_key *k, const cJSON *v,
                             const char *base, void *p)
{
    char expect[96];
    nn_cfg_expect(k, expect, sizeof expect);
    if (k->type == NN_CFG_STRING || k->type == NN_CFG_NAME) {
        if (!v)
            return NN_OK; /* no string has a default: the field stays NULL */
        const char *s = v->valuestring;
        if (!cJSON_IsString(v) ||
            !(k->type == NN_CFG_NAME ? nn_cfg_name_ok(s, strlen(s)) : s[0] != '\0'))
            return nn_cfg_wrong(c, base, k->name, expect, v);
        if (p && !(*(char **)p = strdup(s)))
            return nn_cfg_oom(c);
        return NN_OK;
    }
    if (k->type == NN_CFG_BOOL) {
        if (v && !cJSON_IsBool(v))
            return nn_cfg_wrong(c, base, k->name, expect, v);
        store_int(p, k, v ? cJSON_IsTrue(v) : (int)k->def);
        return NN_OK;
    }
    if (v && (!cJSON_IsNumber(v) || !num_ok(v->valuedouble, k)))
        return nn_cfg_wrong(c, base, k->name, expect, v);
    double d = v ? v->valuedouble : k->def;
    if (!p)
        return NN_OK;
    if (k->flags & NN_CFG_DOUBLE)
        *(double *)p = d;
    else if (k->type == NN_CFG_INT)
        *(int *)p = (int)d;
    else if (k->type == NN_CFG_SIZE)
        *(size_t *)p = (size_t)d;
    else if (k->type == NN_CFG_U64)
        *(uint64_t *)p = (uint64_t)d;
    else
        *(double *)p = d;
    return NN_OK;
}

/* A sub-section: absent, every key takes its default; else an object walked by its rows. */
static nn_status read_section(const nn_cfg_ctx *c, const nn_cfg_key *k, const cJSON *v,
                              const char *base, void *out)
{
    char path[128], expect[512];
    snprintf(path, sizeof path, "%s%s%s", base, base[0] ? "." : "", k->name);
    if (v && !cJSON_IsObject(v)) {
        nn_cfg_expect(k, expect, sizeof expect);
        return nn_cfg_wrong(c, base, k->name, expect, v);
    }
    nn_cfg_key keys[NN_CFG_MAX_BUILT];
    nn_cfg_section built;
    return nn_cfg_walk(c, nn_cfg_sub(k, keys, &built), v, path, NULL, out);
}

/* Reads key k of a section from v (NULL: absent) into out; active: k belongs to the
 * selected variant (a required key of another variant is not required). */
static nn_status read_key(const nn_cfg_ctx *c, const nn_cfg_key *k, const cJSON *v, int active,
                          const char *base, void *out)
{
    void *p = (k->flags & NN_CFG_UNSTORED) || (!active && (k->flags & NN_CFG_OWN_VARIANT))
                  ? NULL
                  : (char *)out + k->offset;
    char expect[512];
    if (k->type == NN_CFG_LAYER)
        return NN_OK; /* read by the caller, who picked the layer's table by it */
    if (!v && active && (k->flags & NN_CFG_REQUIRED)) {
        nn_cfg_expect(k, expect, sizeof expect);
        return nn_cfg_missing(c, base, k->name, expect);
    }
    if (k->flags & NN_CFG_GIVEN)
        *(int *)((char *)out + k->given) = v != NULL;
    switch (k->type) {
    case NN_CFG_ENUM: {
        int i;
        NN_CFG_TRY(read_enum(c, k, v, base, &i));
        store_int(p, k, i >= 0 ? k->base + i : (int)k->def);
        return NN_OK;
    }
    case NN_CFG_SECTION:
        return read_section(c, k, v, base, out);
    case NN_CFG_MODEL:
        nn_cfg_expect(k, expect, sizeof expect);
        return nn_cfg_parse_model(c, v, expect, out);
    default:
        return read_scalar(c, k, v, base, p);
    }
}

nn_status nn_cfg_walk(const nn_cfg_ctx *c, const nn_cfg_section *sec, const cJSON *obj,
                      const char *base, const char *tag, void *out)
{
    const char *list[NN_CFG_MAX_CHOICES + 1];
    char what[96];
    int variant = peek_variant(sec, obj);
    if (sec->selector >= 0)
        tag = variant >= 0 ? nn_cfg_choices(&sec->keys[sec->selector], list)[variant] : NULL;
    format_what(what, sizeof what, sec->what, tag);
    NN_CFG_TRY(check_members(c, sec, obj, base, variant, what));
    if (sec->selector >= 0) {
        const nn_cfg_key *s = &sec->keys[sec->selector];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, s->name);
        NN_CFG_TRY(read_key(c, s, v, 1, base, out));
        NN_CFG_TRY(check_variant(c, sec, obj, base, variant)); /* valid now: read_key passed */
    }
    for (size_t i = 0; i < sec->n_keys; i++) {
        const nn_cfg_key *k = &sec->keys[i];
        int active = in_variant(k, variant);
        if ((int)i == sec->selector)
            continue;
        const cJSON *v = active ? cJSON_GetObjectItemCaseSensitive(obj, k->name) : NULL;
        NN_CFG_TRY(read_key(c, k, v, active, base, out));
    }
    return NN_OK;
}
