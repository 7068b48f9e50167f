/* spec.c - loading a sweep: the keys (keys.c), every combination expanded, resolved
 * (resolve.c) and validated as a config before anything runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/loader.h"
#include "sys/fs.h"
#include "sys/cpu.h"

#define MAX_RUNS ((size_t)10 * 1000 * 1000)
/* Every combination is resolved and validated, and keeps its config, before the first run:
 * memory grows with their number, which is checked first. */
#define MAX_COMBOS ((size_t)100 * 1000)
/* A run's name is its combination's, "_s" and the seed (at most 16 digits: seeds are at most
 * 2^53), and a config's name has at most 64 characters. */
#define MAX_COMBO_NAME (64 - 18)

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Two combinations with one name would share their files: sorted, neighbours differ. */
static nn_status unique_names(loader *L)
{
    nn_sweep *s = L->s;
    char **sorted = malloc(s->n_combos * sizeof *sorted);
    if (!sorted)
        return nn_sweep_oom(L);
    memcpy(sorted, s->combo_name, s->n_combos * sizeof *sorted);
    qsort(sorted, s->n_combos, sizeof *sorted, by_name);
    nn_status st = NN_OK;
    for (size_t i = 1; i < s->n_combos && st == NN_OK; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            st = nn_fail(L->c.err, NN_ECONFIG,
                         "%s: two combinations have the same name %s (an axis value listed "
                         "twice, or values that differ only in characters other than letters, "
                         "digits, '_', '.', '-')",
                         L->c.src, sorted[i]);
    free(sorted);
    return st;
}

/* The number of combinations and runs, counted before anything is built: a refusal gives
 * the true figures ("1000000000000 combinations"), however large. */
static nn_status count_runs(loader *L, size_t *combos)
{
    const nn_sweep *s = L->s;
    long double n = 1;
    for (size_t a = 0; a < s->n_axes; a++)
        n *= (long double)s->axes[a].n;
    long double runs = n * (long double)s->n_seeds;
    if (n <= (long double)MAX_COMBOS && runs <= (long double)MAX_RUNS) {
        *combos = (size_t)n;
        return NN_OK;
    }
    char cn[48], rn[48], axes[NN_SWEEP_MAX_AXES * 40] = "";
    if (n < 1e19L)
        snprintf(cn, sizeof cn, "%llu", (unsigned long long)n);
    else
        snprintf(cn, sizeof cn, "%.3Lg", n);
    if (runs < 1e19L)
        snprintf(rn, sizeof rn, "%llu", (unsigned long long)runs);
    else
        snprintf(rn, sizeof rn, "%.3Lg", runs);
    for (size_t a = 0, len = 0; a < s->n_axes && len < sizeof axes; a++)
        len += (size_t)snprintf(axes + len, sizeof axes - len, "%s%s %zu", a ? " x " : "",
                                s->axes[a].label, s->axes[a].n);
    return nn_fail(L->c.err, NN_ECONFIG,
                   "%s: %s combinations (%s) x %zu seeds = %s runs; a sweep has at most %zu "
                   "combinations and %zu runs: split it into several sweep files",
                   L->c.src, cn, axes, s->n_seeds, rn, MAX_COMBOS, MAX_RUNS);
}

/* 32-bit FNV-1a of s, continuing from h (2166136261 to start). */
static uint32_t fnv1a(uint32_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Combination i's name: the activation, then "_<label><value>" for each other axis ("w"
 * and "d" for hidden's width and depth), made of the name rule's characters
 * (nn_sweep_sanitize). One longer than MAX_COMBO_NAME keeps its first characters and ends
 * in "-" and eight hex digits of a hash of the whole name, so that it stays unique. */
static char *combo_name(const nn_sweep *s, const size_t *pick)
{
    char name[MAX_COMBO_NAME * 4];
    uint32_t h = fnv1a(2166136261u, s->axes[0].text[pick[0]]);
    size_t len = (size_t)snprintf(name, sizeof name, "%s", s->axes[0].text[pick[0]]);
    for (size_t a = 1; a < s->n_axes; a++) {
        const char *lab = s->axes[a].label;
        const char *shortlab = strcmp(lab, "width") == 0 && !s->axes[a].path   ? "w"
                               : strcmp(lab, "depth") == 0 && !s->axes[a].path ? "d"
                                                                                : lab;
        h = fnv1a(fnv1a(fnv1a(h, "_"), shortlab), s->axes[a].text[pick[a]]);
        if (len < sizeof name)
            len += (size_t)snprintf(name + len, sizeof name - len, "_%s%s", shortlab,
                                    s->axes[a].text[pick[a]]);
    }
    nn_sweep_sanitize(name);
    if (len >= sizeof name || strlen(name) > MAX_COMBO_NAME)
        snprintf(name + MAX_COMBO_NAME - 9, 10, "-%08x", (unsigned)h);
    return strdup(name);
}

/* The combinations in odometer order, the activation fastest: rows of the summary that
 * differ only by activation sit together. */
static nn_status expand(loader *L)
{
    nn_sweep *s = L->s;
    size_t n = 0;
    NN_SWEEP_TRY(count_runs(L, &n));
    s->n_combos = n;
    s->pick = calloc(n * s->n_axes, sizeof *s->pick);
    s->combo_name = calloc(n, sizeof *s->combo_name);
    s->combo_json = calloc(n, sizeof *s->combo_json);
    s->cfgs = calloc(n, sizeof *s->cfgs);
    if (!s->pick || !s->combo_name || !s->combo_json || !s->cfgs)
        return nn_sweep_oom(L);
    for (size_t i = 0; i < n; i++) {
        size_t rest = i, *pick = s->pick + i * s->n_axes;
        pick[0] = rest % s->axes[0].n; /* the activation varies fastest */
        rest /= s->axes[0].n;
        for (size_t a = s->n_axes; a-- > 1;) {
            pick[a] = rest % s->axes[a].n;
            rest /= s->axes[a].n;
        }
        if (!(s->combo_name[i] = combo_name(s, pick)))
            return nn_sweep_oom(L);
    }
    return unique_names(L);
}


/* Resolves and validates every combination. */
/* The base config's path (malloc'ed; NULL: out of memory). A relative base is looked up
 * next to the sweep file first, so that a sweep file and its base can move together (an
 * installed configs/study/lr.json names "../mnist_relu.json"), then as written, relative
 * to the current folder. */
static char *base_path(const char *sweep, const char *base)
{
    const char *slash = strrchr(sweep, '/');
    if (base[0] == '/' || !slash)
        return strdup(base);
    size_t n = (size_t)(slash - sweep) + 1 + strlen(base) + 1;
    char *near = malloc(n);
    if (!near)
        return NULL;
    snprintf(near, n, "%.*s%s", (int)(slash - sweep + 1), sweep, base);
    if (!nn_path_missing(near)) /* there, or a symlink loop: reading it says which */
        return near;
    free(near);
    return strdup(base);
}

static nn_status resolve_all(loader *L)
{
    nn_sweep *s = L->s;
    for (size_t i = 0; i < s->n_combos; i++) {
        /* Messages name the combination: "sweep.json [relu, lr=0.5]: ...". */
        char where[768];
        size_t len = (size_t)snprintf(where, sizeof where, "%s [", L->c.src);
        const size_t *pick = s->pick + i * s->n_axes;
        for (size_t a = 0; a < s->n_axes && len < sizeof where; a++)
            len += (size_t)snprintf(where + len, sizeof where - len, "%s%s%s%s", a ? ", " : "",
                                    a ? s->axes[a].label : "", a ? "=" : "",
                                    s->axes[a].text[pick[a]]);
        if (len < sizeof where)
            snprintf(where + len, sizeof where - len, "]");
        nn_sweep_ctx c = {where, L->c.err};
        cJSON *root = NULL;
        NN_SWEEP_TRY(nn_sweep_resolve(L, i, &c, &root));
        /* out/<combination>.csv: where "nntrain" puts a run of this config done alone. */
        size_t csv_len = strlen(s->out) + strlen(s->combo_name[i]) + 6;
        char *csv = malloc(csv_len);
        if (!csv) {
            cJSON_Delete(root);
            return nn_sweep_oom(L);
        }
        snprintf(csv, csv_len, "%s/%s.csv", s->out, s->combo_name[i]);
        char *text = nn_sweep_set_run_fields(root, s->seeds[0], s->combo_name[i], csv)
                         ? cJSON_PrintUnformatted(root)
                         : NULL;
        free(csv);
        cJSON_Delete(root);
        if (!text)
            return nn_sweep_oom(L);
        nn_status st = nn_config_parse(&s->cfgs[i], text, where, NULL, 0, L->c.err);
        if (st == NN_OK)
            s->combo_json[i] = text;
        else
            free(text);
        if (st != NN_OK)
            return st;
        int table = s->cfgs[i].train.epochs == 0;
        if (i == 0)
            s->table = table;
        else if (table != s->table)
            return nn_fail(L->c.err, NN_ECONFIG,
                           "%s: train.epochs is 0 in some combinations and not in others; a "
                           "sweep either trains every run or none",
                           where);
    }
    return NN_OK;
}

nn_status nn_sweep_load(nn_sweep *s, const char *path, const char *out_override,
                        size_t jobs_override, nn_error *err)
{
    memset(s, 0, sizeof *s);
    s->only = SIZE_MAX;
    loader L = {.c = {path, err}, .s = s};
    nn_status st = NN_OK;
    char *text = nn_sweep_read_file(&L, path, "sweep file", &st);
    if (st == NN_OK)
        st = nn_config_parse_json(text, L.c.src, &L.doc, err);
    free(text);
    text = NULL;
    if (st == NN_OK && !(s->source = strdup(path)))
        st = nn_sweep_oom(&L);
    if (st == NN_OK)
        st = nn_sweep_check_keys(&L);
    const char *base = NULL, *out = NULL;
    if (st == NN_OK)
        st = nn_sweep_read_string(&L, "base", 1, "the path of the base config (a string)", &base);
    if (st == NN_OK)
        st = nn_sweep_read_string(&L, "out", 0, "the output folder (a string)", &out);
    double jobs = 1, threads = 0;
    if (st == NN_OK)
        st = nn_sweep_read_count(&L, "jobs", 1, 256, &jobs);
    if (st == NN_OK)
        st = nn_sweep_read_count(&L, "threads", 0, 256, &threads);
    if (st == NN_OK) {
        s->base = base_path(path, base);
        s->out = out_override ? strdup(out_override)
                 : out        ? strdup(out)
                              : nn_sweep_default_out(path);
        s->jobs = jobs_override ? jobs_override : (size_t)jobs;
        s->threads = (int)threads;
        if (!s->base || !s->out)
            st = nn_sweep_oom(&L);
        else if (!s->out[0]) /* "" would put every file at the root of the file system */
            st = nn_fail(err, NN_ECONFIG,
                         "%s: the output folder (--out) is empty; expected a folder's path",
                         path);
        for (const char *c = s->out; st == NN_OK && *c; c++)
            if ((unsigned char)*c < 0x20) /* a job line is one line of shell */
                st = nn_fail(err, NN_ECONFIG,
                             "%s: the output folder's name has a control character (a newline?); "
                             "expected a plain path",
                             path);
    }
    if (st == NN_OK) { /* the base config: read and parsed as JSON here, validated per combination */
        text = nn_sweep_read_file(&L, s->base, "base config", &st);
        if (st == NN_OK)
            st = nn_config_parse_json(text, s->base, &L.base, err);
        if (st == NN_OK && !cJSON_IsObject(L.base))
            st = nn_fail(err, NN_ECONFIG, "%s: expected a JSON object at the top level", s->base);
        free(text);
    }
    if (st == NN_OK)
        st = nn_sweep_read_activations(&L);
    if (st == NN_OK)
        st = nn_sweep_read_grid(&L);
    if (st == NN_OK)
        st = nn_sweep_read_hidden(&L);
    if (st == NN_OK)
        st = nn_sweep_read_seeds(&L);
    if (st == NN_OK)
        st = expand(&L);
    if (st == NN_OK)
        st = resolve_all(&L);
    if (st == NN_OK && s->threads == 0) {
        int cores = nn_cpu_count();
        s->threads = cores / (int)s->jobs > 1 ? cores / (int)s->jobs : 1;
    }
    cJSON_Delete(L.doc);
    cJSON_Delete(L.base);
    cJSON_Delete(L.act_template);
    if (st != NN_OK)
        nn_sweep_free(s);
    return st;
}

void nn_sweep_free(nn_sweep *s)
{
    for (size_t a = 0; a < s->n_axes; a++) {
        for (size_t i = 0; s->axes[a].text && i < s->axes[a].n; i++)
            free(s->axes[a].text[i]);
        free(s->axes[a].text);
        free(s->axes[a].label);
        free(s->axes[a].path);
    }
    for (size_t i = 0; i < s->n_combos; i++) {
        if (s->combo_name)
            free(s->combo_name[i]);
        if (s->combo_json)
            free(s->combo_json[i]);
        if (s->cfgs)
            nn_config_free(&s->cfgs[i]);
    }
    free(s->combo_name);
    free(s->combo_json);
    free(s->cfgs);
    free(s->pick);
    free(s->seeds);
    free(s->source);
    free(s->out);
    free(s->base);
    memset(s, 0, sizeof *s);
}

nn_status nn_sweep_locate_data(nn_sweep *s, const nn_data_env *env, nn_error *err)
{
    nn_status first = NN_OK;
    for (size_t i = 0; i < s->n_combos; i++) {
        nn_status st = nn_config_locate_data(&s->cfgs[i], env, first == NN_OK ? err : NULL);
        if (first == NN_OK)
            first = st;
    }
    return first;
}
