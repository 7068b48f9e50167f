/* files.h - a sweep's files under out/: what tells a run is complete, the error status of
 * a run that stopped before its own status file, and the results tables of untrained
 * sweeps (out/results/<combination>.csv, a row per seed, written whole). */
#ifndef NN_SWEEP_FILES_H
#define NN_SWEEP_FILES_H

#include <stdio.h>

#include "run/untrained.h"
#include "sweep/sweep.h"

/* How a run ended, from its status file: "ok", "diverged", "exploded", "error",
 * "interrupted", "running", or "" when there is none (malloc'ed; NULL when out of memory).
 * Also its "revived" count when there (-1 otherwise). */
char *nn_sweep_read_status(const char *status_path, double *revived, double *max_dead_frac);
/* The same from a status file's text (NUL-terminated; NULL reads as no file). */
char *nn_sweep_parse_status(const char *text, double *revived, double *max_dead_frac);

/* Run r's resolved config in out/ is the one this sweep file gives now. */
int nn_sweep_run_config_matches(const nn_sweep *s, size_t r);

/* Run r is complete: its status file says ok, diverged or exploded, and its resolved
 * config is the one this sweep file gives now. */
int nn_sweep_run_complete(const nn_sweep *s, size_t r);

/* Removes run r's files (status, CSV, the probe's files): a run about to be redone leaves
 * nothing that could look complete. */
void nn_sweep_run_reset(const nn_sweep *s, size_t r);

/* For a run that failed with err: writes an "error" status beside csv unless the run
 * wrote one. */
void nn_sweep_status_error(const char *csv, const nn_error *err);

/* out/results/: created. */
nn_status nn_sweep_table_dir(const nn_sweep *s, nn_error *err);
/* out/results/<combination>.csv (ext ".csv") or its resolved config (".json"), malloc'ed. */
char *nn_sweep_table_file(const nn_sweep *s, size_t c, const char *ext);
/* Combination c of an untrained sweep is complete: its table has a row per seed and its
 * resolved config is this sweep's. */
int nn_sweep_combo_complete(const nn_sweep *s, size_t c);

/* The header of a results table (one line, no newline). */
void nn_sweep_table_header(const nn_sweep *s, FILE *f);

typedef struct nn_sweep_table {
    FILE *f;
    char *path, *tmp, *json;
    const char *json_text; /* the combination's resolved config */
} nn_sweep_table;

nn_status nn_sweep_table_open(nn_sweep_table *t, const nn_sweep *s, size_t c, nn_error *err);
nn_status nn_sweep_table_row(nn_sweep_table *t, const nn_sweep *s, size_t c, size_t seed_index,
                             const nn_untrained *u, nn_error *err);
/* Renames the finished table into place, then writes the combination's config (a table
 * counts as complete only beside it). */
nn_status nn_sweep_table_commit(nn_sweep_table *t, nn_error *err);
/* Closes; an uncommitted table's temporary file is removed. */
void nn_sweep_table_close(nn_sweep_table *t);

#endif
