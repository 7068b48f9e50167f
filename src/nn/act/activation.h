/* activation.h - activation modules as a table of definitions.
 *
 * Adding an activation is one new file src/nn/act/<name>.c defining
 * `const nn_act_def nn_act_<name>` and one line X(<name>) in the list in
 * src/nn/act/activations.c: the config parser, the model, the dead-unit probe, the CSV
 * and the tests (gradient checks, probe) all work from this table. Two generated files
 * must then follow, and make test fails until they do: its PyTorch reference rows
 * (a line in scripts/torch-reference.py, then run it) and docs/config.md (make docs).
 *
 * A unit counts as "active" for a sample when its pre-activation x > 0; that rule is
 * the same for every activation, so the dead-unit probe needs no per-activation code.
 * Derivatives at exactly 0 follow PyTorch: the x <= 0 branch is taken. */
#ifndef NN_ACTIVATION_H
#define NN_ACTIVATION_H

#include <stddef.h>

#define NN_MAX_HPARAMS 4

/* One numeric hyperparameter of an activation, as written in the config. */
typedef struct nn_hparam_spec {
    const char *name; /* JSON key, e.g. "negative_slope" */
    double def;       /* default when the key is absent */
    double min, max;  /* inclusive range */
    int integer;      /* 1: must be a whole number */
} nn_hparam_spec;

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
} nn_act_def;

/* NULL-terminated table of every activation, in a fixed order. */
extern const nn_act_def *const nn_activations[];

/* Looks an activation up by its config name; NULL when unknown. */
const nn_act_def *nn_act_find(const char *name);

#endif
