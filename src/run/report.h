/* report.h - one epoch as the training loop measured it: the CSV row is written from it
 * (csv.h) and the caller's epoch hook receives it (sys/log.h declares it for the hooks). */
#ifndef NN_REPORT_H
#define NN_REPORT_H

#include <stddef.h>

#include "nn/layer/model.h"
#include "run/dead.h"

/* Epoch 0 is the untrained model (no training columns). */
typedef struct nn_epoch_report {
    size_t epoch, epochs, step;
    double lr;
    int has_train; /* 0 for epoch 0 (before any update): train_loss and train_acc unset */
    double train_loss, train_acc, test_loss, test_acc;
    int has_val; /* a validation split is held out: val_loss and val_acc are set */
    double val_loss, val_acc;
    double seconds;        /* since the start of the run */
    double images_per_sec; /* training throughput of this epoch (0 for epoch 0) */
    const nn_dead *dead;   /* dead units per module, from this epoch's probe */
    const nn_model *model; /* the model (PReLU slopes, module names) */
} nn_epoch_report;

#endif
