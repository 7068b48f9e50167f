/* train.h - the training run: data -> model -> SGD epochs -> probe -> CSV rows.
 *
 * Its entry points (nn_train, nn_train_on) and the epoch record are public: nntrain.h. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <stddef.h>

#include "nntrain.h"

/* Learning rate of the (0-based) epoch e under cfg's schedule. */
double nn_schedule_lr(const nn_config *cfg, size_t e);

#endif
