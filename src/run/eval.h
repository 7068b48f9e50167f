/* eval.h - a checkpoint on its own (docs/checkpoints.md, "Evaluate" and "Predict"):
 * evaluated on a split of the data its config names, and its predictions on images.
 *
 * The model is built from the config, takes the checkpoint's weights, and sees pixels
 * normalized with the mean and std its run saved; forward passes go in the run's chunks
 * of NN_EVAL_CHUNK rows with the run's denormal mode, so the test split gives the
 * checkpoint epoch's test_loss and test_acc of the run's CSV, and the validation split
 * its val_loss and val_acc. */
#ifndef NN_EVAL_H
#define NN_EVAL_H

#include <stddef.h>

#include "config/config.h"
#include "data/dataset.h"
#include "nn/layer/model.h"
#include "sys/error.h"
#include "sys/log.h"

typedef enum nn_eval_split { NN_SPLIT_TEST, NN_SPLIT_TRAIN, NN_SPLIT_VAL } nn_eval_split;

/* What a checkpoint says about itself: its config (the "config" metadata, or a config
 * file that describes the same model), the pixel normalization its run used, its epoch,
 * the model's input width (the first dense layer's weight [out, in]), and how its run was
 * made (NULL when the file does not say: PyTorch weights, an older nntrain's). */
typedef struct nn_ckpt_info {
    char *path;
    nn_config cfg;
    char *run_version, *run_kernel; /* "nntrain_version", "gemm_kernel" */
    char *run_command;              /* "command", as one line (nn_command_text) */
    int has_norm; /* "normalize.mean" and "normalize.std" were in the metadata */
    double mean, std;
    int has_epoch;
    size_t epoch;
    size_t input_dim; /* 0: the file has no such weight (loading the weights says more) */
} nn_ckpt_info;

/* Reads the checkpoint path (validated as nn_st_read validates it) and its config:
 * config_path when not NULL, else the "config" metadata. NN_EDATA for a bad file or bad
 * metadata, NN_ECONFIG for a bad config or none at all. On failure c holds nothing. */
nn_status nn_ckpt_info_read(nn_ckpt_info *c, const char *path, const char *config_path,
                            nn_error *err);
void nn_ckpt_info_free(nn_ckpt_info *c);

/* The figures of one split. Class c is label c; there are as many classes as the model
 * has outputs. */
typedef struct nn_eval_result {
    size_t samples, classes;
    double loss, acc;        /* mean cross-entropy, share of samples predicted right */
    size_t *count, *correct; /* per true class: samples, and those predicted right */
    size_t *confusion;       /* classes x classes: [true * classes + predicted] */
    char **class_names;      /* per class (an image folder's names), or NULL (IDX) */
    size_t n_modules;        /* of the model */
    const char **act;        /* per module: the activation's name, NULL for a dense one */
    size_t *units, *dead;    /* per module: units and those dead on the split (0: dense) */
    size_t units_total, dead_total;
    int constant_output; /* every logit constant over the split */
    const char *kernel;  /* the GEMM kernel the evaluation ran on (nn_gemm_kernel) */
} nn_eval_result;

void nn_eval_result_free(nn_eval_result *r);

/* Evaluates c's model on a split of data already in memory (train and test as a run of
 * c's config loads them): the test set; "train", the samples trained on; "val", those
 * held out (data.validation > 0, else NN_ECONFIG), chosen as the run chose them. Makes
 * the checks a run makes (nn_check_run); a checkpoint without the normalization (PyTorch
 * weights) normalizes as a run of the config would. NN_EDATA when the weights do not fit
 * the model or the data, NN_ETRAIN when a value is NaN or Inf. */
nn_status nn_eval_on(const nn_ckpt_info *c, const nn_dataset *train, const nn_dataset *test,
                     nn_eval_split split, nn_eval_result *out, nn_error *err);

/* The same on the data c's config names (nn_config_load_data, reporting through hooks). */
nn_status nn_eval(const nn_ckpt_info *c, nn_eval_split split, const nn_hooks *hooks,
                  nn_eval_result *out, nn_error *err);

/* A checkpoint's model, ready to predict. */
typedef struct nn_predictor {
    nn_model model;
    nn_norm norm;
    size_t channels; /* of the images the model takes (data.channels) */
    int flush;       /* train.flush_denormals */
    size_t *seq;
} nn_predictor;

/* Builds c's model with its weights. Without the normalization in c (PyTorch weights),
 * data.normalize "unit" gives pixel / 255, and "standard" is NN_EDATA (it needs the
 * training data). NN_EDATA too when c has no input width or the weights do not fit the
 * config's model. */
nn_status nn_predictor_open(nn_predictor *p, const nn_ckpt_info *c, nn_error *err);
void nn_predictor_free(nn_predictor *p);

/* The class probabilities (softmax of the logits, in double) of every image of ds:
 * probs[i * classes + k], classes = p->model.output_dim. NN_EDATA naming source when the
 * images do not have the model's input size or channels. */
nn_status nn_predict(nn_predictor *p, const nn_dataset *ds, const char *source, double *probs,
                     nn_error *err);

/* The index of the largest of v[0..n) (the first, on a tie; as the accuracy counts). */
size_t nn_argmax_f(const float *v, size_t n);
size_t nn_argmax_d(const double *v, size_t n);

#endif
