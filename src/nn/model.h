/* model.h - a sequence of modules (dense layers and activations), like
 * torch.nn.Sequential. Module i of the config is module i here, in the CSV and in
 * checkpoint tensor names ("i.weight", when checkpoints come).
 *
 * All parameters live in one contiguous float buffer (params) and their gradients in a
 * second of the same shape (grads); modules hold views into them. Activation buffers
 * are allocated once for max_batch rows, so the batch loop never allocates. */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nn/act/activation.h"
#include "nn/init.h"
#include "sys/error.h"
#include "math/gemm/gemm.h"
#include "math/rng.h"

/* One entry of "model": a dense layer (act == NULL) or an activation module. */
typedef struct nn_module_spec {
    const nn_act_def *act; /* NULL: dense */
    /* dense */
    size_t units;
    int bias;              /* default 1 */
    nn_init_kind init;     /* NN_INIT_AUTO when not given */
    double bias_init;      /* default 0 */
    int bias_init_set;     /* 1 when "bias_init" was given explicitly */
    /* activation: values of act->hparams[k], defaults filled in */
    double hp[NN_MAX_HPARAMS];
} nn_module_spec;

typedef struct nn_module {
    const nn_act_def *act; /* NULL: dense */
    size_t in, out;        /* input and output widths (equal for activations) */
    /* dense: weight [out x in] (PyTorch layout), bias [out] or NULL */
    float *w, *b, *dw, *db;
    /* activation: learnable parameters (PReLU slopes), np of them */
    float *p, *dp;
    size_t np;
    double hp[NN_MAX_HPARAMS];
} nn_module;

typedef struct nn_model {
    size_t n_modules;
    nn_module *modules;
    size_t input_dim, output_dim;
    size_t n_params;
    float *params, *grads;
    size_t max_batch;
    /* acts[0]: input (max_batch x input_dim); acts[i + 1]: output of module i.
     * dacts[i]: gradient of the loss with respect to acts[i] (dacts[0] unused). */
    float **acts, **dacts;
    nn_gemm_ctx *gemm; /* kernel, threads and packing buffers of every product */
} nn_model;

/* Builds the modules of mods[0..n) for inputs of input_dim features, initializes the
 * parameters from rng (dense layers in order, then nothing else draws from rng) and
 * allocates buffers for batches of up to max_batch samples. Products run on threads
 * threads (0 = all available cores); results do not depend on that number. */
nn_status nn_model_build(nn_model *m, const nn_module_spec *mods, size_t n, size_t input_dim,
                         size_t max_batch, int threads, nn_rng *rng, nn_error *err);
void nn_model_free(nn_model *m);

/* Draws every parameter again from rng exactly as nn_model_build does (mods: the same
 * modules the model was built from): a model built once serves many seeds. */
void nn_model_init_params(nn_model *m, const nn_module_spec *mods, nn_rng *rng);

/* Forward pass of rows samples placed in m->acts[0]; returns the logits
 * (m->acts[n_modules], rows x output_dim). */
const float *nn_model_forward(nn_model *m, size_t rows);

/* The same for modules 0 .. upto-1 only; returns m->acts[upto], their output. */
const float *nn_model_forward_upto(nn_model *m, size_t rows, size_t upto);

/* Consumes the finished gradients of params[lo, hi) (an optimizer step). */
typedef void (*nn_param_update)(void *ctx, size_t lo, size_t hi);

/* Backward pass: reads dL/dlogits from m->dacts[n_modules], writes every parameter
 * gradient into m->grads (nothing needs zeroing first), and fills dacts down to dacts[1].
 * When update is not NULL it is called on every parameter range as soon as its gradient
 * is final and its old value is no longer needed (weight tiles straight from the GEMM,
 * on the thread and while in cache), so the optimizer step costs no extra pass; every
 * parameter is passed exactly once. */
void nn_model_backward(nn_model *m, size_t rows, nn_param_update update, void *update_ctx);

#endif
