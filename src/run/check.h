/* check.h - the checks a run makes before its first step and before it writes anything;
 * check-data makes the same ones without training (check.c). */
#ifndef NN_CHECK_H
#define NN_CHECK_H

#include "config/config.h"
#include "data/dataset.h"
#include "sys/error.h"
#include "sys/log.h"

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

/* Outputs never overwrite inputs, nor each other: every file the run writes (output.csv
 * and its .status.json, .classes.txt, .steps.csv siblings, output.units,
 * output.checkpoint, and the temporary files the status and the checkpoint are written
 * through) is compared with every file it reads (the config file, data.train_images/labels,
 * data.test_images/labels, init.from, --resume's checkpoint) by device and inode, symlinks
 * followed, and must not lie inside data.train_dir or data.test_dir; and with every other
 * output, by inode or by the path it resolves to (nn_same_target: files not there yet
 * too). --resume X with output.checkpoint X is the one pair allowed; the CSV "-" (stdout)
 * writes no file. NN_ECONFIG naming both paths. nn_train_on makes it before writing
 * anything. */
nn_status nn_check_outputs(const nn_config *cfg, nn_error *err);

/* check-data: loads the data named by cfg as nn_train does, makes the checks of
 * nn_check_run and logs a summary ("data ok: ..."); trains nothing, writes nothing. */
nn_status nn_check_data(const nn_config *cfg, const nn_hooks *hooks, nn_error *err);

#endif
