/* train.h - the training run: data -> model -> SGD epochs -> probe -> CSV rows.
 *
 * Its entry points (nn_train, nn_train_on) and the epoch record (report.h) are public:
 * include/nntrain.h includes them. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <stddef.h>

#include "config/config.h"
#include "data/dataset.h"
#include "run/report.h"
#include "sys/error.h"
#include "sys/log.h"

/* Loads the data named by cfg and runs the training. A new run (not cfg->resume) keeps
 * the files an earlier run left where it writes, renamed (nn_run_keep_previous), once
 * every check has passed. */
nn_status nn_train(const nn_config *cfg, const nn_hooks *hooks, nn_error *err);

/* Runs the training on data sets already in memory (train and test must share dim).
 * With cfg->data.validation > 0, that many samples of train (chosen by a shuffle from the
 * seed's stream 3) are held out and evaluated after every epoch instead of trained on.
 * When hooks->stop is set and becomes nonzero, the run stops before its next batch or
 * epoch evaluation with NN_EINTR (the CSV keeps the rows written, the status file says
 * "interrupted"). It writes over files already there: its caller (a sweep) manages
 * them. */
nn_status nn_train_on(const nn_config *cfg, const nn_dataset *train, const nn_dataset *test,
                      const nn_hooks *hooks, nn_error *err);

/* The seed's random streams (nn_rng_seed's stream argument) and the rows of one forward
 * pass when evaluating: shared with untrained.c, whose figures equal a run's epoch 0. */
enum { NN_RNG_INIT = 1, NN_RNG_SHUFFLE = 2, NN_RNG_SPLIT = 3 };
enum { NN_EVAL_CHUNK = 256 };

/* Learning rate of the (0-based) epoch e under cfg's schedule. */
double nn_run_lr(const nn_config *cfg, size_t e);

#endif
