/* resume.h - --resume: a checkpoint read, then checked against the run it is to continue
 * before anything is built or written (docs/checkpoints.md, "Resume"). Nothing the file
 * says is taken on trust: every metadata field is checked for its form and range, then
 * against the other fields, the config, the data and the model the config plans; the
 * tensors must be exactly the run's. Every refusal is one line naming the file, the field,
 * the value found and what is allowed. */
#ifndef NN_RUN_RESUME_H
#define NN_RUN_RESUME_H

#include <stddef.h>

#include "ckpt/safetensors.h"
#include "config/config.h"
#include "nn/layer/model.h"
#include "nn/optim/optim.h"
#include "run/dead.h"
#include "run/state.h"
#include "sys/error.h"

typedef struct nn_resume {
    const char *path; /* as given (borrowed) */
    nn_st_file f;
    int open;             /* f was read */
    nn_ckpt_position pos; /* epoch, step, the shuffle stream */
    size_t optim_steps;   /* optimizer.steps */
    size_t recorded;      /* probe.recorded */
    double max_dead_frac; /* probe.max_dead_frac */
    int last_constant;    /* probe.last_constant */
    double mean, std;     /* normalize.mean, normalize.std */
} nn_resume;

/* Reads path and checks its format and the form of every metadata field: epoch, step,
 * optimizer.steps and probe.recorded whole numbers, rng.shuffle 64 hexadecimal digits,
 * probe.max_dead_frac a number from 0 to 1, probe.last_constant 0 or 1, normalize.mean
 * finite and normalize.std finite and above 0, a config. NN_EDATA (a file that cannot be
 * read or is not a safetensors file: as nn_st_read). Free r with nn_resume_free, also
 * after a failure. */
nn_status nn_resume_read(nn_resume *r, const char *path, nn_error *err);

/* The checkpoint against the run's config, before the data loads: the config is the
 * checkpoint's but for what changes no result (name, output.*, train.epochs,
 * train.threads; NN_ECONFIG naming the first difference), the epoch is at most
 * train.epochs (NN_ECONFIG asking for --epochs), optimizer.steps is step and
 * probe.recorded is epoch + 1 (NN_EDATA). */
nn_status nn_resume_check_config(const nn_resume *r, const nn_config *cfg, nn_error *err);

/* The checkpoint against the run's data and the model its config plans (nn_model_plan:
 * nothing of the model is allocated yet): step is epoch x the steps of an epoch (n_train
 * samples in batches of train.batch_size), the normalization is the one the run's data
 * gives (mean, std), and the tensors are exactly the model's, the optimizer's and the
 * probe record's, each of its dtype and shape, their floats finite and was_dead 0 or 1.
 * NN_EDATA. */
nn_status nn_resume_check_run(const nn_resume *r, const nn_config *cfg, const nn_model *planned,
                              size_t n_train, float mean, float std, nn_error *err);

/* Copies the checkpoint's state into a model, optimizer and probe built from the config:
 * the weights and buffers, the optimizer's state and step count, the dead-unit record
 * (every tensor checked again before the first copy). NN_EDATA. */
nn_status nn_resume_restore(const nn_resume *r, nn_model *m, nn_optim *o, nn_dead *d,
                            nn_error *err);

void nn_resume_free(nn_resume *r);

#endif
