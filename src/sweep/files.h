/* files.h - a sweep's files under out/: what tells a run is complete, the error status of
 * a run that stopped before its own status file, and the results tables of untrained
 * sweeps (out/results/<combination>.csv, a row per seed, written whole). */
#ifndef NN_SWEEP_FILES_H
#define NN_SWEEP_FILES_H

#include <stdio.h>

#include "run/untrained.h"
#include "sweep/collect.h"
#include "sweep/sweep.h"

/* What a run's status file says. */
typedef struct nn_sweep_status {
    char state[16];     /* "ok", "diverged", "exploded", "error", "interrupted", "running";
                           "" without a file (or a "status"), "?" for any other */
    double epochs_done; /* training epochs whose row was written; -1 when absent */
    double epoch;       /* where a stopped run stopped (0: at the untrained model); -1 */
    double revived, max_dead_frac; /* -1 when absent */
} nn_sweep_status;

/* Reads a status file (a missing or unreadable one reads as no status). */
void nn_sweep_read_status(const char *status_path, nn_sweep_status *st);
/* The same from a status file's text (NUL-terminated; NULL reads as no file). */
void nn_sweep_parse_status(const char *text, nn_sweep_status *st);
/* A status of a run that ended: ok, diverged, exploded, or error. */
int nn_sweep_status_final(const nn_sweep_status *st);

/* The file at path holds want (trailing white space aside). */
int nn_sweep_config_matches(const char *path, const char *want);
/* Run r's resolved config in out/ is the one this sweep file gives now. */
int nn_sweep_run_config_matches(const nn_sweep *s, size_t r);

/* What run r's files in out/ say (complete.c). */
typedef struct nn_sweep_run_files {
    nn_sweep_status status;
    nn_sweep_rows rows; /* its CSV's whole rows (collect.h) */
    const char *why;    /* NULL: a run that ended (ok, diverged, exploded, or error) whose
                           files agree with this sweep; else why not, one phrase */
    char why_buf[160];
} nn_sweep_run_files;

/* Reads them; an ended run's files agree when its resolved config is this sweep's and
 * (but for "error") its CSV has the header of the config's columns and whole rows only, as
 * many as its status counts (epochs_done + 1: epoch 0 and every epoch done; none for a run
 * that stopped at epoch 0), every epoch for "ok". 0 when out of memory. */
int nn_sweep_run_read(const nn_sweep *s, size_t r, nn_sweep_run_files *f);
void nn_sweep_run_files_free(nn_sweep_run_files *f);

/* Run r is complete: it ended ok, diverged or exploded, and its files agree. */
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
/* Combination c of an untrained sweep is complete when its resolved config is this
 * sweep's and its table is whole: the header, then a row per seed (its run name, axis
 * values and seed, in order, with the header's field count, status ok or diverged), no
 * NUL byte, nothing after, and no larger than such rows can be. With a table: 1 and *text
 * (malloc'ed), *len; else 0 and *why (NULL: out of memory, else a phrase; *why "" when
 * the table is missing). text may be NULL to ask only whether it is complete. */
int nn_sweep_combo_read(const nn_sweep *s, size_t c, char **text, size_t *len, const char **why);
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
