/* sweep.h - many runs of one base config: "nntrain sweep SWEEP.json".
 *
 * A sweep file names a base config and axes (docs/sweep.md):
 *
 *   {"base": "configs/mnist_relu.json",
 *    "activations": ["relu", "elu"],              every activation module becomes this type
 *    "hidden": {"units": [2, 4], "layers": [5]},  the model becomes layers x (dense, act) + output
 *    "grid": {"optimizer.lr": [0.1, 1.0]},        dotted paths of --set, one axis each
 *    "set": {"optimizer.momentum": 0},            fixed changes, before the axes
 *    "seeds": [1, 2, 3] or {"first": 1, "count": 500},
 *    "jobs": 2, "threads": 0, "out": "runs/my_sweep"}
 *
 * Every combination of axis values is resolved to a config and validated when the sweep
 * is loaded, before anything runs; a combination times a seed is one run. A sweep whose
 * runs train (epochs > 0) gives each run its own files under out/: NAME.csv, NAME.json
 * (the resolved config: "nntrain out/NAME.json" redoes the run), NAME.status.json. A
 * sweep of untrained networks (epochs 0: the born-dead study, often tens of thousands of
 * runs) writes one table, out/results.csv, with a row per run instead. */
#ifndef NN_SWEEP_H
#define NN_SWEEP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nntrain.h"

enum { NN_SWEEP_MAX_AXES = 16 };

/* One axis: its label (the column of summary.csv and part of run names) and its values
 * as display text. The activation axis is always axis 0 (one value when the sweep file
 * has no "activations": the base config's). */
typedef struct nn_sweep_axis {
    char *label; /* "activation", "width", "depth", or the last part of a dotted path */
    char *path;  /* grid axes: the dotted path; NULL otherwise */
    size_t n;
    char **text; /* display text of each value (also used in run names, sanitized) */
} nn_sweep_axis;

typedef struct nn_sweep {
    char *source;    /* the sweep file, for messages */
    char *out;       /* output folder */
    char *base;      /* the base config's path */
    size_t jobs;     /* runs at a time */
    int threads;     /* per run; 0 = the cores divided by jobs */
    int table;       /* 1: untrained runs (epochs 0), results in out/results.csv */
    size_t n_axes;
    nn_sweep_axis axes[NN_SWEEP_MAX_AXES];
    size_t n_combos;
    size_t *pick;       /* n_combos x n_axes: the value index of each axis */
    char **combo_name;  /* "relu_lr0.5" */
    char **combo_json;  /* resolved config of each combination (seed, csv set per run) */
    nn_config *cfgs;    /* the validated config of each combination (seed = seeds[0]) */
    size_t n_seeds;
    uint64_t *seeds;
    size_t only; /* run only this combination (--combo); SIZE_MAX: all */
} nn_sweep;

/* Reads path, expands every combination and validates each resolved config (exit-code
 * NN_ECONFIG naming the combination when one is bad). out_override, jobs_override (0 =
 * the file's) replace the file's values. */
nn_status nn_sweep_load(nn_sweep *s, const char *path, const char *out_override,
                        size_t jobs_override, nn_error *err);
void nn_sweep_free(nn_sweep *s);

/* Each combination's data paths found by nn_config_locate_data (the current directory,
 * then the data root of env): every path found is replaced; the first one missing is
 * returned (NN_EDATA), naming its combination. */
nn_status nn_sweep_locate_data(nn_sweep *s, const nn_data_env *env, nn_error *err);

static inline size_t nn_sweep_runs(const nn_sweep *s)
{
    return s->n_combos * s->n_seeds;
}

/* Run r's name ("relu_lr0.5_s1"), malloc'ed; and its files under out/ (suffix ".csv",
 * ".json", ".status.json"), malloc'ed. NULL when out of memory. */
char *nn_sweep_run_name(const nn_sweep *s, size_t r);
char *nn_sweep_run_file(const nn_sweep *s, size_t r, const char *suffix);

/* The resolved config text of run r (its seed and CSV path set), malloc'ed. */
char *nn_sweep_run_json(const nn_sweep *s, size_t r);

/* Progress of a running sweep, for the display. */
typedef struct nn_sweep_progress {
    size_t total, done, skipped, failed, running;
    size_t others; /* runs done meanwhile by other processes sharing out/ (counted in done) */
    size_t busy;   /* runs other processes still held when this one had nothing left */
    double elapsed, eta; /* seconds; eta < 0 while unknown */
    const char *last_failed; /* the run that just failed and why, or NULL */
    const char *last_reason;
} nn_sweep_progress;

typedef struct nn_sweep_hooks {
    void *ctx;
    void (*log)(void *ctx, const char *line);
    void (*progress)(void *ctx, const nn_sweep_progress *p);
    volatile sig_atomic_t *stop; /* set (by a signal handler): finish cleanly, runs interrupted */
} nn_sweep_hooks;

/* s->out must name a folder (not "", not a plain file), and outputs never overwrite
 * inputs: s->out must not be or hold the sweep file, the base
 * config or any combination's data files or init.from, nor be or hold or lie inside its
 * image folders (symlinks resolved, hard links by inode). NN_ECONFIG naming both paths.
 * nn_sweep_exec, nn_sweep_print_jobs and nn_sweep_summarize make it first. */
nn_status nn_sweep_check_out(const nn_sweep *s, nn_error *err);

/* Loads the data every combination names and makes each run's data checks (the output
 * layer against the classes, the validation split...): NN_OK or the first failure, naming
 * the combination. nn_sweep_exec and nn_sweep_print_jobs make it first. */
nn_status nn_sweep_check_data(const nn_sweep *s, nn_error *err);

/* What nn_sweep_exec did. */
typedef struct nn_sweep_outcome {
    size_t ran;         /* runs done by this call */
    size_t pending;     /* runs not complete when it started (0: nothing to do) */
    size_t others;      /* runs other processes sharing out/ completed meanwhile */
    size_t busy;        /* runs other processes still held when it ended */
    char busy_who[128]; /* one of those processes: "host H, pid P" */
} nn_sweep_outcome;

/* Runs every run not yet complete (files.h: nn_sweep_run_complete; an untrained
 * combination: nn_sweep_combo_complete), jobs at a time, in this process: the data is
 * loaded once. Several processes, on this machine or others, may share out/: each unit
 * is claimed before it is done (claim.h) and checked again once claimed, so that none is
 * lost or done twice; units held by others are looked at again at the end (done by then,
 * still theirs, or taken over when their holder on this host died). NN_EINTR when stopped
 * (interrupted runs redo on the next call); NN_OK otherwise, even when runs failed (they
 * are recorded). The summary is the caller's (nn_sweep_summarize, under nn_sweep_lock). */
nn_status nn_sweep_exec(const nn_sweep *s, const nn_sweep_hooks *h, nn_sweep_outcome *o,
                        nn_error *err);

/* Waits for out/'s folder lock, which the summaries and plots of processes sharing out/
 * take one at a time: the last one written has seen every run finished before it. The
 * lock (-1 when the file system has none: then unlocked). nn_sweep_unlock releases it. */
int nn_sweep_lock(const nn_sweep *s);
void nn_sweep_unlock(int lock);

/* Prints one shell command per run not yet complete ("cd DIR && NNTRAIN out/NAME.json
 * --quiet"), writing the resolved configs under out/ first. nntrain_path: this program.
 * Sweeps of untrained networks print one command per combination instead (a process per
 * network would cost more than the network). Runs a running sweep has claimed are left
 * out, untouched. *printed: lines printed; *held: runs left out as claimed. */
nn_status nn_sweep_print_jobs(const nn_sweep *s, const char *nntrain_path, FILE *out,
                              size_t *printed, size_t *held, nn_error *err);

/* What the summary found. */
typedef struct nn_sweep_tally {
    size_t runs, complete, ok, diverged, exploded, failed, missing, partial;
    size_t running; /* not complete and claimed by a running sweep (or one of another host) */
} nn_sweep_tally;

/* Builds out/summary.csv (and out/epochs.csv for training sweeps) from the files under
 * out/, prints the aligned table to table (NULL: none), and lists missing, partial and
 * running (claimed) runs through h->log. */
nn_status nn_sweep_summarize(const nn_sweep *s, FILE *table, const nn_sweep_hooks *h,
                             nn_sweep_tally *tally, nn_error *err);

#endif
