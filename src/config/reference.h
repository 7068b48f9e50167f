/* reference.h - the walk over the config's rows that every form of the reference shares
 * (reference.c), and the roff and bash writers (reference_fmt.c). */
#ifndef NN_CONFIG_REFERENCE_H
#define NN_CONFIG_REFERENCE_H

#include <stdio.h>

#include "config/schema.h"

/* Writes one row. Key rows: k the row, path its dotted path ("optimizer.lr"), cells
 * {key, type, allowed, default, meaning}. Activation rows: k the hyperparameter's row
 * (NULL for an activation without any), path the activation's name, cells {type, key,
 * allowed, default, dense init in front, gain}. Cells are Markdown: `code`, [text](link). */
typedef void nn_ref_row(FILE *out, const nn_cfg_key *k, const char *path, const char *const *cells);

/* One row per key of sec (prefix: its JSON path), descending into sub-sections. */
void nn_ref_rows(FILE *out, const nn_cfg_section *sec, const char *prefix, nn_ref_row *emit);

/* Calls fn for each layer type that is not an activation ("dense", ...), with its table
 * (built in keys, room for NN_MAX_HPARAMS + 1 rows). */
typedef void nn_ref_layer(FILE *out, const nn_layer_def *def, const nn_cfg_section *sec);
void nn_ref_layers(FILE *out, nn_ref_layer *fn);

/* One row per hyperparameter of each activation (one for an activation without any). */
void nn_ref_activations(FILE *out, nn_ref_row *emit);

/* The key tables as man(7) roff (.SS, .TP), and as the bash completion's key lists. */
void nn_ref_write_roff(FILE *out);
void nn_ref_write_bash(FILE *out);

#endif
