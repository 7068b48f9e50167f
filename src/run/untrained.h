/* untrained.h - the epoch-0 figures of a network without training it: what a study of
 * networks at initialization (born dead, collapsed output) needs, for many networks on
 * the same inputs.
 *
 * The inputs are normalized once (nn_inputs) and shared by every network; each network
 * is then only built, initialized from its seed and run forward over them, in the same
 * chunks as a training run's epoch 0, so its figures equal that row of the run's CSV. */
#ifndef NN_UNTRAINED_H
#define NN_UNTRAINED_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "data/dataset.h"
#include "sys/error.h"

/* Samples as the model's input rows: n x dim normalized floats and their labels. */
typedef struct nn_inputs {
    float *x;
    int32_t *y;
    size_t n, dim;
} nn_inputs;

/* The test set (as far as test_limit reaches) and the probe set of cfg, normalized as
 * the run would (pixel statistics from nn_check_run). probe shares test's rows when the
 * probe is the test set (dead_units.samples only shortens it). */
typedef struct nn_untrained_inputs {
    nn_inputs test, probe;
    int probe_is_test; /* probe.x points into test.x (nothing of its own) */
} nn_untrained_inputs;

nn_status nn_untrained_inputs_make(nn_untrained_inputs *in, const nn_config *cfg,
                                   const nn_dataset *train, const nn_dataset *test, double mean,
                                   double std, nn_error *err);
void nn_untrained_inputs_free(nn_untrained_inputs *in);

/* What epoch 0 shows of one network. */
typedef struct nn_untrained {
    nn_status status; /* NN_OK, or NN_ETRAIN: a pre-activation or the loss is not finite */
    double test_loss, test_acc;
    size_t hidden, dead; /* hidden units, and those dead on the probe set */
    size_t layers, dead_layers; /* activation modules, and those with every unit dead */
    int constant_output;        /* the logits do not vary over the probe set */
} nn_untrained;

/* Networks of one config built once and initialized again for each seed: a model costs
 * its allocations once per combination, not once per network. */
typedef struct nn_untrained_net nn_untrained_net;
typedef struct nn_untrained_group {
    const nn_config *cfg;
    nn_untrained_net *nets;
    size_t n;
} nn_untrained_group;

/* n networks of cfg's model for inputs of dim features, one GEMM thread each (many groups
 * run side by side). NN_ESYS when out of memory. */
nn_status nn_untrained_group_new(nn_untrained_group *g, const nn_config *cfg, size_t n,
                                 size_t dim, nn_error *err);
void nn_untrained_group_free(nn_untrained_group *g);

/* Initializes the group's networks from seeds[0..n) (n <= the group's size) exactly as a
 * run with that seed does, runs them over in and fills out[0..n). The networks go through
 * the inputs in lockstep, a chunk of rows at a time, so each chunk is read from memory once
 * for all of them and then from the cache; every network gets exactly the products a
 * run makes. A network unstable at init is not an error (out[i].status). */
void nn_untrained_run(nn_untrained_group *g, const uint64_t *seeds, size_t n,
                      const nn_untrained_inputs *in, nn_untrained *out);

#endif
