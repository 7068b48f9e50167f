/* run.h - what the training run's files share (train.c: the loop; probe_run.c: the
 * evaluations, the dead-unit probes and the untrained model's epoch 0). Internal. */
#ifndef NN_RUN_H
#define NN_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "math/rng.h"
#include "nn/optim/optim.h"
#include "run/csv.h"
#include "run/dead.h"
#include "run/resume.h"
#include "run/state.h"
#include "run/status.h"
#include "run/train.h"

/* What a resumed run does with one of its files: keeps it, cut back to the checkpoint's
 * epoch (its first keep bytes), and appends; or starts it new. */
typedef struct resume_file {
    char *path; /* NULL: the run writes no such file */
    int kept;
    long long keep;
    size_t first; /* the epoch of its first row kept */
} resume_file;

/* Everything a run owns; freed in one place. */
typedef struct run {
    const nn_config *cfg;
    const nn_dataset *train, *test;
    const nn_hooks *hooks;
    nn_norm norm; /* pixel normalization */
    nn_model model;
    nn_optim optim;
    nn_dead dead;
    nn_csv csv;
    nn_csv units; /* output.units, when set */
    nn_csv steps; /* <csv>.steps.csv, with dead_units.every_steps */
    nn_run_status status;
    size_t epochs_done;           /* training epochs whose CSV row is written */
    size_t first_row;             /* the epoch of the CSV's first row (0 unless resumed) */
    size_t fail_epoch, fail_step; /* where the run diverged or was stopped */
    size_t *order;                /* training sample order (reshuffled each epoch) */
    size_t *train_idx, *val_idx;  /* the samples of train trained on / held out, ascending */
    size_t n_train, n_val;
    size_t *seq;          /* 0, 1, 2, ... for evaluation chunks */
    nn_rng shuffle;       /* the training set's shuffle stream */
    nn_resume ck;         /* cfg->resume's checkpoint, read and checked before any write */
    int resumed;          /* the state comes from cfg->resume */
    resume_file csv_file, units_file, steps_file; /* what resuming does with each */
    size_t saved_epoch;   /* the epoch of the last checkpoint written or resumed from */
    const char *saved;    /* its path (NULL: none) */
    nn_ckpt_position pos; /* where the checkpoint stood */
    int32_t *labels;      /* max_batch labels of the current batch */
    double t0;
    int built;   /* model, optimizer, probe and batch buffers made (run_build) */
    int probed0; /* epoch 0's probe done early: its figures below */
    double test_loss0, test_acc0;
} run;

/* The model's input rows and their labels for samples idx[0 .. rows) of ds. */
void nn_run_fill_batch(run *r, const nn_dataset *ds, const size_t *idx, size_t rows);
/* Records where training stopped (for the status file); returns the CSV's name. */
const char *nn_run_stop_at(run *r, size_t epoch, size_t step, int exploded);
/* NN_ETRAIN: the run diverged at epoch/step (epoch 0: the untrained model); what says how. */
nn_status nn_run_diverged(run *r, size_t epoch, size_t step, const char *what, nn_error *err);
/* Test (and validation) evaluation and the dead-unit probe after an epoch. */
nn_status nn_run_probe_epoch(run *r, nn_epoch_report *rep, nn_error *err);
/* The probe after every dead_units.every_steps steps, and its row. */
nn_status nn_run_probe_step(run *r, const nn_epoch_report *rep, nn_error *err);

/* resume_files.c: a resumed run's CSV, per-unit CSV and every-N-steps CSV, each checked
 * against the run and the checkpoint before any is touched (the plan), then cut back and
 * appended to, or started new (open); the checkpoint's epoch row, rebuilt from what the
 * checkpoint holds, is the first row of a file started new (row). */
nn_status nn_run_resume_plan(run *r, nn_error *err);
nn_status nn_run_resume_open(run *r, nn_error *err);
nn_status nn_run_resume_row(run *r, nn_epoch_report *rep, nn_error *err);
void nn_run_resume_free(run *r);

#endif
