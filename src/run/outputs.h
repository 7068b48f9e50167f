/* outputs.h - the files a run writes, listed once: what nn_check_outputs checks against
 * the inputs and against each other (check.c), and what a new run keeps of a finished
 * one rather than overwrite it (nn_run_keep_previous). */
#ifndef NN_RUN_OUTPUTS_H
#define NN_RUN_OUTPUTS_H

#include <stddef.h>

#include "config/config.h"
#include "sys/error.h"
#include "sys/log.h"

/* One file a run writes. */
typedef struct nn_run_output {
    char *path;         /* malloc'ed */
    const char *role;   /* what it is, for messages ("the run's status file") */
    const char *key;    /* the setting that names it ("output.csv (or --csv)") */
    const char *suffix; /* a sibling of the CSV: its suffix (".status.json"); else NULL */
    int ckpt;           /* output.checkpoint itself */
    int tmp;            /* a temporary file another output is written through */
} nn_run_output;

enum { NN_RUN_MAX_OUTPUTS = 9 };

/* Every file a run of cfg writes, the CSV's family first: the CSV (unless "-") and its
 * .status.json, .status.json.tmp, .classes.txt and .steps.csv siblings, output.units,
 * output.checkpoint and the temporary file it is written through (nn_write_whole). *n
 * entries of out (NN_RUN_MAX_OUTPUTS of room) are filled; free them with
 * nn_run_outputs_free, also on failure. NN_ESYS when out of memory. */
nn_status nn_run_outputs(const nn_config *cfg, nn_run_output *out, size_t *n, nn_error *err);
void nn_run_outputs_free(nn_run_output *out, size_t n);

/* A new run (not --resume) that finds files of an earlier run where it will write keeps
 * them rather than overwrite them: every output of cfg that is a regular file (not a
 * symlink, device or FIFO, which are written as they are; the temporary files aside) is
 * renamed with the first number N whose names no file has taken: runs/x.csv -> runs/x.N.csv, with
 * its siblings (runs/x.N.status.json, ...), and output.units and output.checkpoint by the same N
 * (runs/x.units.csv -> runs/x.N.units.csv beside the CSV, else u.csv -> u.N.csv,
 * ck.safetensors -> ck.N.safetensors). No file is overwritten: the names taken are free.
 * One line through hooks says what was kept. NN_ESYS naming the file when a rename fails
 * (the files not yet renamed stay where they were). */
nn_status nn_run_keep_previous(const nn_config *cfg, const nn_hooks *hooks, nn_error *err);

#endif
