/* support/cases.h - the cases the contract tests run for every entry of the layer and
 * optimizer tables, and the fixed inputs they use. scripts/torch-reference.py reads the
 * same cases (build/test_nntrain --cases prints them) and computes PyTorch's results with
 * the same formulas into tests/ref/torch_layers.tsv and torch_optims.tsv.
 *
 * A layer case: one config type with settings, on TH_ROWS rows of TH_IN inputs:
 *   x[i]  = 2 sin(1.3 i + 0.1)          input, row-major (i = r * in + c)
 *   p[k]  = 0.5 cos(0.37 k + 0.5)       parameters, over the module's parameter tensors in
 *                                        order (state_dict order)
 *   b[k]  = 0.05 (k + 1)                float buffers, in order;  counters = 3
 *   w[i]  = cos(0.9 i + 0.3)            dL/dy: the loss is sum(y * w)
 * An optimizer case: settings and a learning rate, on TH_NP parameters p[k] as above, for
 * TH_STEPS steps; at step t (from 0) the gradient, in float32 from the current p, is
 *   g[k] = p[k] * a_t + c_{t,k},  a_t = (float)(0.3 + 0.1 t),  c_{t,k} = (float)(0.2 sin(0.7 k + t)). */
#ifndef NN_TEST_CASES_H
#define NN_TEST_CASES_H

#include <stdio.h>

#include "nn/layer/layer.h"
#include "nn/optim/optim.h"

enum { TH_IN = 5, TH_ROWS = 4, TH_NP = 7, TH_STEPS = 6, TH_MAX_CASES = 256, TH_LABEL = 200 };

typedef struct th_layer_case {
    nn_module_spec spec;
    char label[TH_LABEL]; /* "type key=value,..." (every row, %.17g) */
} th_layer_case;

typedef struct th_optim_case {
    const nn_optim_def *def;
    double hp[NN_MAX_HPARAMS];
    double lr;
    char label[TH_LABEL];
} th_optim_case;

/* Every config type of the layer table with each of its settings that its checks accept at
 * TH_IN inputs: the defaults (a required size at 3), each row moved alone (a number to 45%
 * of its range, a size to 3 and to TH_IN, a boolean flipped), all of them moved, and all
 * moved but one. Returns the count (<= cap). */
size_t th_layer_cases(th_layer_case *out, size_t cap);
/* The same for every optimizer (its validate deciding), at lr 0.1. */
size_t th_optim_cases(th_optim_case *out, size_t cap);

double th_case_x(size_t i);
double th_case_p(size_t k);
double th_case_b(size_t k);
double th_case_w(size_t i);
/* The gradient of optimizer step t for parameter k at value p (float32, as documented). */
float th_case_grad(size_t t, size_t k, float p);

/* Writes the cases as JSON ({"layers": [...], "optimizers": [...]}, each with its type,
 * settings, label and sizes) followed by nothing: what scripts/torch-reference.py reads. */
void th_cases_json(FILE *f);

#endif
