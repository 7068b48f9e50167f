/* state.h - a run's state as one checkpoint (docs/checkpoints.md), put together from the
 * named tensors each part exports:
 *   "<i>.weight", "<i>.bias", ...      the model (nn_model_tensors: torch.nn.Sequential's
 *                                      state_dict names, so PyTorch loads the file into the
 *                                      matching nn.Sequential with load_state_dict)
 *   "nntrain.<state>.<tensor>"         the optimizer's state (nn_optim_tensors:
 *                                      "nntrain.momentum.0.weight")
 *   "nntrain.was_dead.<i>"             the dead-unit record, 0/1 per unit
 * and metadata: the format ("nntrain-checkpoint-1"), the epochs done, the step, the
 * shuffle stream's state, the optimizer's step count, the probe record's counters, the
 * pixel normalization ("normalize.mean", "normalize.std", as %.17g) and the resolved
 * config (JSON text): a checkpoint alone is enough to evaluate, and to resume; and how
 * the run was made: "nntrain_version", "gemm_kernel", "command" (as the status file). */
#ifndef NN_RUN_STATE_H
#define NN_RUN_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "math/rng.h"
#include "nn/layer/model.h"
#include "nn/optim/optim.h"
#include "run/dead.h"
#include "sys/error.h"

#define NN_CKPT_FORMAT "nntrain-checkpoint-1"

/* What a run hands to nn_state_save. */
typedef struct nn_run_state {
    const nn_model *model;
    const nn_optim *optim;   /* NULL: no optimizer state */
    const nn_dead *dead;     /* NULL: no probe record */
    const nn_rng *shuffle;   /* NULL: none */
    const char *config_json; /* the resolved config */
    const char *command;     /* the command line (a JSON array of strings); NULL: none */
    const char *kernel;      /* the GEMM kernel the run's products ran on; NULL: none */
    size_t epoch, step;      /* epochs done, steps taken */
    double mean, std;        /* the pixel normalization the run used: (p/255 - mean) / std */
} nn_run_state;

/* Writes st to path atomically (creating missing folders). NN_ESYS or NN_ECONFIG (a folder
 * that cannot be created) naming path. */
nn_status nn_state_save(const char *path, const nn_run_state *st, nn_error *err);

/* Replaces m's parameters and buffers with the model tensors of the safetensors file path
 * (an nntrain checkpoint or PyTorch weights): every tensor of the model must be there with
 * the shape the config gives it; only nntrain's own tensors ("nntrain." prefix) may be
 * there besides. NN_EDATA naming the file, the tensor, the expected and the found shape;
 * the model is unchanged on failure. */
nn_status nn_state_load_weights(const char *path, nn_model *m, nn_error *err);

/* Where a checkpoint stands: epochs done, steps taken, the shuffle stream's state. */
typedef struct nn_ckpt_position {
    size_t epoch, step;
    uint64_t shuffle[4];
} nn_ckpt_position;

/* The dead-unit record's tensors: NN_WAS_DEAD "<i>" for activation module i. */
#define NN_WAS_DEAD "nntrain.was_dead."
enum { NN_WD_NAME = 48 };

/* A run's tensors in file order: the model's, the optimizer's, the probe record's; views
 * into their buffers (the record's as 0/1 floats in wd). */
typedef struct nn_state_tensors {
    nn_tensor *t;
    size_t n, n_model;
    char (*model_names)[NN_TENSOR_NAME];
    char (*optim_names)[NN_OPTIM_NAME];
    char (*wd_names)[NN_WD_NAME];
    float *wd;
} nn_state_tensors;

/* Every tensor of a run (o and d may be NULL: the model's only). For a planned model
 * (nn_model_plan) and an optimizer over no parameters, the names, dtypes and shapes a
 * run built from the same config has (their data is not to be read). NN_ESYS when out of
 * memory. */
nn_status nn_state_tensors_make(nn_state_tensors *r, const nn_model *m, const nn_optim *o,
                                const nn_dead *d, nn_error *err);
void nn_state_tensors_free(nn_state_tensors *r);

#endif
