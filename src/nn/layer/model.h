/* model.h - a sequence of modules, each an entry of the layer table (layer.h), like
 * torch.nn.Sequential. Module i of the config is module i here, in the CSV and in
 * checkpoint tensor names ("i.weight").
 *
 * All parameters live in one contiguous float buffer (params) and their gradients in a
 * second of the same shape (grads); the layers' buffers (running statistics, counters) in
 * two more; modules hold views into them. Activation buffers are allocated once for
 * max_batch rows, so the batch loop never allocates. There is one forward path
 * (nn_model_forward_upto), which every pass uses: training, evaluations, probes and the
 * born-dead study's networks (its narrow layers kept lane-major, nn_model_forward_lanes). */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "math/gemm/gemm.h"
#include "math/rng.h"
#include "math/tensor.h"
#include "nn/layer/layer.h"
#include "sys/error.h"

typedef struct nn_model {
    size_t n_modules;
    nn_module *modules;
    size_t input_dim, output_dim;
    size_t n_params;
    float *params, *grads;
    size_t n_bufs, n_counts;
    float *bufs;     /* the layers' float buffers (NULL when none) */
    int64_t *counts; /* the layers' integer buffers (NULL when none) */
    size_t max_batch;
    /* acts[0]: input (max_batch x input_dim); acts[i + 1]: output of module i.
     * dacts[i]: gradient of the loss with respect to acts[i] (dacts[0] only when module 0
     * has parameters). */
    float **acts, **dacts;
    nn_gemm_ctx *gemm; /* kernel, threads and packing buffers of every product */
} nn_model;

/* Builds the modules of mods[0..n) for inputs of input_dim features, initializes them
 * from rng (each module in order draws what its init draws) and allocates buffers for
 * batches of up to max_batch samples. Products run on threads threads (0 = all available
 * cores); results do not depend on that number. state_per_param: the floats the optimizer
 * will keep per parameter, counted in the memory the model may take (8 GiB, or the
 * machine's memory when less), which is checked before anything is allocated (NN_ECONFIG
 * naming the module). */
nn_status nn_model_build(nn_model *m, const nn_module_spec *mods, size_t n, size_t input_dim,
                         size_t max_batch, size_t state_per_param, int threads, nn_rng *rng,
                         nn_error *err);
void nn_model_free(nn_model *m);

/* The modules of mods[0..n) for inputs of input_dim features, planned as nn_model_build
 * plans them (widths, parameter and buffer counts, from each entry's size function) with
 * nothing else allocated: no buffer, no thread. nn_model_tensors gives its tensors' names,
 * dtypes and shapes (data NULL), so that a checkpoint is compared with the model before
 * the model is built. Free with nn_model_free. NN_ESYS when out of memory. */
nn_status nn_model_plan(nn_model *m, const nn_module_spec *mods, size_t n, size_t input_dim,
                        nn_error *err);

/* Draws every parameter and buffer again from rng exactly as nn_model_build does (mods:
 * the same modules the model was built from): a model built once serves many seeds. */
void nn_model_init_params(nn_model *m, const nn_module_spec *mods, nn_rng *rng);

/* Forward pass of rows samples placed in m->acts[0] in mode; returns the logits
 * (m->acts[n_modules], rows x output_dim). */
const float *nn_model_forward(nn_model *m, size_t rows, nn_mode mode);

/* The same for modules 0 .. upto-1 only; returns m->acts[upto], their output. */
const float *nn_model_forward_upto(nn_model *m, size_t rows, size_t upto, nn_mode mode);

/* The lane-major mode of the forward pass, for many narrow networks at once (the born-dead
 * study): after modules 0 and 1 (a product and an elementwise module, run by
 * nn_model_forward_upto), the rest of the model is a chain of product layers of at most 16
 * inputs and outputs with a narrow path, each but the last followed by an elementwise module
 * without per-unit parameters whose units are active when x > 0. nn_model_lanes says
 * whether m is such a chain on its kernel. nn_model_forward_lanes then runs modules
 * 2 .. n-1 in eval mode on rows (<= NN_LANES_MAX_ROWS) rows already in m->acts[2], held
 * lane-major in blocks of sixteen rows from one product to the next, each element getting
 * the operations nn_model_forward gives it, and writes the logits to m->acts[n_modules];
 * observe (may be NULL) is shown each elementwise module's input (its module index, the
 * lane-major values, the blocks and the valid lanes of the last block) and stops the pass
 * with -1 when it returns nonzero. */
enum { NN_LANES_MAX_ROWS = 256 };
typedef int (*nn_lanes_observe)(void *ctx, size_t module, const float *xt, size_t blocks,
                                size_t lanes);
int nn_model_lanes(const nn_model *m);
int nn_model_forward_lanes(nn_model *m, size_t rows, nn_lanes_observe observe, void *ctx);

/* Backward pass: reads dL/dlogits from m->dacts[n_modules], writes every parameter
 * gradient into m->grads (nothing needs zeroing first), and fills dacts down to dacts[1].
 * When update is not NULL it is called on every parameter range as soon as its gradient
 * is final and its old value is no longer needed (weight tiles straight from the GEMM,
 * on the thread and while in cache), so the optimizer step costs no extra pass; every
 * parameter is passed exactly once. */
void nn_model_backward(nn_model *m, size_t rows, nn_param_update update, void *update_ctx);

/* The model's tensors in state_dict order ("0.weight", "0.bias", ... parameters and
 * buffers), as views into its buffers (data NULL for a planned model). names: room for one string
 * of NN_TENSOR_NAME bytes per tensor; param_offset (may be NULL): per tensor, where a parameter
 * tensor starts in the flat parameter buffer, SIZE_MAX for a buffer. Returns the count; with out
 * NULL only counts. */
enum { NN_TENSOR_NAME = 64 };
size_t nn_model_tensors(const nn_model *m, nn_tensor *out, char (*names)[NN_TENSOR_NAME],
                        size_t *param_offset);

#endif
