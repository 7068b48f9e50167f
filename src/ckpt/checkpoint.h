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
 * step, the shuffle stream's state, the probe record's counters and the resolved config
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
} nn_ckpt_state;

/* Writes st to path atomically (creating missing folders). NN_ESYS or NN_ECONFIG (a folder
 * that cannot be created) naming path. */
nn_status nn_ckpt_save(const char *path, const nn_ckpt_state *st, nn_error *err);

/* Replaces m's parameters with the model tensors of the safetensors file path (an nntrain
 * checkpoint or PyTorch weights): every tensor of the model must be there with the shape
 * the config gives it; other tensors are ignored. NN_EDATA naming the file, the tensor,
 * the expected and the found shape; the model is unchanged on failure. */
nn_status nn_ckpt_load_weights(const char *path, nn_model *m, nn_error *err);

#endif
