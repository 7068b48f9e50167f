/* checkpoint.h - a checkpoint as named tensors and string metadata in one safetensors
 * file (docs/checkpoints.md). This layer knows no model, optimizer or probe: the parts of
 * a run export and import their state as nn_tensor lists (math/tensor.h) under the names
 * they choose (src/run/state.c puts a run together); here the tensors are written
 * atomically, and read back only after every one asked for is checked: present, of the
 * dtype and shape expected. */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include <stddef.h>

#include "ckpt/safetensors.h"
#include "math/tensor.h"
#include "sys/error.h"

/* Writes the n tensors (in that order) and the n_meta metadata pairs to path atomically,
 * creating missing folders. NN_ESYS, or NN_ECONFIG for a folder that cannot be created,
 * naming path. */
nn_status nn_ckpt_write(const char *path, const nn_tensor *tensors, size_t n,
                        const char *const *keys, const char *const *values, size_t n_meta,
                        nn_error *err);

/* Checks the n tensors dst (name, dtype and shape set by the caller; data not used)
 * against the tensors of f named prefix + dst[i].name: each present, of the same dtype and
 * shape. NN_EDATA naming path, the tensor, the expected and the found dtype or shape. */
nn_status nn_ckpt_check(const nn_st_file *f, const char *path, const char *prefix,
                        const nn_tensor *dst, size_t n, nn_error *err);

/* Fills the n tensors dst (name, dtype, shape and data set by the caller) from the tensors
 * of f named prefix + dst[i].name: every one is checked first (nn_ckpt_check), then all
 * are copied, so dst is unchanged on failure. */
nn_status nn_ckpt_fill(const nn_st_file *f, const char *path, const char *prefix,
                       const nn_tensor *dst, size_t n, nn_error *err);

/* Every tensor of f is one of known[0..n) (by name) or starts with own_prefix (NULL:
 * none): a file for another model is refused, not half used. NN_EDATA naming the first
 * stranger. */
nn_status nn_ckpt_only_known(const nn_st_file *f, const char *path, const nn_tensor *known,
                             size_t n, const char *own_prefix, nn_error *err);

/* The metadata number key: decimal digits only (no sign, space or exponent), at most max.
 * NN_EDATA naming path, the key, the value found and what is allowed, when it is absent,
 * not a whole number or above max. */
nn_status nn_ckpt_meta_size(const nn_st_file *f, const char *path, const char *key, size_t max,
                            size_t *out, nn_error *err);

#endif
