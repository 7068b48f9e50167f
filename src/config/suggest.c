/* suggest.c - did-you-mean by optimal-string-alignment (Damerau) distance, and the config
 * keys that go by a name (for a key given as a command-line option). */
#include "config/suggest.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/schema.h"
#include "nn/layer/layer.h"

/* Case-insensitive OSA distance; SIZE_MAX when a string is too long to be worth
 * comparing. */
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

const char *nn_cfg_closest(const char *const *cands, const char *s)
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

/* The paths found so far: at most cap of len bytes each, count of them all. */
typedef struct named {
    const char *name;
    char *paths;
    size_t len, cap, count;
} named;

static void add_path(named *f, const char *path)
{
    size_t kept = f->count < f->cap ? f->count : f->cap;
    for (size_t i = 0; i < kept; i++)
        if (strcmp(f->paths + i * f->len, path) == 0)
            return;
    if (f->count < f->cap)
        snprintf(f->paths + f->count * f->len, f->len, "%s", path);
    f->count++;
}

static void find_in(named *f, const nn_cfg_section *sec, const char *prefix)
{
    for (size_t i = 0; i < sec->n_keys; i++) {
        const nn_cfg_key *k = &sec->keys[i];
        char path[128];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k->name);
        if (strcmp(k->name, f->name) == 0 || strcmp(path, f->name) == 0)
            add_path(f, path);
        if (k->type == NN_CFG_SECTION) {
            nn_cfg_key keys[NN_CFG_MAX_BUILT];
            nn_cfg_section built;
            find_in(f, nn_cfg_sub(k, keys, &built), path);
        }
    }
}

size_t nn_cfg_keys_named(const char *name, char *paths, size_t len, size_t cap)
{
    named f = {name, paths, len, cap, 0};
    find_in(&f, &nn_cfg_top, "");
    /* A layer's keys: "type", then every type's rows (an activation's hyperparameters). */
    const char *types[NN_CFG_MAX_CHOICES + 1];
    nn_layer_types(types, NN_CFG_MAX_CHOICES + 1);
    const char *prefixed = strncmp(name, "model.I.", 8) == 0 ? name + 8 : name;
    char path[128];
    snprintf(path, sizeof path, "model.I.%s", prefixed);
    if (strcmp(prefixed, "type") == 0)
        add_path(&f, path);
    for (size_t t = 0; types[t]; t++) {
        const nn_layer_def *def;
        const nn_act_def *act;
        int nk = 0;
        if (!nn_layer_find(types[t], &def, &act))
            continue;
        const nn_hparam_spec *keys = nn_layer_keys(def, act, &nk);
        for (int h = 0; h < nk; h++)
            if (strcmp(keys[h].name, prefixed) == 0)
                add_path(&f, path);
    }
    return f.count;
}
