/* check.c - the one check path: every check a training run makes on its data before
 * the first step. nn_train_on makes them through nn_check_run, and check-data
 * (nn_check_data) loads the data as a run does and makes the same ones. */
#include "run/check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/data.h"
#include "nn/layer/model.h"
#include "run/state.h"
#include "run/csv.h"
#include "run/outputs.h"
#include "sys/fs.h"

/* A file or folder the run reads, and its name for messages. */
typedef struct run_input {
    const char *path, *what;
    int dir; /* a folder: nothing may be written inside it */
} run_input;

/* An output against every input. */
static nn_status check_output(const nn_config *cfg, const nn_run_output *o, const run_input *in,
                              size_t n_in, nn_error *err)
{
    for (size_t i = 0; i < n_in; i++) {
        if (!in[i].path)
            continue;
        /* A resumed run writes its checkpoint where it read it: the one overwrite meant. */
        if (in[i].path == cfg->resume && o->ckpt)
            continue;
        if (in[i].dir && nn_inside_dir(o->path, in[i].path))
            return nn_fail(err, NN_ECONFIG,
                           "%s (%s) would be written inside %s %s; give %s a path outside it",
                           o->path, o->role, in[i].what, in[i].path, o->key);
        if (!in[i].dir && nn_same_file(o->path, in[i].path))
            return nn_fail(err, NN_ECONFIG,
                           "%s (%s) would overwrite %s %s (the same file); give %s a path of "
                           "its own",
                           o->path, o->role, in[i].what, in[i].path, o->key);
    }
    return NN_OK;
}

/* Two outputs of the run that would land on the same file (the same path, a symlink or a
 * hard link): the later one in the list is named as the one to move. */
static nn_status check_pairs(const nn_run_output *out, size_t n, nn_error *err)
{
    for (size_t j = 1; j < n; j++)
        for (size_t i = 0; i < j; i++)
            if (nn_same_target(out[j].path, out[i].path))
                return nn_fail(err, NN_ECONFIG,
                               "%s (%s) would overwrite %s (%s), the same file; give %s a path "
                               "of its own",
                               out[j].path, out[j].role, out[i].path, out[i].role, out[j].key);
    return NN_OK;
}

nn_status nn_check_outputs(const nn_config *cfg, nn_error *err)
{
    const run_input in[] = {
        {cfg->source, "the config file", 0},
        {cfg->data.train_images, "the training images", 0},
        {cfg->data.train_labels, "the training labels", 0},
        {cfg->data.test_images, "the test images", 0},
        {cfg->data.test_labels, "the test labels", 0},
        {cfg->data.train_dir, "the training image folder", 1},
        {cfg->data.test_dir, "the test image folder", 1},
        {cfg->init_from, "init.from's weights", 0},
        {cfg->resume, "--resume's checkpoint", 0},
    };
    const size_t n_in = sizeof in / sizeof in[0];
    nn_run_output out[NN_RUN_MAX_OUTPUTS];
    size_t n = 0;
    nn_status st = nn_run_outputs(cfg, out, &n, err);
    for (size_t k = 0; st == NN_OK && k < n; k++)
        st = check_output(cfg, &out[k], in, n_in, err);
    if (st == NN_OK)
        st = check_pairs(out, n, err);
    nn_run_outputs_free(out, n);
    return st;
}

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

/* init.from's weights against the model a run of cfg builds for inputs of dim features. */
static nn_status check_init_from(const nn_config *cfg, size_t dim, nn_error *err)
{
    if (!cfg->init_from)
        return NN_OK;
    nn_model m;
    nn_rng rng;
    nn_rng_seed(&rng, cfg->seed, 0);
    nn_status st = nn_model_build(&m, cfg->modules, cfg->n_modules, dim, 1, 0, 1, &rng, err);
    if (st == NN_OK) {
        st = nn_state_load_weights(cfg->init_from, &m, err);
        nn_model_free(&m);
    }
    return st;
}

nn_status nn_check_data(const nn_config *cfg, const nn_hooks *hooks, nn_error *err)
{
    nn_dataset train = {0}, test = {0};
    double mean, std;
    nn_status st = nn_check_outputs(cfg, err); /* as a run, before the data loads */
    if (st == NN_OK)
        st = nn_config_load_data(cfg, hooks, &train, &test, err);
    if (st == NN_OK)
        st = nn_check_run(cfg, &train, &test, &mean, &std, err);
    if (st == NN_OK)
        st = check_init_from(cfg, train.dim, err);
    if (st == NN_OK)
        nn_say(hooks,
               "data ok: %zu training (%zu held out for validation) and %zu test samples, %zu "
               "classes",
               train.n, cfg->data.validation, test.n, train.n_classes);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return st;
}
