/* checkpoint.h - a run's state as one safetensors file (docs/checkpoints.md).
 *
 * Tensors, named as torch.nn.Sequential.state_dict() names them for the same module list:
 *   "<i>.weight" [out, in] and "<i>.bias" [out]   dense module i
 *   "<i>.weight" [num_parameters]                  PReLU module i
 * so that PyTorch loads the file into the matching nn.Sequential with load_state_dict (the
 * other tensors aside), and weights PyTorch writes come in through init.from. The rest of
 * the state is under the prefix "nntrain.": the momentum buffers
 * ("nntrain.momentum.<i>.weight", ...), the dead-unit record ("nntrain.was_dead.<i>", 0/1
 * per unit). __metadata__ holds the format ("nntrain-checkpoint-1"), the epochs done, the
 * step, the shuffle stream's state, the probe record's counters, the pixel normalization
 * ("normalize.mean", "normalize.std", as %.17g) and the resolved config
 * (JSON text): a checkpoint alone is enough to evaluate, and to resume. */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include <stddef.h>

#include "math/rng.h"
#include "nn/model.h"
#include "nn/sgd.h"
#include "run/dead.h"
#include "sys/error.h"

#define NN_CKPT_FORMAT "nntrain-checkpoint-1"

/* What a run hands to nn_ckpt_save. */
typedef struct nn_ckpt_state {
    const nn_model *model;
    const nn_sgd *sgd;       /* NULL: no optimizer state */
    const nn_dead *dead;     /* NULL: no probe record */
    const nn_rng *shuffle;   /* NULL: none */
    const char *config_json; /* the resolved config */
    size_t epoch, step;      /* epochs done, steps taken */
    double mean, std;        /* the pixel normalization the run used: (p/255 - mean) / std */
} nn_ckpt_state;

/* Writes st to path atomically (creating missing folders). NN_ESYS or NN_ECONFIG (a folder
 * that cannot be created) naming path. */
nn_status nn_ckpt_save(const char *path, const nn_ckpt_state *st, nn_error *err);

/* Replaces m's parameters with the model tensors of the safetensors file path (an nntrain
 * checkpoint or PyTorch weights): every tensor of the model must be there with the shape
 * the config gives it; other tensors are ignored. NN_EDATA naming the file, the tensor,
 * the expected and the found shape; the model is unchanged on failure. */
nn_status nn_ckpt_load_weights(const char *path, nn_model *m, nn_error *err);

/* Where a checkpoint stands: epochs done, steps taken, the shuffle stream's state. */
typedef struct nn_ckpt_position {
    size_t epoch, step;
    uint64_t shuffle[4];
} nn_ckpt_position;

/* Restores a run from the checkpoint path into a model, optimizer and probe built from the
 * same config (config_json: the run's resolved config; only train.epochs and
 * train.threads may differ from the checkpoint's, else NN_ECONFIG): the weights, the
 * momentum buffers and step count, the dead-unit record, and *pos. NN_EDATA naming the
 * file and what is missing or wrong. */
nn_status nn_ckpt_resume(const char *path, const char *config_json, nn_model *m, nn_sgd *sgd,
                         nn_dead *dead, nn_ckpt_position *pos, nn_error *err);

#endif
