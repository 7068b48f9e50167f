/* dense.h - the rows of a dense layer's spec (nn_module_spec.hp[k]), for the code that
 * builds or reads dense layers by hand (the sweep's "hidden" models, tests). */
#ifndef NN_DENSE_H
#define NN_DENSE_H

#include "nn/layer/layer.h"

enum { NN_DENSE_UNITS = 0, NN_DENSE_BIAS = 1, NN_DENSE_INIT = 2, NN_DENSE_BIAS_INIT = 3 };

extern const nn_layer_def nn_layer_dense;

#endif
