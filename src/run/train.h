/* train.h - the training run: data -> model -> SGD epochs -> probe -> CSV rows.
 *
 * Its entry points (nn_train, nn_train_on) and the epoch record are public: nntrain.h. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <stddef.h>

#include "nntrain.h"

/* The seed's random streams (nn_rng_seed's stream argument) and the rows of one forward
 * pass when evaluating: shared with untrained.c, whose figures equal a run's epoch 0. */
enum { NN_RNG_INIT = 1, NN_RNG_SHUFFLE = 2, NN_RNG_SPLIT = 3 };
enum { NN_EVAL_CHUNK = 256 };

/* Learning rate of the (0-based) epoch e under cfg's schedule. */
double nn_run_lr(const nn_config *cfg, size_t e);

#endif
