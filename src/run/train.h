/* train.h - the training run: data -> model -> SGD epochs -> probe -> CSV rows.
 *
 * The library never prints: progress is handed to the caller's hooks. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <stddef.h>

#include "config/config.h"
#include "data/dataset.h"
#include "run/dead.h"
#include "sys/error.h"
#include "sys/log.h"
#include "nn/model.h"

typedef struct nn_epoch_report {
    size_t epoch, epochs, step;
    double lr;
    int has_train; /* 0 for epoch 0 (before any update) */
    double train_loss, train_acc, test_loss, test_acc;
    double seconds;        /* since the start of the run */
    double images_per_sec; /* training throughput of this epoch (0 for epoch 0) */
    const nn_dead *dead;
    const nn_model *model;
    int has_val; /* a validation split is held out: val_loss and val_acc are set */
    double val_loss, val_acc;
} nn_epoch_report;

/* Loads the data named by cfg and runs the training. */
nn_status nn_train(const nn_config *cfg, const nn_hooks *hooks, nn_error *err);

/* Runs the training on data sets already in memory (train and test must share dim).
 * With cfg->data.validation > 0, that many samples of train (chosen by a shuffle from the
 * seed's stream 3) are held out and evaluated after every epoch instead of trained on. */
nn_status nn_train_on(const nn_config *cfg, const nn_dataset *train, const nn_dataset *test,
                      const nn_hooks *hooks, nn_error *err);

/* Learning rate of the (0-based) epoch e under cfg's schedule. */
double nn_schedule_lr(const nn_config *cfg, size_t e);

#endif
