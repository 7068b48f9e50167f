/* config.c - reads the JSON run configuration into an nn_config.
 *
 * Flow: read the file (size-capped) -> cJSON parse (syntax errors with line:column and
 * byte offset) -> apply "--set PATH=VALUE" overrides to the tree -> validate section by
 * section into a zeroed nn_config. Each JSON object has a NULL-terminated list of its
 * allowed keys; the same list rejects unknown or duplicate keys and feeds the "did you
 * mean" suggestion. The typed getters below all take (object, path of the object, key)
 * and produce the messages "<source>: <path>: expected <what>, found <json>". */
#include "config/config.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE_BYTES ((size_t)16 << 20)
#define MAX_EXACT_INT 9007199254740992.0 /* 2^53: larger doubles are not exact integers */
#define FOUND_MAX 40                     /* characters of a found value shown in messages */
#define MAX_NAME 64
#define MAX_TYPES 63 /* activation names listed in messages (plus "dense") */

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        nn_status try_st_ = (expr);                                                                \
        if (try_st_ != NN_OK)                                                                      \
            return try_st_;                                                                        \
    } while (0)

/* What every validation function needs: the name for messages and the error out. */
typedef struct ctx {
    const char *src;
    nn_error *err;
} ctx;

/* ---------------------------------------------------------------- messages */

static nn_status oom(const ctx *c)
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

static nn_status fail_at(const ctx *c, const char *base, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static nn_status fail_at(const ctx *c, const char *base, const char *key, const char *fmt, ...)
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

/* A JSON value as compact text, cut to FOUND_MAX characters. */
static const char *found_text(const cJSON *v, char *buf, size_t n)
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
    if (strlen(text) > FOUND_MAX)
        snprintf(buf, n, "%.*s...", FOUND_MAX - 3, text);
    else
        snprintf(buf, n, "%s", text);
    cJSON_free(text);
    return buf;
}

/* items joined by ", ", each optionally in double quotes; cut with "..." when long. */
static void join_list(char *buf, size_t n, const char *const *items, int quoted)
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

/* ---------------------------------------------------------------- suggestions */

/* Optimal-string-alignment (Damerau) distance, case-insensitive; SIZE_MAX when a
 * string is too long to be worth comparing. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { L = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= L || lb >= L)
        return SIZE_MAX;
    size_t prev2[L + 1], prev[L + 1], cur[L + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        memcpy(prev2, prev, sizeof prev);
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

/* The candidate closest to s when it is reasonably close (about one typo per four
 * characters), else NULL. */
static const char *closest(const char *const *cands, const char *s)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; cands[i]; i++) {
        size_t len = strlen(cands[i]);
        size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
        size_t d = edit_distance(s, cands[i]);
        if (d <= limit && d < best_d && (d < strlen(s) || d == 0)) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

static int in_list(const char *const *items, const char *s)
{
    for (size_t i = 0; items[i]; i++)
        if (strcmp(items[i], s) == 0)
            return 1;
    return 0;
}

/* Rejects duplicate and unknown keys of obj (NULL: nothing to check). what, when not
 * NULL, says whose keys these are ("for a dense layer"). */
static nn_status check_keys(const ctx *c, const cJSON *obj, const char *base,
                            const char *const *keys, const char *what)
{
    if (!obj)
        return NN_OK;
    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *key = it->string ? it->string : "";
        for (const cJSON *p = obj->child; p != it; p = p->next)
            if (p->string && strcmp(p->string, key) == 0)
                return fail_at(c, base, key, "duplicate key (each key may appear once)");
        if (in_list(keys, key))
            continue;
        const char *sug = closest(keys, key);
        if (sug)
            return fail_at(c, base, key, "unknown key%s%s; did you mean \"%s\"?", what ? " " : "",
                           what ? what : "", sug);
        char allowed[512];
        join_list(allowed, sizeof allowed, keys, 0);
        return fail_at(c, base, key, "unknown key%s%s; allowed keys: %s", what ? " " : "",
                       what ? what : "", allowed);
    }
    return NN_OK;
}

/* ---------------------------------------------------------------- typed getters */

enum { NUM_INT = 1, NUM_LO_OPEN = 2, NUM_HI_OPEN = 4 };

typedef struct num_spec {
    double lo, hi; /* +-INFINITY: unbounded on that side */
    unsigned flags;
} num_spec;

static void fmt_bound(char *buf, size_t n, double v)
{
    if (v == MAX_EXACT_INT)
        snprintf(buf, n, "2^53");
    else
        snprintf(buf, n, "%.15g", v);
}

/* "an integer in [1, 65536]", "a number in (0, 1000]", "a number >= 0", ... */
static void num_expect(char *buf, size_t n, num_spec s)
{
    const char *what = (s.flags & NUM_INT) ? "an integer" : "a number";
    char lo[32], hi[32];
    fmt_bound(lo, sizeof lo, s.lo);
    fmt_bound(hi, sizeof hi, s.hi);
    if (isinf(s.lo) && isinf(s.hi))
        snprintf(buf, n, "%s", (s.flags & NUM_INT) ? what : "a finite number");
    else if (isinf(s.hi))
        snprintf(buf, n, "%s %s %s", what, (s.flags & NUM_LO_OPEN) ? ">" : ">=", lo);
    else if (isinf(s.lo))
        snprintf(buf, n, "%s %s %s", what, (s.flags & NUM_HI_OPEN) ? "<" : "<=", hi);
    else
        snprintf(buf, n, "%s in %c%s, %s%c", what, (s.flags & NUM_LO_OPEN) ? '(' : '[', lo, hi,
                 (s.flags & NUM_HI_OPEN) ? ')' : ']');
}

static int num_ok(double x, num_spec s)
{
    if (!isfinite(x))
        return 0;
    if ((s.flags & NUM_INT) && x != floor(x))
        return 0;
    if (x < s.lo || (x == s.lo && (s.flags & NUM_LO_OPEN)))
        return 0;
    if (x > s.hi || (x == s.hi && (s.flags & NUM_HI_OPEN)))
        return 0;
    return 1;
}

static nn_status missing(const ctx *c, const char *base, const char *key, const char *expect)
{
    return fail_at(c, base, key, "required key is missing; expected %s", expect);
}

static nn_status wrong(const ctx *c, const char *base, const char *key, const char *expect,
                       const cJSON *v)
{
    char found[FOUND_MAX + 8];
    return fail_at(c, base, key, "expected %s, found %s", expect,
                   found_text(v, found, sizeof found));
}

/* A number obeying s; absent: def, or an error when required. obj may be NULL. */
static nn_status get_num(const ctx *c, const cJSON *obj, const char *base, const char *key,
                         num_spec s, int required, double def, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char expect[96];
    if (!v && !required) {
        *out = def;
        return NN_OK;
    }
    num_expect(expect, sizeof expect, s);
    if (!v)
        return missing(c, base, key, expect);
    if (!cJSON_IsNumber(v) || !num_ok(v->valuedouble, s))
        return wrong(c, base, key, expect, v);
    *out = v->valuedouble;
    return NN_OK;
}

/* An integer in [lo, hi] (hi <= 2^53) as size_t. */
static nn_status get_size(const ctx *c, const cJSON *obj, const char *base, const char *key,
                          double lo, double hi, int required, double def, size_t *out)
{
    double d = 0;
    num_spec s = {lo, hi, NUM_INT};
    TRY(get_num(c, obj, base, key, s, required, def, &d));
    *out = (size_t)d;
    return NN_OK;
}

static nn_status get_bool(const ctx *c, const cJSON *obj, const char *base, const char *key,
                          int def, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        *out = def;
        return NN_OK;
    }
    if (!cJSON_IsBool(v))
        return wrong(c, base, key, "true or false", v);
    *out = cJSON_IsTrue(v);
    return NN_OK;
}

/* A non-empty string, copied; absent: a copy of def (NULL stays NULL) or an error. */
static nn_status get_str(const ctx *c, const cJSON *obj, const char *base, const char *key,
                         int required, const char *def, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    const char *s = def;
    if (!v && required)
        return missing(c, base, key, "a non-empty string");
    if (v) {
        if (!cJSON_IsString(v) || !v->valuestring[0])
            return wrong(c, base, key, "a non-empty string", v);
        s = v->valuestring;
    }
    if (s && !(*out = strdup(s)))
        return oom(c);
    return NN_OK;
}

/* One of the NULL-terminated choices; *out is its index. */
static nn_status get_enum(const ctx *c, const cJSON *obj, const char *base, const char *key,
                          const char *const *choices, int required, size_t def, size_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char allowed[400], expect[420];
    if (!v && !required) {
        *out = def;
        return NN_OK;
    }
    join_list(allowed, sizeof allowed, choices, 1);
    snprintf(expect, sizeof expect, "%s%s", choices[1] ? "one of " : "", allowed);
    if (!v)
        return missing(c, base, key, expect);
    if (cJSON_IsString(v)) {
        for (size_t i = 0; choices[i]; i++)
            if (strcmp(choices[i], v->valuestring) == 0) {
                *out = i;
                return NN_OK;
            }
        const char *sug = closest(choices, v->valuestring);
        if (sug) {
            char found[FOUND_MAX + 8];
            return fail_at(c, base, key, "expected %s, found %s; did you mean \"%s\"?", expect,
                           found_text(v, found, sizeof found), sug);
        }
    }
    return wrong(c, base, key, expect, v);
}

/* A section object (NULL when absent and optional). */
static nn_status get_section(const ctx *c, const cJSON *root, const char *key, int required,
                             const char *const *keys, const cJSON **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    char expect[512], allowed[480];
    *out = NULL;
    if (!v && !required)
        return NN_OK;
    join_list(allowed, sizeof allowed, keys, 0);
    snprintf(expect, sizeof expect, "an object with keys %s", allowed);
    if (!v)
        return missing(c, "", key, expect);
    if (!cJSON_IsObject(v))
        return wrong(c, "", key, expect, v);
    *out = v;
    return check_keys(c, v, key, keys, NULL);
}

/* ---------------------------------------------------------------- name, seed, output */

static int name_ok(const char *s, size_t n)
{
    if (n < 1 || n > MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return 0;
    return 1;
}

/* The source's base name without ".json" when that is a valid name, else "run". */
static char *default_name(const char *source)
{
    const char *b = source ? strrchr(source, '/') : NULL;
    b = b ? b + 1 : source;
    size_t n = b ? strlen(b) : 0;
    if (n >= 5 && strcmp(b + n - 5, ".json") == 0)
        n -= 5;
    if (!b || !name_ok(b, n)) {
        b = "run";
        n = 3;
    }
    return strndup(b, n);
}

static nn_status parse_name(const ctx *c, const cJSON *root, const char *source, nn_config *cfg)
{
    static const char expect[] = "1 to 64 characters from A-Z a-z 0-9 _ . -";
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (v && (!cJSON_IsString(v) || !name_ok(v->valuestring, strlen(v->valuestring))))
        return wrong(c, "", "name", expect, v);
    cfg->name = v ? strdup(v->valuestring) : default_name(source);
    return cfg->name ? NN_OK : oom(c);
}

static nn_status parse_output(const ctx *c, const cJSON *root, nn_config *cfg)
{
    static const char *const keys[] = {"csv", NULL};
    const cJSON *sec;
    TRY(get_section(c, root, "output", 0, keys, &sec));
    TRY(get_str(c, sec, "output", "csv", 0, NULL, &cfg->csv));
    if (cfg->csv)
        return NN_OK;
    size_t n = strlen(cfg->name) + sizeof "runs/.csv";
    if (!(cfg->csv = malloc(n)))
        return oom(c);
    snprintf(cfg->csv, n, "runs/%s.csv", cfg->name);
    return NN_OK;
}

/* ---------------------------------------------------------------- data, train, dead */

static nn_status parse_data(const ctx *c, const cJSON *root, nn_config *cfg)
{
    static const char *const keys[] = {
        "format",    "train_images", "train_labels", "test_images", "test_labels",
        "train_dir", "test_dir",     "channels",     "on_bad_file", "normalize",
        "train_limit", "test_limit", "validation",   NULL};
    /* Keys that belong to one format only. */
    static const char *const idx_keys[] = {"train_images", "train_labels", "test_images",
                                           "test_labels", NULL};
    static const char *const folder_keys[] = {"train_dir", "test_dir", "channels", "on_bad_file",
                                              NULL};
    static const char *const formats[] = {"idx", "image_folder", NULL};
    static const char *const norms[] = {"unit", "standard", NULL};
    static const char *const on_bad[] = {"error", "skip", NULL};
    const num_spec channels = {1, 3, NUM_INT};
    const cJSON *sec;
    size_t k;
    TRY(get_section(c, root, "data", 1, keys, &sec));
    TRY(get_enum(c, sec, "data", "format", formats, 1, 0, &k));
    if (!(cfg->data.format = strdup(formats[k])))
        return oom(c);
    cfg->data.kind = k == 1 ? NN_DATA_IMAGE_FOLDER : NN_DATA_IDX;
    const char *const *other = k == 1 ? idx_keys : folder_keys;
    for (const cJSON *it = sec->child; it; it = it->next)
        if (it->string && in_list(other, it->string))
            return fail_at(c, "data", it->string,
                           "only allowed with \"format\": \"%s\" (this data is \"%s\")",
                           formats[1 - k], formats[k]);
    cfg->data.channels = 1;
    if (cfg->data.kind == NN_DATA_IDX) {
        TRY(get_str(c, sec, "data", "train_images", 1, NULL, &cfg->data.train_images));
        TRY(get_str(c, sec, "data", "train_labels", 1, NULL, &cfg->data.train_labels));
        TRY(get_str(c, sec, "data", "test_images", 1, NULL, &cfg->data.test_images));
        TRY(get_str(c, sec, "data", "test_labels", 1, NULL, &cfg->data.test_labels));
    } else {
        double ch = 1;
        TRY(get_str(c, sec, "data", "train_dir", 1, NULL, &cfg->data.train_dir));
        TRY(get_str(c, sec, "data", "test_dir", 1, NULL, &cfg->data.test_dir));
        TRY(get_num(c, sec, "data", "channels", channels, 0, 1, &ch));
        if (ch == 2)
            return wrong(c, "data", "channels", "1 (grayscale) or 3 (RGB)",
                         cJSON_GetObjectItemCaseSensitive(sec, "channels"));
        cfg->data.channels = (size_t)ch;
        TRY(get_enum(c, sec, "data", "on_bad_file", on_bad, 0, 0, &k));
        cfg->data.skip_bad_files = k == 1;
    }
    TRY(get_enum(c, sec, "data", "normalize", norms, 0, 0, &k));
    cfg->data.normalize = k == 1 ? NN_NORM_STANDARD : NN_NORM_UNIT;
    TRY(get_size(c, sec, "data", "train_limit", 0, MAX_EXACT_INT, 0, 0, &cfg->data.train_limit));
    TRY(get_size(c, sec, "data", "test_limit", 0, MAX_EXACT_INT, 0, 0, &cfg->data.test_limit));
    return get_size(c, sec, "data", "validation", 0, MAX_EXACT_INT, 0, 0, &cfg->data.validation);
}

static nn_status parse_train(const ctx *c, const cJSON *root, nn_config *cfg)
{
    static const char *const keys[] = {"epochs",  "batch_size",      "shuffle",
                                       "threads", "flush_denormals", NULL};
    const cJSON *sec;
    TRY(get_section(c, root, "train", 0, keys, &sec));
    TRY(get_size(c, sec, "train", "epochs", 0, 1000000, 0, 10, &cfg->train.epochs));
    TRY(get_size(c, sec, "train", "batch_size", 1, 65536, 0, 64, &cfg->train.batch_size));
    size_t threads;
    TRY(get_size(c, sec, "train", "threads", 0, 64, 0, 0, &threads));
    cfg->train.threads = (int)threads;
    TRY(get_bool(c, sec, "train", "flush_denormals", 1, &cfg->train.flush_denormals));
    return get_bool(c, sec, "train", "shuffle", 1, &cfg->train.shuffle);
}

static nn_status parse_dead(const ctx *c, const cJSON *root, nn_config *cfg)
{
    static const char *const keys[] = {"probe", "samples", NULL};
    static const char *const probes[] = {"test", "train", "val", NULL};
    const cJSON *sec;
    size_t k;
    TRY(get_section(c, root, "dead_units", 0, keys, &sec));
    TRY(get_enum(c, sec, "dead_units", "probe", probes, 0, 0, &k));
    cfg->dead.probe = k == 2 ? NN_PROBE_VAL : k == 1 ? NN_PROBE_TRAIN : NN_PROBE_TEST;
    if (cfg->dead.probe == NN_PROBE_VAL && cfg->data.validation == 0)
        return fail_at(c, "dead_units", "probe",
                       "\"val\" needs a validation split, but data.validation is 0; set "
                       "data.validation to the number of training samples to hold out");
    return get_size(c, sec, "dead_units", "samples", 0, MAX_EXACT_INT, 0, 0, &cfg->dead.samples);
}

/* ---------------------------------------------------------------- optimizer */

static nn_status parse_schedule(const ctx *c, const cJSON *opt, nn_config *cfg)
{
    static const char *const kinds[] = {"none", "step", "cosine", NULL};
    static const char *const step_keys[] = {"type", "step_size", "gamma", NULL};
    static const char *const other_keys[] = {"type", NULL};
    static const char base[] = "optimizer.schedule";
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(opt, "schedule");
    size_t k;
    if (!s)
        return NN_OK; /* NN_SCHED_NONE, zeroed */
    if (!cJSON_IsObject(s))
        return wrong(c, "optimizer", "schedule",
                     "an object such as {\"type\": \"step\", \"step_size\": 10, \"gamma\": 0.1}",
                     s);
    TRY(get_enum(c, s, base, "type", kinds, 0, 0, &k));
    if (k != 1) {
        for (const cJSON *it = s->child; it; it = it->next)
            if (it->string && strcmp(it->string, "type") != 0 && in_list(step_keys, it->string))
                return fail_at(c, base, it->string,
                               "only allowed with \"type\": \"step\" (this schedule is \"%s\")",
                               kinds[k]);
        TRY(check_keys(c, s, base, other_keys, NULL));
        cfg->optim.schedule = k == 2 ? NN_SCHED_COSINE : NN_SCHED_NONE;
        return NN_OK;
    }
    TRY(check_keys(c, s, base, step_keys, "for a \"step\" schedule"));
    cfg->optim.schedule = NN_SCHED_STEP;
    TRY(get_size(c, s, base, "step_size", 1, MAX_EXACT_INT, 1, 0, &cfg->optim.step_size));
    num_spec gamma = {0, 10, NUM_LO_OPEN};
    return get_num(c, s, base, "gamma", gamma, 0, 0.1, &cfg->optim.gamma);
}

static nn_status parse_optim(const ctx *c, const cJSON *root, nn_config *cfg)
{
    static const char *const keys[] = {"type",         "lr",       "momentum", "dampening",
                                       "weight_decay", "nesterov", "schedule", NULL};
    static const char *const types[] = {"sgd", NULL};
    static const char base[] = "optimizer";
    const num_spec lr = {0, 1e3, NUM_LO_OPEN}, mom = {0, 1, NUM_HI_OPEN}, damp = {0, 1, 0},
                   wd = {0, 1, 0};
    const cJSON *sec;
    size_t k;
    TRY(get_section(c, root, base, 0, keys, &sec));
    TRY(get_enum(c, sec, base, "type", types, 0, 0, &k));
    TRY(get_num(c, sec, base, "lr", lr, 0, 0.01, &cfg->optim.lr));
    TRY(get_num(c, sec, base, "momentum", mom, 0, 0, &cfg->optim.momentum));
    TRY(get_num(c, sec, base, "dampening", damp, 0, 0, &cfg->optim.dampening));
    TRY(get_num(c, sec, base, "weight_decay", wd, 0, 0, &cfg->optim.weight_decay));
    TRY(get_bool(c, sec, base, "nesterov", 0, &cfg->optim.nesterov));
    if (cfg->optim.nesterov && (cfg->optim.momentum <= 0 || cfg->optim.dampening != 0))
        return fail_at(c, base, "nesterov",
                       "Nesterov momentum requires momentum > 0 and dampening = 0 (PyTorch's "
                       "rule); here momentum = %g and dampening = %g",
                       cfg->optim.momentum, cfg->optim.dampening);
    cfg->optim.step_size = 0;
    cfg->optim.gamma = 0.1;
    return parse_schedule(c, sec, cfg);
}

/* ---------------------------------------------------------------- model */

/* "dense" followed by every activation name, NULL-terminated, in types[MAX_TYPES + 2]. */
static void layer_types(const char **types)
{
    size_t n = 0;
    types[n++] = "dense";
    for (size_t i = 0; nn_activations[i] && n <= MAX_TYPES; i++)
        types[n++] = nn_activations[i]->name;
    types[n] = NULL;
}

static nn_status parse_type(const ctx *c, const cJSON *e, const char *base, const nn_act_def **act)
{
    const char *types[MAX_TYPES + 2];
    char allowed[512], found[FOUND_MAX + 8];
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
    layer_types(types);
    join_list(allowed, sizeof allowed, types, 0);
    if (!t)
        return fail_at(c, base, "type", "required key is missing; allowed types: %s", allowed);
    if (!cJSON_IsString(t))
        return fail_at(c, base, "type", "expected a layer type (one of %s), found %s", allowed,
                       found_text(t, found, sizeof found));
    *act = NULL;
    if (strcmp(t->valuestring, "dense") == 0)
        return NN_OK;
    if ((*act = nn_act_find(t->valuestring)))
        return NN_OK;
    const char *sug = closest(types, t->valuestring);
    found_text(t, found, sizeof found);
    if (sug)
        return fail_at(c, base, "type",
                       "unknown layer type %s; did you mean \"%s\"? allowed types: %s", found, sug,
                       allowed);
    return fail_at(c, base, "type", "unknown layer type %s; allowed types: %s", found, allowed);
}

static nn_status parse_dense(const ctx *c, const cJSON *e, const char *base, nn_module_spec *m)
{
    static const char *const keys[] = {"type", "units", "bias", "init", "bias_init", NULL};
    const char *inits[NN_INIT_TORCH_DEFAULT + 1];
    const num_spec bias_range = {-1e6, 1e6, 0}; /* finite as a float, with room to spare */
    size_t k;
    for (int i = NN_INIT_HE_NORMAL; i <= NN_INIT_TORCH_DEFAULT; i++)
        inits[i - NN_INIT_HE_NORMAL] = nn_init_name((nn_init_kind)i);
    inits[NN_INIT_TORCH_DEFAULT] = NULL;
    TRY(check_keys(c, e, base, keys, "for a dense layer"));
    TRY(get_size(c, e, base, "units", 1, 1048576, 1, 0, &m->units));
    TRY(get_bool(c, e, base, "bias", 1, &m->bias));
    m->init = NN_INIT_AUTO;
    if (cJSON_GetObjectItemCaseSensitive(e, "init")) {
        TRY(get_enum(c, e, base, "init", inits, 1, 0, &k));
        m->init = nn_init_from_name(inits[k]);
    }
    m->bias_init_set = cJSON_GetObjectItemCaseSensitive(e, "bias_init") != NULL;
    if (m->bias_init_set && !m->bias)
        return fail_at(c, base, "bias_init", "given, but this layer has \"bias\": false");
    return get_num(c, e, base, "bias_init", bias_range, 0, 0, &m->bias_init);
}

static nn_status parse_activation(const ctx *c, const cJSON *e, const char *base,
                                  nn_module_spec *m)
{
    const nn_act_def *act = m->act;
    const char *keys[NN_MAX_HPARAMS + 2];
    char what[96];
    int n = act->n_hparams < NN_MAX_HPARAMS ? act->n_hparams : NN_MAX_HPARAMS;
    keys[0] = "type";
    for (int k = 0; k < n; k++)
        keys[k + 1] = act->hparams[k].name;
    keys[n + 1] = NULL;
    snprintf(what, sizeof what, "for a \"%s\" layer", act->name);
    TRY(check_keys(c, e, base, keys, what));
    for (int k = 0; k < n; k++) {
        const nn_hparam_spec *h = &act->hparams[k];
        num_spec s = {h->min, h->max, h->integer ? NUM_INT : 0u};
        TRY(get_num(c, e, base, h->name, s, 0, h->def, &m->hp[k]));
    }
    return NN_OK;
}

static nn_status parse_module(const ctx *c, const cJSON *e, const char *base, nn_module_spec *m)
{
    if (!cJSON_IsObject(e))
        return wrong(c, base, NULL, "a layer object such as {\"type\": \"dense\", \"units\": 10}",
                     e);
    TRY(parse_type(c, e, base, &m->act));
    return m->act ? parse_activation(c, e, base, m) : parse_dense(c, e, base, m);
}

/* Runs each activation's width check. input_dim 0: the input width is unknown, so
 * activations before the first dense layer are not checked. */
static nn_status check_widths(const ctx *c, const nn_module_spec *mods, size_t n,
                              size_t input_dim)
{
    size_t width = input_dim, from = SIZE_MAX; /* from: index of the dense giving width */
    for (size_t i = 0; i < n; i++) {
        const nn_module_spec *m = &mods[i];
        char why[256], hps[160], origin[64], base[32];
        if (!m->act) {
            width = m->units;
            from = i;
            continue;
        }
        if (!m->act->check || width == 0 || !m->act->check(m->hp, width, why, sizeof why))
            continue;
        size_t used = 0;
        hps[0] = '\0';
        for (int k = 0; k < m->act->n_hparams && k < NN_MAX_HPARAMS && used < sizeof hps; k++)
            used += (size_t)snprintf(hps + used, sizeof hps - used, "%s%s = %.15g", k ? ", " : "",
                                     m->act->hparams[k].name, m->hp[k]);
        if (from == SIZE_MAX)
            snprintf(origin, sizeof origin, "the input's %zu features", width);
        else
            snprintf(origin, sizeof origin, "model[%zu].units", from);
        snprintf(base, sizeof base, "model[%zu]", i);
        return fail_at(c, base, NULL, "%s (%s) does not fit its width %zu (from %s); allowed: %s",
                       m->act->name, hps, width, origin, why);
    }
    return NN_OK;
}

static nn_status parse_model(const ctx *c, const cJSON *root, nn_config *cfg)
{
    static const char expect[] = "a non-empty array of layers such as "
                                 "[{\"type\": \"dense\", \"units\": 10}]";
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!m)
        return missing(c, "", "model", expect);
    if (!cJSON_IsArray(m))
        return wrong(c, "", "model", expect, m);
    size_t n = (size_t)cJSON_GetArraySize(m), i = 0;
    if (n == 0)
        return fail_at(c, "", "model", "the model is empty; expected %s", expect);
    if (!(cfg->modules = calloc(n, sizeof *cfg->modules)))
        return oom(c);
    cfg->n_modules = n;
    for (const cJSON *e = m->child; e; e = e->next, i++) {
        char base[32];
        snprintf(base, sizeof base, "model[%zu]", i);
        TRY(parse_module(c, e, base, &cfg->modules[i]));
    }
    if (cfg->modules[n - 1].act) {
        char base[32];
        snprintf(base, sizeof base, "model[%zu]", n - 1);
        return fail_at(c, base, NULL,
                       "the model must end with a dense layer (the output layer, one unit per "
                       "class), but %s is a \"%s\" layer",
                       base, cfg->modules[n - 1].act->name);
    }
    return check_widths(c, cfg->modules, n, 0);
}

/* ---------------------------------------------------------------- JSON text */

/* The text at p, up to one line and ~24 bytes, with non-printable ASCII as '?' and no
 * cut UTF-8 sequence at the end. */
static void excerpt(char *buf, size_t n, const char *p)
{
    size_t k = 0;
    while (p[k] && p[k] != '\n' && p[k] != '\r' && k < 24 && k + 1 < n) {
        unsigned char ch = (unsigned char)p[k];
        buf[k] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
        k++;
    }
    size_t j = k;
    while (j > 0 && ((unsigned char)buf[j - 1] & 0xC0) == 0x80)
        j--;
    if (j > 0 && ((unsigned char)buf[j - 1] & 0x80)) {
        unsigned char lead = (unsigned char)buf[j - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (k - (j - 1) < need)
            k = j - 1;
    }
    buf[k] = '\0';
}

/* A hint for common mistakes at the error position. */
static const char *syntax_hint(const char *json, size_t off)
{
    size_t j = off;
    if (json[off] == '/' && (json[off + 1] == '/' || json[off + 1] == '*'))
        return " (JSON has no comments)";
    while (j > 0 && isspace((unsigned char)json[j - 1]))
        j--;
    if (j > 0 && json[j - 1] == ',' && (json[off] == '}' || json[off] == ']'))
        return " (trailing comma?)";
    if (json[off] == '\'')
        return " (JSON strings use double quotes)";
    return "";
}

/* A strict JSON recognizer, run only after cJSON failed, to find the first error and
 * say what was expected there (cJSON's error pointer can land past the real spot, e.g.
 * at the end of the text for a trailing comma). */
typedef struct scan {
    const char *s;
    size_t i;
    const char *why; /* set at the first error; s + i is where */
    size_t open;     /* offset of the innermost unclosed string, { or [ */
} scan;

enum { SCAN_MAX_DEPTH = 1000 };

static int scan_fail(scan *sc, const char *why)
{
    if (!sc->why)
        sc->why = why;
    return 0;
}

static void scan_ws(scan *sc)
{
    sc->i += strspn(sc->s + sc->i, " \t\r\n");
}

static int scan_string(scan *sc)
{
    size_t start = sc->i++;
    for (;;) {
        unsigned char ch = (unsigned char)sc->s[sc->i];
        if (ch == '"') {
            sc->i++;
            return 1;
        }
        if (ch == '\0') {
            sc->open = start;
            return scan_fail(sc, "unexpected end of text inside a string");
        }
        if (ch < 0x20)
            return scan_fail(sc, "control character inside a string (write \\n, \\t, ...)");
        if (ch == '\\') {
            char e = sc->s[sc->i + 1];
            size_t hex = e == 'u' ? strspn(sc->s + sc->i + 2, "0123456789abcdefABCDEF") : 0;
            if (!e || !strchr("\"\\/bfnrtu", e) || (e == 'u' && hex < 4))
                return scan_fail(sc, "invalid escape in a string");
            sc->i += e == 'u' ? 6 : 2;
            continue;
        }
        sc->i++;
    }
}

static int scan_number(scan *sc)
{
    const char *p = sc->s + sc->i, *q = p;
    q += *q == '-';
    if (*q == '0')
        q++;
    else if (isdigit((unsigned char)*q))
        q += strspn(q, "0123456789");
    else
        return scan_fail(sc, "expected a value");
    if (*q == '.') {
        if (!isdigit((unsigned char)q[1]))
            return sc->i = (size_t)(q + 1 - sc->s), scan_fail(sc, "expected a digit after '.'");
        q += 1 + strspn(q + 1, "0123456789");
    }
    if (*q == 'e' || *q == 'E') {
        q += 1 + (q[1] == '+' || q[1] == '-');
        if (!isdigit((unsigned char)*q))
            return sc->i = (size_t)(q - sc->s), scan_fail(sc, "expected a digit in the exponent");
        q += strspn(q, "0123456789");
    }
    sc->i = (size_t)(q - sc->s);
    return 1;
}

static int scan_value(scan *sc, int depth);

/* The members of an object or the items of an array, after the opening bracket. */
static int scan_container(scan *sc, int depth, char close)
{
    scan_ws(sc);
    if (sc->s[sc->i] == close) {
        sc->i++;
        return 1;
    }
    for (;;) {
        if (close == '}') {
            if (sc->s[sc->i] != '"')
                return scan_fail(sc, "expected a key in double quotes");
            if (!scan_string(sc))
                return 0;
            scan_ws(sc);
            if (sc->s[sc->i] != ':')
                return scan_fail(sc, "expected ':' after the key");
            sc->i++;
        }
        if (!scan_value(sc, depth + 1))
            return 0;
        scan_ws(sc);
        char ch = sc->s[sc->i];
        if (ch == close) {
            sc->i++;
            return 1;
        }
        if (ch != ',')
            return scan_fail(sc, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        sc->i++;
        scan_ws(sc);
    }
}

static int scan_value(scan *sc, int depth)
{
    static const char *const lits[] = {"true", "false", "null"};
    scan_ws(sc);
    char ch = sc->s[sc->i];
    if (depth > SCAN_MAX_DEPTH)
        return scan_fail(sc, "nested too deeply");
    if (ch == '\0')
        return scan_fail(sc, "unexpected end of text");
    if (ch == '{' || ch == '[') {
        size_t start = sc->i++;
        if (scan_container(sc, depth, ch == '{' ? '}' : ']'))
            return 1;
        if (!sc->s[sc->i] && sc->open == SIZE_MAX)
            sc->open = start; /* the innermost bracket left open at the end */
        return 0;
    }
    if (ch == '"')
        return scan_string(sc);
    for (size_t k = 0; k < 3; k++)
        if (strncmp(sc->s + sc->i, lits[k], strlen(lits[k])) == 0) {
            sc->i += strlen(lits[k]);
            return 1;
        }
    return scan_number(sc);
}

/* 1-based line and column (in bytes) of offset off. */
static void line_col(const char *s, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++, (*col)++)
        if (s[i] == '\n') {
            (*line)++;
            *col = 0;
        }
}

/* Fills sc with the first syntax error of s; 0 when s is valid JSON. */
static int scan_json(scan *sc, const char *s)
{
    memset(sc, 0, sizeof *sc);
    sc->s = s;
    sc->open = SIZE_MAX;
    if (strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        sc->i = 3;
    if (scan_value(sc, 0)) {
        scan_ws(sc);
        if (!sc->s[sc->i])
            return 0;
        scan_fail(sc, "unexpected text after the JSON value");
    }
    return 1;
}

static nn_status syntax_error(const ctx *c, const char *json, const char *cjson_end)
{
    scan sc;
    size_t len = strlen(json), line, col;
    if (!scan_json(&sc, json)) { /* cJSON failed where the recognizer did not */
        sc.i = cjson_end && cjson_end >= json ? (size_t)(cjson_end - json) : 0;
        sc.why = NULL;
    }
    if (sc.i > len)
        sc.i = len;
    line_col(json, sc.i, &line, &col);
    char where[96], near[32], opened[64] = "";
    snprintf(where, sizeof where, "%zu:%zu (byte %zu)", line, col, sc.i);
    if (strspn(json, " \t\r\n") == len)
        return nn_fail(c->err, NN_ECONFIG, "%s:%s: invalid JSON: the text is empty", c->src, where);
    if (sc.open != SIZE_MAX) {
        size_t ol, oc;
        line_col(json, sc.open, &ol, &oc);
        snprintf(opened, sizeof opened, " (the '%c' at %zu:%zu is not closed)", json[sc.open], ol,
                 oc);
    }
    if (sc.i >= len)
        return nn_fail(c->err, NN_ECONFIG, "%s:%s: invalid JSON: unexpected end of text%s", c->src,
                       where, opened);
    excerpt(near, sizeof near, json + sc.i);
    return nn_fail(c->err, NN_ECONFIG, "%s:%s: invalid JSON near '%s'%s%s%s", c->src, where, near,
                   sc.why ? ": " : "", sc.why ? sc.why : "", syntax_hint(json, sc.i));
}

/* Offset of the first "\u0000" escape in JSON text, or -1. cJSON keeps strings
 * NUL-terminated, so such a string would be silently cut short: it is refused instead. */
static long nul_escape(const char *s)
{
    for (const char *p = s; (p = strchr(p, '\\')) != NULL; p += 2) {
        if (p[1] == '\0')
            break;
        if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0)
            return (long)(p - s);
    }
    return -1;
}

static nn_status parse_json(const ctx *c, const char *json, cJSON **out)
{
    const char *end = NULL;
    long nul = nul_escape(json);
    *out = NULL;
    if (nul >= 0) {
        size_t line, col;
        line_col(json, (size_t)nul, &line, &col);
        return nn_fail(c->err, NN_ECONFIG,
                       "%s:%zu:%zu (byte %ld): a string contains \\u0000 (a NUL character), "
                       "which no key or value may hold",
                       c->src, line, col, nul);
    }
    *out = cJSON_ParseWithOpts(json, &end, 1);
    return *out ? NN_OK : syntax_error(c, json, end);
}

/* ---------------------------------------------------------------- overrides */

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
static nn_status override_step(const ctx *c, cJSON *cur, const char *seg, int last, cJSON **val,
                               cJSON **next, const char *key, int klen, int plen)
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
                return oom(c);
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
        return oom(c);
    *val = NULL;
    return NN_OK;
}

static nn_status apply_override(const ctx *c, cJSON *root, const char *ov)
{
    const char *eq = ov ? strchr(ov, '=') : NULL;
    if (!eq)
        return nn_fail(c->err, NN_ECONFIG,
                       "--set %.100s: expected KEY=VALUE, e.g. --set optimizer.lr=0.1",
                       ov ? ov : "(null)");
    int klen = (int)(eq - ov);
    if (klen == 0)
        return nn_fail(c->err, NN_ECONFIG, "--set %.100s: the key path before '=' is empty", ov);
    if (nul_escape(eq + 1) >= 0)
        return nn_fail(c->err, NN_ECONFIG, "--set %.*s: the value contains \\u0000 (a NUL character)",
                       klen, ov);
    cJSON *val = cJSON_ParseWithOpts(eq + 1, NULL, 1);
    if (!val)
        val = cJSON_CreateString(eq + 1);
    /* shown: the key path in dotted form (model[1].x, the form messages use, is accepted
     * as model.1.x); path: a copy cut into segments in place. */
    char *shown = strndup(ov, (size_t)klen);
    if (shown) {
        char *w = shown;
        for (const char *r = shown; *r; r++)
            if (*r != ']')
                *w++ = *r == '[' ? '.' : *r;
        *w = '\0';
        klen = (int)(w - shown);
    }
    char *path = shown ? strdup(shown) : NULL;
    nn_status st = (val && path) ? NN_OK : oom(c);
    cJSON *cur = root;
    for (char *seg = path; st == NN_OK && val;) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        int plen = seg == path ? 0 : (int)(seg - path - 1);
        cJSON *next = NULL;
        if (!*seg)
            st = nn_fail(c->err, NN_ECONFIG, "--set %s: empty segment in the key path", shown);
        else
            st = override_step(c, cur, seg, dot == NULL, &val, &next, shown, klen, plen);
        cur = next;
        seg = dot ? dot + 1 : seg;
    }
    cJSON_Delete(val);
    free(path);
    free(shown);
    return st;
}

/* ---------------------------------------------------------------- public API */

static nn_status validate(const ctx *c, const cJSON *root, const char *source, nn_config *cfg)
{
    static const char *const keys[] = {"name",  "seed",       "data",   "model", "optimizer",
                                       "train", "dead_units", "output", NULL};
    double seed = 0;
    const num_spec seed_spec = {0, MAX_EXACT_INT, NUM_INT};
    TRY(check_keys(c, root, "", keys, "at the top level"));
    TRY(parse_name(c, root, source, cfg));
    TRY(get_num(c, root, "", "seed", seed_spec, 0, 0, &seed));
    cfg->seed = (uint64_t)seed;
    TRY(parse_data(c, root, cfg));
    TRY(parse_model(c, root, cfg));
    TRY(parse_optim(c, root, cfg));
    TRY(parse_train(c, root, cfg));
    TRY(parse_dead(c, root, cfg));
    return parse_output(c, root, cfg);
}

static nn_status parse_tree(const ctx *c, cJSON *root, const char *source,
                            const char *const *overrides, size_t n_overrides, nn_config *cfg)
{
    if (!cJSON_IsObject(root)) {
        char found[FOUND_MAX + 8];
        return nn_fail(c->err, NN_ECONFIG, "%s: expected a JSON object at the top level, found %s",
                       c->src, found_text(root, found, sizeof found));
    }
    for (size_t i = 0; i < n_overrides; i++)
        TRY(apply_override(c, root, overrides[i]));
    if (!(cfg->source = strdup(c->src)))
        return oom(c);
    return validate(c, root, source, cfg);
}

nn_status nn_config_parse(nn_config *cfg, const char *json, const char *source,
                          const char *const *overrides, size_t n_overrides, nn_error *err)
{
    ctx c = {source ? source : "<config>", err};
    nn_config tmp;
    cJSON *root = NULL;
    memset(&tmp, 0, sizeof tmp);
    memset(cfg, 0, sizeof *cfg);
    if (!json)
        return nn_fail(err, NN_ECONFIG, "%s: no JSON text", c.src);
    nn_status st = parse_json(&c, json, &root);
    if (st == NN_OK)
        st = parse_tree(&c, root, source, overrides, n_overrides, &tmp);
    cJSON_Delete(root);
    if (st != NN_OK) {
        nn_config_free(&tmp);
        return st;
    }
    *cfg = tmp;
    return NN_OK;
}

/* Reads at most MAX_FILE_BYTES of path into a NUL-terminated buffer. */
static nn_status read_text(const ctx *c, FILE *f, char **out)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode))
        return nn_fail(c->err, NN_ECONFIG, "%s: cannot read the config: %s", c->src,
                       strerror(EISDIR));
    size_t cap = 0, n = 0, got;
    char *buf = NULL;
    do {
        if (cap - n < 2) {
            size_t ncap = cap ? 2 * cap : 65536;
            char *nb = realloc(buf, ncap < MAX_FILE_BYTES + 2 ? ncap : MAX_FILE_BYTES + 2);
            if (!nb) {
                free(buf);
                return oom(c);
            }
            buf = nb;
            cap = ncap < MAX_FILE_BYTES + 2 ? ncap : MAX_FILE_BYTES + 2;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0 && n <= MAX_FILE_BYTES);
    int e = ferror(f) ? errno : 0;
    buf[n] = '\0';
    *out = buf;
    if (e)
        return nn_fail(c->err, NN_ECONFIG, "%s: cannot read the config: %s", c->src, strerror(e));
    if (n > MAX_FILE_BYTES)
        return nn_fail(c->err, NN_ECONFIG,
                       "%s: the config is larger than %zu MiB; is it the right file?", c->src,
                       MAX_FILE_BYTES >> 20);
    if (strlen(buf) != n)
        return nn_fail(c->err, NN_ECONFIG, "%s: NUL byte at byte %zu; a config must be JSON text",
                       c->src, strlen(buf));
    return NN_OK;
}

nn_status nn_config_load(nn_config *cfg, const char *path, const char *const *overrides,
                         size_t n_overrides, nn_error *err)
{
    ctx c = {path ? path : "(null)", err};
    char *text = NULL;
    memset(cfg, 0, sizeof *cfg);
    if (!path || !path[0])
        return nn_fail(err, NN_ECONFIG, "no config file given");
    FILE *f = fopen(path, "rb");
    if (!f)
        return nn_fail(err, NN_ECONFIG, "%s: cannot open the config: %s", path, strerror(errno));
    nn_status st = read_text(&c, f, &text);
    fclose(f);
    if (st == NN_OK)
        st = nn_config_parse(cfg, text, path, overrides, n_overrides, err);
    free(text);
    return st;
}

static nn_status check_classes(const ctx *c, const nn_config *cfg, size_t n_classes)
{
    size_t last = cfg->n_modules;
    while (last > 0 && cfg->modules[last - 1].act)
        last--;
    if (last == 0)
        return fail_at(c, "", "model", "the model has no dense layer");
    size_t units = cfg->modules[last - 1].units;
    if (units == n_classes)
        return NN_OK;
    char base[32];
    snprintf(base, sizeof base, "model[%zu]", last - 1);
    if (cfg->data.kind == NN_DATA_IMAGE_FOLDER)
        return fail_at(c, base, "units",
                       "the last dense layer has %zu units but %s has %zu class folders; set it "
                       "to %zu",
                       units, cfg->data.train_dir, n_classes, n_classes);
    return fail_at(c, base, "units",
                   "the last dense layer has %zu units but the labels in %s go up to %zu (%zu "
                   "classes); set it to %zu, or check that label file",
                   units, cfg->data.train_labels ? cfg->data.train_labels : "the training data",
                   n_classes - 1, n_classes, n_classes);
}

nn_status nn_config_check_data(const nn_config *cfg, size_t input_dim, size_t n_classes,
                               nn_error *err)
{
    ctx c = {cfg->source ? cfg->source : "<config>", err};
    TRY(check_widths(&c, cfg->modules, cfg->n_modules, input_dim));
    return check_classes(&c, cfg, n_classes);
}

nn_status nn_config_check_validation(const nn_config *cfg, size_t n_train, nn_error *err)
{
    ctx c = {cfg->source ? cfg->source : "<config>", err};
    if (cfg->data.validation < n_train)
        return NN_OK;
    return fail_at(&c, "data", "validation",
                   "holding out %zu samples leaves none to train on: %s has %zu training "
                   "samples%s; expected a number < %zu",
                   cfg->data.validation, nn_config_train_source(cfg), n_train,
                   cfg->data.train_limit ? " (after data.train_limit)" : "", n_train);
}

const char *nn_config_train_source(const nn_config *cfg)
{
    const char *s = cfg->data.kind == NN_DATA_IMAGE_FOLDER ? cfg->data.train_dir
                                                            : cfg->data.train_images;
    return s ? s : "the training data";
}

const char *nn_config_test_source(const nn_config *cfg)
{
    const char *s = cfg->data.kind == NN_DATA_IMAGE_FOLDER ? cfg->data.test_dir
                                                            : cfg->data.test_images;
    return s ? s : "the test data";
}

nn_status nn_config_set_csv(nn_config *cfg, const char *path, nn_error *err)
{
    if (!path || !path[0])
        return nn_fail(err, NN_ECONFIG, "--csv: expected a non-empty path (\"-\" for stdout)");
    char *copy = strdup(path);
    if (!copy)
        return nn_fail(err, NN_ESYS, "out of memory");
    free(cfg->csv);
    cfg->csv = copy;
    return NN_OK;
}

void nn_config_free(nn_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->source);
    free(cfg->name);
    free(cfg->data.format);
    free(cfg->data.train_images);
    free(cfg->data.train_labels);
    free(cfg->data.test_images);
    free(cfg->data.test_labels);
    free(cfg->data.train_dir);
    free(cfg->data.test_dir);
    free(cfg->modules);
    free(cfg->csv);
    memset(cfg, 0, sizeof *cfg);
}
