/* config.h - the typed, validated run configuration (read from JSON with cJSON).
 *
 * nn_config_load parses the file, applies command-line overrides ("--set a.b.0.c=JSON")
 * to the JSON tree, then validates every key by the tables of src/config/schema.c (one
 * row per key): an unknown key, a wrong type or an out-of-range value fails with
 * NN_ECONFIG and one line naming the file, the JSON path (model[3].negative_slope), what
 * was found and what is allowed. Nothing in the struct is used before validation has
 * passed. The same rows print the key tables of docs/config.md. */
#ifndef NN_CONFIG_H
#define NN_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "data/spec.h"
#include "nn/layer/layer.h"
#include "nn/optim/optim.h"
#include "nn/optim/schedule.h"
#include "sys/error.h"
typedef enum nn_probe_set { NN_PROBE_TEST, NN_PROBE_TRAIN, NN_PROBE_VAL } nn_probe_set;

typedef struct nn_config {
    char *source; /* path of the config file (for messages) */
    char *name;   /* default: the config file's base name without ".json" */
    uint64_t seed;

    nn_data_spec data; /* data/spec.h: data/ takes it as it is */

    size_t n_modules;
    nn_module_spec *modules;

    struct {
        int type;                  /* optimizer.type: the index of def in the table */
        const nn_optim_def *def;   /* the optimizer */
        double lr;                 /* before the schedule */
        double hp[NN_MAX_HPARAMS]; /* def's rows (def->keys), defaults filled in */
        nn_schedule schedule;
    } optim;

    struct {
        size_t epochs, batch_size;
        int shuffle;
        int threads; /* 0 = all available cores */
        int flush_denormals; /* subnormal floats become 0 while training (fpmode.h) */
    } train;

    struct {
        nn_probe_set probe;
        size_t samples;     /* 0 = all */
        size_t every_steps; /* also probe after every N optimizer steps; 0 = never */
    } dead;

    char *csv;   /* output.csv; default "runs/<name>.csv"; "-" = stdout */
    char *units; /* output.units: the per-unit CSV; NULL = none */
    char *checkpoint;        /* output.checkpoint: a safetensors file; NULL = none */
    size_t checkpoint_every; /* output.checkpoint_every: epochs between two (default 1) */
    char *init_from;         /* init.from: start from these weights; NULL = the seed's init */
    char *resolved;          /* the config as validated (overrides applied), JSON text */
    char *resume;            /* --resume: continue the run saved in this checkpoint; NULL */
    char *command;           /* the command line that made the run, a JSON array of strings
                                (nn_config_set_command; for its records); NULL: not known */
} nn_config;

/* Loads and validates path. overrides[i] are "DOTTED.PATH=VALUE" strings applied in
 * order before validation; VALUE is parsed as JSON, or taken as a string when it is not
 * valid JSON. On failure cfg holds nothing (no need to free). */
nn_status nn_config_load(nn_config *cfg, const char *path, const char *const *overrides,
                         size_t n_overrides, nn_error *err);

/* Same, from JSON text in memory; source names it in messages. */
nn_status nn_config_parse(nn_config *cfg, const char *json, const char *source,
                          const char *const *overrides, size_t n_overrides, nn_error *err);

/* Checks what depends on the data: the last dense layer has n_classes units, PReLU
 * num_parameters equals its width when not 1. */
nn_status nn_config_check_data(const nn_config *cfg, size_t input_dim, size_t n_classes,
                               nn_error *err);

/* data.validation must leave training samples: NN_ECONFIG (naming data.validation) unless
 * validation < n_train (the training samples after train_limit). */
nn_status nn_config_check_validation(const nn_config *cfg, size_t n_train, nn_error *err);

/* Where the training (test) samples come from, for messages: the images file or folder. */
const char *nn_config_train_source(const nn_config *cfg);
const char *nn_config_test_source(const nn_config *cfg);

/* Sets cfg->resume to a copy of path (--resume). */
nn_status nn_config_set_resume(nn_config *cfg, const char *path, nn_error *err);

/* Sets cfg->command to argv[0..argc) as a JSON array of strings. */
nn_status nn_config_set_command(nn_config *cfg, int argc, char *const *argv, nn_error *err);

/* Replaces cfg->csv with a copy of path. */
nn_status nn_config_set_csv(nn_config *cfg, const char *path, nn_error *err);

void nn_config_free(nn_config *cfg);

/* Writes every entry of the layer, activation and optimizer tables as JSON (format
 * "nntrain-tables-1"): each config type with its keys (kind, default, range or choices),
 * its torch.nn module or torch.optim class as a Python call with {key} placeholders, and
 * for optimizers their state buffers; what scripts/nntrain_torch.py builds PyTorch models
 * and optimizers from. */
nn_status nn_config_write_tables(FILE *out, nn_error *err);

/* For readers of other JSON files built on configs (a sweep file), so that their messages
 * read as the config's (helpers.c). A cJSON tree is passed as struct cJSON. */
struct cJSON;

/* A buffer for nn_config_found_text: the value cut to 40 characters ("..."). */
#define NN_CONFIG_FOUND_LEN 48

/* A JSON value as compact text, cut to fit NN_CONFIG_FOUND_LEN; returns buf. */
const char *nn_config_found_text(const struct cJSON *v, char *buf, size_t n);

/* items (NULL-terminated) joined by ", ", each in double quotes when quoted; cut with
 * "..." when long. */
void nn_config_join(char *buf, size_t n, const char *const *items, int quoted);

/* Did you mean: the name of names (NULL-terminated) closest to s, when it is about one
 * typo per four characters away (a swap of neighbours counts one, case is ignored);
 * else NULL. */
const char *nn_config_closest(const char *const *names, const char *s);

/* The config keys called name (the last part of their path: "lr" -> "optimizer.lr"), or
 * whose dotted path is name, a layer's key as "model.I.<key>": each path once, at most
 * cap of them into paths. Returns how many there are (what a key given as an option
 * would be set with: --set optimizer.lr=...). */
#define NN_CONFIG_KEY_LEN 96
size_t nn_config_keys_named(const char *name, char (*paths)[NN_CONFIG_KEY_LEN], size_t cap);

/* JSON text to a tree (free with cJSON_Delete), with the syntax errors of a config:
 * "<src>:3:28 (byte 42): invalid JSON near '}': ...". NN_ECONFIG. */
nn_status nn_config_parse_json(const char *json, const char *src, struct cJSON **out,
                               nn_error *err);

/* Applies one --set "a.b.0.c=VALUE" to root as nn_config_load applies its overrides;
 * messages start with src. */
nn_status nn_config_apply_set(struct cJSON *root, const char *set, const char *src,
                              nn_error *err);

/* Where two configs differ (diff.c): the first place where the JSON trees a and b part,
 * as a config path into path[n] (appended to what it holds: "model[1].type"; "" when the
 * tops differ), with *va and *vb the values there (NULL: absent on that side). 0 when
 * they are the same. */
int nn_config_first_diff(const struct cJSON *a, const struct cJSON *b, char *path, size_t n,
                         const struct cJSON **va, const struct cJSON **vb);
/* A value for a message: its JSON text, cut with "..." to fit n bytes, or "absent" (NULL). */
void nn_config_value_text(const struct cJSON *v, char *out, size_t n);
/* cfg's model as JSON: an array of its modules, each its "type" and every key of that
 * type with its value, defaults filled in (free with cJSON_Delete). Two configs of the
 * same model give equal trees, however each wrote it. NULL when out of memory. */
struct cJSON *nn_config_model_tree(const nn_config *cfg);

/* The forms the reference is written in: docs/config.md's Markdown tables, the roff of
 * man/nntrain-config.5, and the key lists of the bash completion (completions/nntrain). */
typedef enum nn_ref_format { NN_REF_MARKDOWN, NN_REF_ROFF, NN_REF_BASH } nn_ref_format;

/* Writes the reference's key tables in fmt (every key with its type, allowed values,
 * default and meaning, then the activations' hyperparameters; for bash, the dotted keys
 * --set takes and their allowed values) to out. */
nn_status nn_config_write_reference(FILE *out, nn_ref_format fmt, nn_error *err);

/* *out (malloc'ed): doc with the part between fmt's two marker lines replaced by the
 * tables of nn_config_write_reference; the markers are
 *   Markdown <!-- generated: config keys (make docs) -->  ...  <!-- end generated -->
 *   roff     .\" generated: config keys (make docs)  ...  .\" end generated
 *   bash     # generated: config keys (make docs)  ...  # end generated
 * name names doc in messages. */
nn_status nn_config_splice_reference(const char *doc, const char *name, nn_ref_format fmt,
                                     char **out, nn_error *err);

#endif
