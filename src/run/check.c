/* check.c - the one check path: every check a training run makes on its data before
 * the first step. nn_train_on makes them through nn_check_run, and check-data
 * (nn_check_data) loads the data as a run does and makes the same ones. */
#include "nntrain.h"

#include <stdint.h>
#include <string.h>

#include "data/load.h"

nn_status nn_check_run(const nn_config *cfg, const nn_dataset *train, const nn_dataset *test,
                       double *mean, double *std, nn_error *err)
{
    *mean = 0.0;
    *std = 1.0;
    if (train->dim != test->dim)
        return nn_fail(err, NN_EDATA,
                       "%s: test images have %zu features (%zux%zux%zu) but training images "
                       "have %zu (%zux%zux%zu)",
                       nn_config_test_source(cfg), test->dim, test->rows, test->cols,
                       test->channels, train->dim, train->rows, train->cols, train->channels);
    if (train->n == 0)
        return nn_fail(err, NN_EDATA, "%s: no training samples", nn_config_train_source(cfg));
    if (test->n_classes > train->n_classes)
        return nn_fail(err, NN_EDATA,
                       "%s: test labels go up to %zu but training labels only to %zu",
                       cfg->data.test_labels ? cfg->data.test_labels : nn_config_test_source(cfg),
                       test->n_classes - 1, train->n_classes - 1);
    if (train->n > UINT32_MAX || test->n > UINT32_MAX)
        return nn_fail(err, NN_EDATA,
                       "%s: more than 2^32 - 1 samples; the dead-unit probe counts samples in "
                       "32 bits (use data.train_limit or data.test_limit)",
                       train->n > UINT32_MAX ? nn_config_train_source(cfg)
                                             : nn_config_test_source(cfg));
    if (cfg->dead.every_steps && strcmp(cfg->csv, "-") == 0)
        return nn_fail(err, NN_ECONFIG,
                       "dead_units.every_steps: its rows go beside the CSV (<csv>.steps.csv), but "
                       "the CSV goes to stdout; give output.csv (or --csv) a file path, or set "
                       "dead_units.every_steps to 0");
    if (cfg->units && strcmp(cfg->units, cfg->csv) == 0)
        return nn_fail(err, NN_ECONFIG,
                       "output.units: \"%s\" is the CSV's path too; give the per-unit CSV a "
                       "file of its own",
                       cfg->units);
    nn_status st = nn_config_check_data(cfg, train->dim, train->n_classes, err);
    if (st == NN_OK)
        st = nn_config_check_validation(cfg, train->n, err);
    if (st != NN_OK || cfg->data.normalize != NN_NORM_STANDARD)
        return st;
    nn_dataset_stats(train, mean, std);
    if (!(*std > 0.0))
        return nn_fail(err, NN_EDATA,
                       "%s: every training pixel has the same value; \"standard\" "
                       "normalization needs a spread (use \"unit\")",
                       nn_config_train_source(cfg));
    return NN_OK;
}

nn_status nn_check_data(const nn_config *cfg, const nn_hooks *hooks, nn_error *err)
{
    nn_dataset train, test;
    double mean, std;
    nn_status st = nn_data_load(cfg, hooks, &train, &test, err);
    if (st == NN_OK)
        st = nn_check_run(cfg, &train, &test, &mean, &std, err);
    if (st == NN_OK)
        nn_say(hooks,
               "data ok: %zu training (%zu held out for validation) and %zu test samples, %zu "
               "classes",
               train.n, cfg->data.validation, test.n, train.n_classes);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return st;
}
