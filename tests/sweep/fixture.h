/* sweep/fixture.h - what the sweep suites share: a folder with synthetic IDX data (5
 * classes, 8x8) and a base config training on it (dense 16, relu, dense 16, relu, dense 5),
 * a sweep file over it, hand-made runs, and a sweep loaded and run in this process. */
#ifndef NN_TEST_SWEEP_FIXTURE_H
#define NN_TEST_SWEEP_FIXTURE_H

#include <check.h>
#include <signal.h>
#include <stddef.h>

#include "sweep/sweep.h"

typedef struct fixture {
    char *dir;
    char base[512], sweep[512], out[512];
} fixture;

/* The header of a run of the fixture's model. */
#define FX_HEADER                                                                                  \
    "epoch,step,lr,train_loss,train_acc,test_loss,test_acc,dead,dead_frac,dead_1,dead_3,"          \
    "constant_output,seconds\n"

/* A fresh folder with the data and base.json of `epochs` epochs; sweep.json and out/ named. */
void fx_open(fixture *f, int epochs);
void fx_close(fixture *f);
/* f->dir/name into buf. */
void fx_path(const fixture *f, const char *name, char *buf, size_t n);
/* A checked write of text to path. */
void fx_write(const char *path, const char *text);
/* sweep.json: {"base": ..., "out": ..., <axes>}. */
void fx_sweep(const fixture *f, const char *axes);
/* The base config with "output": {key: path}. */
void fx_base_output(const fixture *f, const char *key, const char *path);
/* Loads f's sweep (which must load). */
void fx_load(nn_sweep *s, const fixture *f);
/* out/name's text (NULL when absent). */
char *fx_out_text(const fixture *f, const char *name);
/* A hand-made run r of one epoch: status file, CSV (epoch 0 and 1; a diverged run stops in
 * epoch 1, with the row of epoch 0 only) and resolved config, with the given figures. */
void fx_fake_run(const nn_sweep *s, size_t r, const char *status, double dead0, double dead1,
                 double acc1, int revived);
/* nn_sweep_exec, which must return want; the runs it did. */
size_t fx_exec(const nn_sweep *s, volatile sig_atomic_t *stop, nn_status want);

#endif
