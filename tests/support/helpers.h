/* support/helpers.h - small builders shared by the test suites. */
#ifndef NN_TEST_HELPERS_H
#define NN_TEST_HELPERS_H

#include <stddef.h>
#include <stdio.h>

#include "config/config.h"
#include "data/dataset.h"
#include "nn/act/activation.h"

/* A dense layer config with default init and bias. */
nn_module_spec th_dense(size_t units);
/* An activation config by name with its default hyperparameters, then hp0/hp1 when not
 * NAN (e.g. negative_slope; PReLU num_parameters, init). */
nn_module_spec th_act(const char *name, double hp0, double hp1);

/* Number of entries in nn_activations[]. */
size_t th_n_activations(void);

/* Hyperparameter settings of activation a that its check accepts for a layer of width
 * units: set 0 holds the defaults, the others (none when a has no hyperparameters) each
 * hyperparameter at the upper end, at the lower end, then at random points of its range
 * near the default (def +- 2 max(1, |def|), clipped to [min, max]). Returns the count. */
enum { TH_MAX_SETTINGS = 5 };
size_t th_act_settings(const nn_act_def *a, size_t width,
                       double hp[TH_MAX_SETTINGS][NN_MAX_HPARAMS]);
/* "negative_slope=0.2,..." or "defaults" for messages. */
const char *th_hp_str(const nn_act_def *a, const double *hp, char *buf, size_t len);

/* Tests not registered because something they need is absent: main.c prints each
 * with its reason and counts them as skipped (not as passed). */
enum { TH_MAX_SKIPS = 32 };
typedef struct th_skips {
    size_t n, tests;
    struct {
        char what[96], reason[256];
        size_t tests;
    } item[TH_MAX_SKIPS];
} th_skips;
/* Records that test (tests of them: loop iterations) of suite is not registered. */
void th_skip(th_skips *sk, const char *suite, const char *test, size_t tests, const char *reason);
/* One "skipped: suite:test (n tests): reason" line per record. */
void th_skips_print(const th_skips *sk, FILE *f);

/* The directory of the MNIST test set (t10k-images/labels-idx*-ubyte.gz): $NNTRAIN_MNIST
 * when set, else data/mnist or ../shared/data/mnist. NULL when absent, and why (when not
 * NULL) says where it looked. */
const char *th_mnist_dir(char *why, size_t why_len);

/* Loads the MNIST test set from th_mnist_dir() (the suites register their MNIST tests only
 * when it is there). */
nn_status th_load_mnist_test(nn_dataset *ds, nn_error *err);

/* A synthetic, learnable data set: n samples of side x side grayscale pixels in
 * n_classes classes (each class a bright bar at its own position, plus noise). */
int th_synthetic(nn_dataset *ds, size_t n, size_t side, size_t n_classes, unsigned seed);

/* Removes the last CSV column (seconds) from every line, in place. */
void th_strip_last_column(char *csv);

/* Writes ds as an IDX image file and an IDX label file (gzip-compressed when gz). */
int th_write_idx(const nn_dataset *ds, const char *images, const char *labels, int gz);

/* Runs config_doc --check path (the config_doc beside th_nntrain(), built from the library
 * alone, without this build's test-only table entries); its exit status. */
int th_config_doc_check(const char *path);
#endif
