/* nntrain.h - the public face of the library: what the command line and the tests use.
 *
 * A run: nn_config_load reads and validates a JSON config, nn_train loads the data it
 * names, makes every check, trains and writes one CSV row per epoch; nn_check_data loads
 * and checks the same way and trains nothing. The library never prints and never exits:
 * it reports through nn_hooks, and a failure is an nn_status with one line in nn_error.
 *
 * Types defined once beside their sources and exposed here through their headers:
 * nn_status and nn_error (sys/error.h), nn_config (config/config.h), nn_dataset
 * (data/dataset.h), the model and the dead-unit counts an epoch record points to
 * (nn/model.h, run/dead.h), nn_hooks (sys/log.h: the data loader takes them too, and
 * data/ must not include run/), nn_data_env and the data paths' lookup (data/locate.h),
 * a config's data located and loaded (config/data.h). */
#ifndef NNTRAIN_H
#define NNTRAIN_H

#include <stddef.h>

#include "config/config.h"
#include "config/data.h"
#include "data/dataset.h"
#include "data/locate.h"
#include "nn/model.h"
#include "run/dead.h"
#include "sys/error.h"
#include "sys/log.h"

/* One epoch as measured by the training loop: the CSV row is written from it and the
 * epoch hook receives it. Epoch 0 is the untrained model (no training columns). */
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

/* Loads the data named by cfg and runs the training. */
nn_status nn_train(const nn_config *cfg, const nn_hooks *hooks, nn_error *err);

/* Runs the training on data sets already in memory (train and test must share dim).
 * With cfg->data.validation > 0, that many samples of train (chosen by a shuffle from the
 * seed's stream 3) are held out and evaluated after every epoch instead of trained on.
 * When hooks->stop is set and becomes nonzero, the run stops before its next batch or
 * epoch evaluation with NN_EINTR (the CSV keeps the rows written, the status file says
 * "interrupted"). */
nn_status nn_train_on(const nn_config *cfg, const nn_dataset *train, const nn_dataset *test,
                      const nn_hooks *hooks, nn_error *err);

/* Every check a training run makes on its data before the first step: the test images
 * have the training images' size, there are training samples, the test labels are
 * training labels, the model fits the data (input width, PReLU widths, the last dense
 * layer's units = classes), data.validation leaves samples to train on, "standard"
 * normalization finds a spread, each set has fewer than 2^32 samples, and
 * dead_units.every_steps has a CSV file to put its rows beside, and output.units is not
 * the CSV's path. On success *mean and *std are the pixel statistics the
 * run normalizes with (0 and 1 unless "standard"). NN_EDATA or NN_ECONFIG otherwise. */
nn_status nn_check_run(const nn_config *cfg, const nn_dataset *train, const nn_dataset *test,
                       double *mean, double *std, nn_error *err);

/* Outputs never overwrite inputs: every file the run writes (output.csv and its
 * .status.json, .classes.txt, .steps.csv siblings, output.units, output.checkpoint) is
 * compared with every file it reads (the config file, data.train_images/labels,
 * data.test_images/labels, init.from, --resume's checkpoint) by device and inode, symlinks
 * followed, and must not lie inside data.train_dir or data.test_dir. --resume X with
 * output.checkpoint X is the one pair allowed; the CSV "-" (stdout) writes no file.
 * NN_ECONFIG naming both paths. nn_train_on makes it before writing anything. */
nn_status nn_check_outputs(const nn_config *cfg, nn_error *err);

/* check-data: loads the data named by cfg as nn_train does, makes the checks of
 * nn_check_run and logs a summary ("data ok: ..."); trains nothing, writes nothing. */
nn_status nn_check_data(const nn_config *cfg, const nn_hooks *hooks, nn_error *err);

#endif
