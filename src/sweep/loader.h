/* loader.h - what the parts of loading a sweep file share (keys.c reads the keys and
 * axes, resolve.c turns a combination into a config tree, spec.c expands and validates). */
#ifndef NN_SWEEP_LOADER_H
#define NN_SWEEP_LOADER_H

#include <cJSON.h>

#include "config/config.h"
#include "sweep/sweep.h"

/* Where messages come from ("sweep.json", or "sweep.json [relu, lr=0.5]" for one
 * combination) and the error they go to. */
typedef struct nn_sweep_ctx {
    const char *src;
    nn_error *err;
} nn_sweep_ctx;

/* Returns from the calling function when expr fails. */
#define NN_SWEEP_TRY(expr)                                                                         \
    do {                                                                                           \
        nn_status try_st_ = (expr);                                                                \
        if (try_st_ != NN_OK)                                                                      \
            return try_st_;                                                                        \
    } while (0)

/* Everything loading needs: the message context and the two JSON trees. */
typedef struct loader {
    nn_sweep_ctx c;
    nn_sweep *s;
    cJSON *doc, *base;
    const cJSON *grid, *set, *hidden;
    cJSON *act_template; /* the base's first activation module (no "activations" axis) */
} loader;

/* keys.c */
nn_status nn_sweep_oom(const loader *L);
/* The whole of a file of at most 1 MiB (what names it in messages). */
char *nn_sweep_read_file(const loader *L, const char *path, const char *what, nn_status *st);
/* Top-level keys known, "set" an object without the keys the sweep sets itself. */
nn_status nn_sweep_check_keys(loader *L);
nn_status nn_sweep_read_string(loader *L, const char *key, int required, const char *expect,
                               const char **out);
nn_status nn_sweep_read_count(loader *L, const char *key, double lo, double hi, double *out);
/* The axes, in this order: activation (axis 0), the grid's, width and depth. */
nn_status nn_sweep_read_activations(loader *L);
nn_status nn_sweep_read_grid(loader *L);
nn_status nn_sweep_read_hidden(loader *L);
nn_status nn_sweep_read_seeds(loader *L);
/* runs/<the sweep file's name without ".json">, malloc'ed. */
char *nn_sweep_default_out(const char *path);

/* resolve.c */
/* Letters, digits, '.', '-', '+' kept; anything else becomes '_' (file names, shell words). */
void nn_sweep_sanitize(char *s);
/* The resolved tree of combination combo, before its seed and output are set. */
nn_status nn_sweep_resolve(loader *L, size_t combo, const nn_sweep_ctx *c, cJSON **out);
/* Sets seed, name and output.csv of a resolved tree; 0 when out of memory. */
int nn_sweep_set_run_fields(cJSON *root, uint64_t seed, const char *name, const char *csv);

#endif
