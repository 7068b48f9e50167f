/* helpers.h - small builders shared by the test suites. */
#ifndef NN_TEST_HELPERS_H
#define NN_TEST_HELPERS_H

#include <stddef.h>

#include "config/config.h"
#include "data/dataset.h"

/* A dense layer config with default init and bias. */
nn_module_spec th_dense(size_t units);
/* An activation config by name with its default hyperparameters, then hp0/hp1 when not
 * NAN (e.g. negative_slope; PReLU num_parameters, init). */
nn_module_spec th_act(const char *name, double hp0, double hp1);

/* A synthetic, learnable data set: n samples of side x side grayscale pixels in
 * n_classes classes (each class a bright bar at its own position, plus noise). */
int th_synthetic(nn_dataset *ds, size_t n, size_t side, size_t n_classes, unsigned seed);

/* A fresh directory under /tmp (caller frees the string, removes with th_rmdir). */
char *th_tmpdir(void);
void th_rmdir(const char *dir);
/* Reads a whole file into a malloc'ed NUL-terminated string (NULL on failure). */
char *th_slurp(const char *path);
/* Removes the last CSV column (seconds) from every line, in place. */
void th_strip_last_column(char *csv);



/* Writes ds as an IDX image file and an IDX label file (gzip-compressed when gz). */
int th_write_idx(const nn_dataset *ds, const char *images, const char *labels, int gz);

/* Runs a shell command line; returns its exit status (-1 when it did not exit). */
int th_run(const char *cmdline);

/* Path of the nntrain binary under test ($NNTRAIN, default build/nntrain). */
const char *th_nntrain(void);
#endif
