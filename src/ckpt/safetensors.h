/* safetensors.h - the Hugging Face safetensors format, F32 tensors only: an 8-byte
 * little-endian header length N, N bytes of JSON (cJSON) mapping each tensor name to
 * {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} and "__metadata__" to an
 * object of string fields, then the raw little-endian data. Offsets are relative to the
 * end of the header; tensors tile the data area without gaps or overlaps.
 *
 * Writing goes to a temporary file in the same folder, flushed and fsync'ed, then renamed
 * into place: a crash at any moment leaves the old file or the new one. Reading validates
 * everything before trusting anything: a file that is truncated, has a header length past
 * the end or above NN_ST_MAX_HEADER, invalid JSON, offsets that overlap, leave gaps or run
 * past the data, a dtype other than F32, a shape whose product overflows or does not match
 * its byte length, is refused with NN_EDATA and one line naming the file and the problem.
 * Memory is bounded by the file's size. */
#ifndef NN_SAFETENSORS_H
#define NN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "sys/error.h"

enum { NN_ST_MAX_DIMS = 8 };
#define NN_ST_MAX_HEADER ((uint64_t)100000000) /* as the Python and Rust library allow */

typedef struct nn_st_tensor {
    char *name;
    size_t ndim;
    uint64_t shape[NN_ST_MAX_DIMS];
    size_t n;    /* elements: the product of the shape (1 for ndim 0) */
    float *data; /* n floats (owned by the file when read; the caller's when writing) */
} nn_st_tensor;

typedef struct nn_st_file {
    size_t n;
    nn_st_tensor *tensors; /* in the order of their data offsets */
    size_t n_meta;
    char **meta_key, **meta_val; /* "__metadata__" string fields */
} nn_st_file;

/* Writes n tensors (data in host order; written little-endian) and n_meta metadata
 * pairs (keys[i], values[i]) to path atomically (see above). The tensors are laid out in
 * the order given. NN_ESYS when the file cannot be written (naming path). */
nn_status nn_st_write(const char *path, const nn_st_tensor *tensors, size_t n,
                      const char *const *keys, const char *const *values, size_t n_meta,
                      nn_error *err);

/* Reads and validates path (see above). On failure out holds nothing. */
nn_status nn_st_read(const char *path, nn_st_file *out, nn_error *err);

/* The tensor called name, or NULL. */
const nn_st_tensor *nn_st_find(const nn_st_file *f, const char *name);
/* The metadata value of key, or NULL. */
const char *nn_st_meta(const nn_st_file *f, const char *key);

void nn_st_free(nn_st_file *f);

#endif
