/* hparam.h - one setting of a table entry (a layer, an activation, an optimizer) as the
 * config writes it: its JSON key, kind, range or choices, default and one line of doc.
 * Every value is held as a double (a size, a boolean 0/1, an enum's index + base), so an
 * entry's settings are one array, hp[k] for row k. The config layer turns these rows into
 * its own key rows: parsing, validation, did-you-mean and the reference come from them. */
#ifndef NN_HPARAM_H
#define NN_HPARAM_H

#include <stddef.h>

/* The most settings one entry has. */
#define NN_MAX_HPARAMS 6

typedef enum nn_hp_kind {
    NN_HP_NUMBER = 0, /* a number in [min, max] (whole with integer) */
    NN_HP_SIZE,       /* a non-negative integer in [min, max] */
    NN_HP_BOOL,       /* true or false: 1 or 0 */
    NN_HP_ENUM,       /* one of choices (or list): base + its index */
} nn_hp_kind;

enum {
    NN_HP_REQUIRED = 1u, /* no default: the key must be given */
    NN_HP_LO_OPEN = 2u,  /* numbers: min itself is excluded */
    NN_HP_HI_OPEN = 4u,  /* numbers: max itself is excluded */
};

typedef struct nn_hparam_spec {
    const char *name; /* JSON key, e.g. "negative_slope" */
    double def;       /* default when the key is absent */
    double min, max;  /* inclusive range (see the flags) */
    int integer;      /* NN_HP_NUMBER: 1 when it must be a whole number */
    nn_hp_kind kind;
    unsigned flags;
    const char *const *choices; /* NN_HP_ENUM: the allowed strings, NULL-terminated */
    void (*list)(const char **out, size_t cap); /* NN_HP_ENUM: or a list made at run time */
    int base;            /* NN_HP_ENUM: the value of the first choice */
    const char *def_doc; /* the default as the reference says it, when def alone would not */
    const char *doc;     /* one line for the reference (NULL: none) */
} nn_hparam_spec;

#endif
