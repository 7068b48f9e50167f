/* activation.h - activation functions as a table of definitions.
 *
 * Adding an activation is one new file src/nn/act/<name>.c defining
 * `const nn_act_def nn_act_<name>` and one line X(<name>) in the list in
 * src/nn/act/activations.c: the activation layer of src/nn/layer/ (one layer type
 * whose config types are this table's names), the config parser, the dead-unit probe,
 * the CSV and the contract tests all work from this table (docs/design.md, "Add an
 * activation").
 *
 * A unit counts as "active" for a sample when its pre-activation x > 0, unless the
 * activation says otherwise (count_active). Derivatives at exactly 0 follow PyTorch: the
 * x <= 0 branch is taken. */
#ifndef NN_ACTIVATION_H
#define NN_ACTIVATION_H

#include <stddef.h>
#include <stdint.h>

#include "nn/hparam.h"

typedef struct nn_act_def {
    const char *name; /* the config's "type", e.g. "leaky_relu" */
    int n_hparams;
    nn_hparam_spec hparams[NN_MAX_HPARAMS];
    /* Config name of the init used by the dense layer in front when its "init" is not
     * given ("lecun_normal" for SELU); NULL: he_normal with this activation's gain. */
    const char *dense_init;
    /* torch.nn.init.calculate_gain for this activation (used by he_* and xavier_*). */
    double (*gain)(const double *hp);
    /* Number of learnable parameters for a layer of this width (NULL: none). */
    size_t (*n_params)(const double *hp, size_t width);
    /* Extra validation that needs the width (NULL: none). Returns 0 when fine, else
     * writes what is allowed into why (e.g. "1 or the layer's width, 256"). */
    int (*check)(const double *hp, size_t width, char *why, size_t why_len);
    /* Sets the learnable parameters to their initial values (NULL when none). */
    void (*init_params)(float *p, size_t np, const double *hp);
    /* y = f(x) elementwise over rows x width (row-major). */
    void (*forward)(const float *x, float *y, size_t rows, size_t width, const float *p,
                    size_t np, const double *hp);
    /* dx = dy * f'(x); dp += dL/dp (accumulated, may be NULL when np == 0). */
    void (*backward)(const float *x, const float *dy, float *dx, float *dp, size_t rows,
                     size_t width, const float *p, size_t np, const double *hp);
    /* What "active" means for the dead-unit probe: count[j] += the rows r whose unit j is
     * active on x[r][j] (rows x width, row-major); returns -1 when an x is NaN or Inf.
     * NULL: active means x > 0 (the probe's own vectorized count). */
    int (*count_active)(const float *x, size_t rows, size_t width, uint32_t *count);
    /* The torch.nn module it is, for the scripts that rebuild a model in PyTorch: a Python
     * call with {key} for each hyperparameter, e.g. "torch.nn.ELU(alpha={alpha})". */
    const char *torch;
} nn_act_def;

/* NULL-terminated table of every activation, in a fixed order. */
extern const nn_act_def *const nn_activations[];

/* Looks an activation up by its config name; NULL when unknown. */
const nn_act_def *nn_act_find(const char *name);

#endif
