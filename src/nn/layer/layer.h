/* layer.h - layer types as a table of definitions, the way activations are one
 * (src/nn/act/activation.h). A model is a sequence of modules, each an instance of one
 * entry of this table, like torch.nn.Sequential (src/nn/layer/model.h).
 *
 * An entry declares everything the rest of the program needs to know of its type: its
 * config rows, its output width, its parameter tensors with PyTorch's state_dict names
 * and its buffers (state it updates itself, such as running statistics), their init,
 * forward in train or eval mode, backward, whether it is elementwise (and so may run
 * inside the epilogue of the product before it), whether the dead-unit probe counts its
 * units, and its memory. Adding a layer type is one new file src/nn/layer/<name>.c and
 * one line in src/nn/layer/layers.c (docs/design.md, "Add a layer").
 *
 * The config, the model, checkpoints, the probe, the CSV columns, sweeps and the contract
 * tests all work from the table. */
#ifndef NN_LAYER_H
#define NN_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "math/gemm/gemm.h"
#include "math/rng.h"
#include "math/tensor.h"
#include "nn/act/activation.h"
#include "nn/hparam.h"

struct nn_layer_def;

/* Train mode: as model.train() (batch statistics, dropout on); eval mode: as model.eval()
 * (running statistics, dropout off). Evaluations, eval/predict and the probes use eval. */
typedef enum nn_mode { NN_TRAIN = 0, NN_EVAL = 1 } nn_mode;

/* One entry of the config's "model": its layer type and the values of its rows. */
typedef struct nn_module_spec {
    const struct nn_layer_def *layer;
    const nn_act_def *act;     /* activation layers: which activation; NULL otherwise */
    double hp[NN_MAX_HPARAMS]; /* row k of nn_layer_keys(): its value, defaults filled in */
    int given[NN_MAX_HPARAMS]; /* 1 when row k was in the config */
} nn_module_spec;

/* A module of a built model. Its parameters are one range of the model's flat parameter
 * buffer (p, np; gradients at dp), its buffers ranges of the model's float and integer
 * buffers. */
typedef struct nn_module {
    const struct nn_layer_def *def;
    const nn_act_def *act; /* activation layers */
    size_t in, out;        /* input and output widths */
    double hp[NN_MAX_HPARAMS];
    float *p, *dp;    /* every parameter of the module, and its gradient */
    size_t np;
    float *buf;       /* float buffers (NULL when none) */
    size_t nbuf;
    int64_t *count;   /* integer buffers (NULL when none) */
    size_t ncount;
    float *w, *b, *dw, *db; /* dense: weight [out x in] and bias [out] (NULL when none),
                               views into p and dp */
} nn_module;

/* Consumes the finished gradients of params[lo, hi) (an optimizer step). */
typedef void (*nn_param_update)(void *ctx, size_t lo, size_t hi);

/* What a module's forward pass gets. */
typedef struct nn_fwd {
    nn_gemm_ctx *gemm;
    const float *x; /* rows x in */
    float *y;       /* rows x out */
    size_t rows;
    nn_mode mode;
    /* A product layer may be given the elementwise module after it: it then writes that
     * module's output too (fuse_out, rows x out), block by block as the product ends. */
    const nn_module *fuse;
    float *fuse_out;
} nn_fwd;

/* What a module's backward pass gets. */
typedef struct nn_bwd {
    nn_gemm_ctx *gemm;
    const float *x, *y, *dy; /* its input, its output, the gradient of its output */
    float *dx;               /* the gradient of its input to write; NULL: not needed */
    size_t rows;
    /* A product layer may be given the elementwise module in front of it (without
     * parameters): the gradient of that module's input (dfuse_in) is then written block by
     * block from dx as it is finished (fuse_in: that module's input). */
    const nn_module *fuse;
    const float *fuse_in;
    float *dfuse_in;
    /* Called on every parameter range as soon as its gradient is final (may be NULL);
     * offsets are in the model's flat buffer, which starts at params. A layer that does not
     * call it itself (update_ranges 0) has its whole range handed over after backward. */
    nn_param_update update;
    void *update_ctx;
    const float *params;
} nn_bwd;

/* Parameters are trained by the optimizer; buffers are the module's own state. */
typedef enum nn_tensor_role { NN_PARAM = 0, NN_BUFFER = 1 } nn_tensor_role;

enum { NN_LAYER_MAX_TENSORS = 8 };

/* One tensor of a module, named "<i>.<suffix>" as torch.nn.Sequential's state_dict names
 * it. offset: in elements, from the module's p (parameters), buf (F32 buffers) or count
 * (I64 buffers). */
typedef struct nn_layer_tensor {
    const char *suffix;
    nn_tensor_role role;
    nn_dtype dtype; /* NN_F32, or NN_I64 for a counter buffer */
    size_t ndim;
    uint64_t shape[2];
    size_t n, offset;
} nn_layer_tensor;

/* What a module of a type holds, for a given input width. */
typedef struct nn_layer_size {
    size_t out;    /* output width */
    size_t params; /* floats trained by the optimizer */
    size_t bufs;   /* float buffers */
    size_t counts; /* int64 buffers */
} nn_layer_size;

typedef struct nn_layer_def {
    const char *name; /* the config's "type" ("dense"); see acts */
    const char *doc;  /* one line for the reference */
    /* An entry that stands for a whole table of functions (the activation layer) has
     * acts (NULL-terminated): each function's name is a type, its hyperparameters are the
     * rows. Otherwise name is the type and keys are the rows. */
    const nn_act_def *const *acts;
    int n_keys;
    nn_hparam_spec keys[NN_MAX_HPARAMS];
    /* Extra validation against the input width (NULL: none): 0 when fine, else writes
     * what is allowed into why. */
    int (*check)(const nn_module_spec *s, size_t in, char *why, size_t why_len);
    /* Rules between its own rows (NULL: none): 0 when fine, else sets *key to the row the
     * message is about and writes the message into msg. */
    int (*validate)(const nn_module_spec *s, const char **key, char *msg, size_t len);
    nn_layer_size (*size)(const nn_module_spec *s, size_t in);
    /* Lays the views (w, b, ...) of a module whose p, buf and count are placed. */
    void (*place)(nn_module *m);
    /* The module's tensors, parameters first (state_dict order); returns the count
     * (<= NN_LAYER_MAX_TENSORS). From the module's widths, sizes and hp only: it is also
     * called on a planned module (nn_model_plan), whose p, buf and count are NULL. */
    size_t (*tensors)(const nn_module *m, nn_layer_tensor *out);
    /* Initial values of the parameters and buffers. rng: the init stream, which the
     * modules draw from in order (only the layers that draw use it). next: the module
     * after it (NULL: none), whose activation picks a dense layer's gain. */
    void (*init)(nn_module *m, const nn_module_spec *s, const nn_module_spec *next,
                 nn_rng *rng);
    void (*forward)(nn_module *m, const nn_fwd *f);
    /* Elementwise types (NULL otherwise): the forward pass in mode over columns j0 .. j0 +
     * cols of rows contiguous rows (x and y packed at cols per row; per-unit parameters
     * start at unit j0), so that a product can run it on its output blocks; and (for
     * modules without parameters) the backward pass the same way, dx = dy * f'(x). */
    void (*forward_cols)(const nn_module *m, const float *x, float *y, size_t j0, size_t rows,
                         size_t cols, nn_mode mode);
    void (*backward_cols)(const nn_module *m, const float *x, const float *dy, float *dx,
                          size_t j0, size_t rows, size_t cols);
    /* Product types with a narrow path (NULL otherwise): the eval-mode forward pass of
     * blocks of sixteen rows held lane-major (xt[(b * in + l) * 16 + r] = input l of row
     * 16 b + r; yt likewise with out), each element bit for bit what forward gives it.
     * Returns 0 when this module or kernel has no such path (in or out over 16). */
    int (*forward_lanes)(const nn_module *m, nn_gemm_ctx *g, const float *xt, float *yt,
                         size_t blocks);
    /* Writes dx (when not NULL) and the parameter gradients dp (every one, nothing needs
     * zeroing first). */
    void (*backward)(nn_module *m, const nn_bwd *b);
    int product;       /* a matrix product: takes fuse in forward and backward */
    int update_ranges; /* calls b->update itself, range by range */
    int probed;        /* the dead-unit probe counts its units on its input, by its act's
                          rule of "active" (only an entry with acts: the activation layer) */
    /* The torch.nn module it is, with {key} for each row ("torch.nn.Linear({in}, {units},
     * bias={bias})"; {in} is the input width); NULL for an entry with acts (each act has
     * its own). */
    const char *torch;
} nn_layer_def;

/* The table: every built-in entry in a fixed order, then the extra entries a test build
 * registers (nn_layers_extra). NULL past the last. */
const nn_layer_def *nn_layer_at(size_t i);

/* Link-time registration: a program (the test suite) that defines this function adds its
 * entries (a NULL-terminated list) to the table; the library only declares it (weak). */
const nn_layer_def *const *nn_layers_extra(void);

/* The entry (and activation) of a config "type"; 0 when unknown. */
int nn_layer_find(const char *type, const nn_layer_def **def, const nn_act_def **act);

/* Every config "type", NULL-terminated, in table order (an entry with acts lists each of
 * them): "dense", "relu", ... out has room for cap entries including the NULL. */
void nn_layer_types(const char **out, size_t cap);

/* The rows of a spec's type: the entry's keys, or its activation's hyperparameters. */
const nn_hparam_spec *nn_layer_keys(const nn_layer_def *def, const nn_act_def *act, int *n);

/* A spec of type (its defaults filled in), for code and tests that build models. */
nn_module_spec nn_layer_spec(const char *type);

/* The value of the row named key of s (NaN when it has none). */
double nn_spec_get(const nn_module_spec *s, const char *key);
/* Sets the row named key of s (marks it given); 0 when s has no such row. */
int nn_spec_set(nn_module_spec *s, const char *key, double value);

/* The config type of a spec or module ("dense", "relu"). */
const char *nn_spec_type(const nn_module_spec *s);
const char *nn_module_type(const nn_module *m);

/* Whether a spec or module is a product layer with a weight [out x in] (dense). */
int nn_spec_is_product(const nn_module_spec *s);

#endif
