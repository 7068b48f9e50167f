/* schema.h - the config as tables, in the style of redis's static_configs[]: one row per
 * key (name, type, where the value goes, range or allowed strings, default, doc). One
 * walker reads any section from its table; the allowed keys, the did-you-mean candidates
 * and the reference in docs/config.md all come from the same rows. Rules that tie two
 * keys together run after the walk (rules.c). */
#ifndef NN_CONFIG_SCHEMA_H
#define NN_CONFIG_SCHEMA_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "config/message.h"

#define NN_CFG_MAX_EXACT 9007199254740992.0 /* 2^53: larger doubles are not exact integers */
#define NN_CFG_MAX_CHOICES 64               /* entries of a choice list built at run time */

typedef enum nn_cfg_type {
    NN_CFG_STRING,  /* a non-empty string, copied (char *) */
    NN_CFG_NAME,    /* a run name: 1 to 64 of A-Z a-z 0-9 _ . - (char *; NULL when absent) */
    NN_CFG_BOOL,    /* true or false (int 0/1) */
    NN_CFG_INT,     /* an integer in [lo, hi] (int) */
    NN_CFG_SIZE,    /* an integer in [lo, hi] (size_t) */
    NN_CFG_U64,     /* an integer in [lo, hi] (uint64_t) */
    NN_CFG_NUMBER,  /* a number in lo..hi (double); a whole one with NN_CFG_WHOLE */
    NN_CFG_ENUM,    /* one of the choices (int: base + the choice's index) */
    NN_CFG_SECTION, /* an object read by its own table (sub) */
    NN_CFG_MODEL,   /* the array of layers (model.c) */
    NN_CFG_LAYER,   /* a layer's "type": read first, it picks the layer's table */
} nn_cfg_type;

enum {
    NN_CFG_REQUIRED = 1u,
    NN_CFG_LO_OPEN = 2u,   /* numbers: lo itself is excluded */
    NN_CFG_HI_OPEN = 4u,   /* numbers: hi itself is excluded */
    NN_CFG_WHOLE = 8u,     /* NN_CFG_NUMBER: must be a whole number */
    NN_CFG_UNSTORED = 16u, /* checked, but the value goes nowhere (offset unused) */
    NN_CFG_GIVEN = 32u,    /* the int at offset given is set to 1 when the key is present */
    NN_CFG_DOUBLE = 64u,   /* a size, boolean or enum stored as a double (table rows) */
    NN_CFG_OWN_VARIANT = 128u, /* stored only when its variant is selected (rows of one
                                  optimizer share the offsets of another's) */
};

/* Rows a section built at run time has room for (NN_CFG_SECTION with build). */
#define NN_CFG_MAX_BUILT 64

struct nn_cfg_section;

typedef struct nn_cfg_key {
    const char *name;
    nn_cfg_type type;
    unsigned flags;
    size_t offset;              /* of the value in the struct being filled */
    size_t given;               /* NN_CFG_GIVEN: of the int that says the key was present */
    double lo, hi;              /* numbers: the range (+-INFINITY: unbounded on that side) */
    const char *const *choices; /* NN_CFG_ENUM: the allowed strings, NULL-terminated */
    /* NN_CFG_ENUM, NN_CFG_LAYER: fills a choice list built at run time instead */
    void (*list)(const char **out, size_t cap);
    int base;          /* NN_CFG_ENUM: the value stored for the first choice */
    double def;        /* default of a number, boolean or enum (the stored value) */
    unsigned variants; /* 0: always allowed; else only when the section's selector is a
                          choice i with bit i set */
    const struct nn_cfg_section *sub; /* NN_CFG_SECTION */
    /* NN_CFG_SECTION made from a table at run time instead of sub: fills keys (room for
     * NN_CFG_MAX_BUILT) and *sec. */
    void (*build)(struct nn_cfg_key *keys, struct nn_cfg_section *sec);
    const char *def_doc; /* the default as the reference states it, when def alone would not */
    const char *doc;     /* one line for the reference */
} nn_cfg_key;

typedef struct nn_cfg_section {
    const char *path; /* "optimizer.schedule"; "" at the top level; "model[i]" for layers */
    const nn_cfg_key *keys;
    size_t n_keys;
    int selector;       /* index of the enum key whose choice picks the variant; -1: none */
    const char *noun;   /* says whose selector it is: "this schedule is \"cosine\"" */
    const char *what;   /* after "unknown key": "at the top level", "for a \"%s\" layer" (%s:
                           the variant or the layer type); NULL: nothing */
    const char *expect; /* what a wrong value is said to be expected; NULL: the keys listed */
} nn_cfg_section;

/* Rows are written with designated initializers, so every field left out is 0 and 0
 * means "nothing special" in each of them. */

/* The tables (schema.c). */
extern const nn_cfg_section nn_cfg_top; /* the whole file; its rows lead to the sections */

/* The table of a layer in "model" (def, and act for an activation layer): "type", then
 * one row per row of the entry (nn_layer_keys), stored in nn_module_spec.hp[k] with
 * given[k]. keys has room for NN_MAX_HPARAMS + 1 rows. */
void nn_cfg_layer_section(const nn_layer_def *def, const nn_act_def *act, nn_cfg_key *keys,
                          nn_cfg_section *sec);

/* A table row of an entry (layer, activation, optimizer) as a config row storing a double
 * at offset. */
nn_cfg_key nn_cfg_row(const nn_hparam_spec *h, size_t offset);

/* The section of sec's row k: its sub, or the one its build makes into keys (room for
 * NN_CFG_MAX_BUILT) and *built. */
const nn_cfg_section *nn_cfg_sub(const nn_cfg_key *k, nn_cfg_key *keys, nn_cfg_section *built);

/* The layer types, NULL-terminated (nn_layer_types). */
void nn_cfg_layer_types(const char **out, size_t cap);

/* The allowed strings of an enum or layer key; buf has room for NN_CFG_MAX_CHOICES + 1. */
const char *const *nn_cfg_choices(const nn_cfg_key *k, const char **buf);

/* What a key's value must be, as messages and the reference say it: "an integer in
 * [1, 65536]", "one of \"unit\", \"standard\"", "true or false", ... */
void nn_cfg_expect(const nn_cfg_key *k, char *buf, size_t n);

/* The first choice of its section's selector that allows k (k->variants != 0). */
int nn_cfg_first_variant(const nn_cfg_key *k);

/* Whether the n bytes at s are a valid run name (NN_CFG_NAME). */
int nn_cfg_name_ok(const char *s, size_t n);

/* Reads obj (NULL: absent, every key takes its default) into out by sec's rows: rejects
 * duplicate and unknown keys (with did-you-mean), keys of another variant, and values of
 * the wrong type or range. base is the JSON path of obj for messages; tag fills the "%s"
 * of sec->what when the section has no selector. */
nn_status nn_cfg_walk(const nn_cfg_ctx *c, const nn_cfg_section *sec, const cJSON *obj,
                      const char *base, const char *tag, void *out);

/* Reads the "model" array into cfg->modules (model.c); expect says what "model" must be. */
nn_status nn_cfg_parse_model(const nn_cfg_ctx *c, const cJSON *model, const char *expect,
                             nn_config *cfg);

/* Runs each activation's width check (model.c). input_dim 0: the input width is
 * unknown, so activations before the first dense layer are not checked. */
nn_status nn_cfg_check_widths(const nn_cfg_ctx *c, const nn_module_spec *mods, size_t n,
                              size_t input_dim);

/* The last dense layer has n_classes units (model.c). */
nn_status nn_cfg_check_classes(const nn_cfg_ctx *c, const nn_config *cfg, size_t n_classes);

/* The rules between keys, after the walk (rules.c); root is the validated tree. */
nn_status nn_cfg_rules(const nn_cfg_ctx *c, const cJSON *root, const char *source, nn_config *cfg);

#endif
