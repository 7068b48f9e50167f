/* safetensors.h - the Hugging Face safetensors format for the named tensors of
 * math/tensor.h: an 8-byte little-endian header length N, N bytes of JSON (cJSON) mapping
 * each tensor name to {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} and
 * "__metadata__" to an object of string fields, then the raw little-endian data. Offsets
 * are relative to the end of the header; tensors tile the data area without gaps or
 * overlaps. The dtypes are those of nn_dtype: F32, I64, F64, I32, U8 and BOOL (one byte,
 * 0 or 1); others (F16, BF16, ...) are refused.
 *
 * Writing goes to a temporary file in the same folder, flushed and fsync'ed, then renamed
 * into place: a crash at any moment leaves the old file or the new one. Reading validates
 * everything before trusting anything: a file that is truncated, has a header length past
 * the end or above NN_ST_MAX_HEADER, invalid JSON, offsets that overlap, leave gaps or run
 * past the data, an unsupported dtype, a shape whose product overflows or does not match
 * its byte length (elements x the dtype's size), a BOOL byte other than 0 or 1, is refused
 * with NN_EDATA and one line naming the file and the problem. Memory is bounded by the
 * file's size. */
#ifndef NN_SAFETENSORS_H
#define NN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "math/tensor.h"
#include "sys/error.h"

#define NN_ST_MAX_HEADER ((uint64_t)100000000) /* as the Python and Rust library allow */

typedef struct nn_st_file {
    size_t n;
    nn_tensor *tensors; /* in the order of their data offsets; names and data owned here */
    size_t n_meta;
    char **meta_key, **meta_val; /* "__metadata__" string fields */
} nn_st_file;

/* Writes n tensors (data in host order; written little-endian) and n_meta metadata
 * pairs (keys[i], values[i]) to path atomically (see above). The tensors are laid out
 * wider dtypes first (8-byte, then 4-byte, then 1-byte elements), in the order given
 * within a width, so each tensor's data is aligned to its element size as the Python
 * library lays it out; a list of F32 tensors is laid out in the order given. NN_ESYS when
 * the file cannot be written or a tensor is invalid (a BOOL byte other than 0 or 1, an
 * unknown dtype, a shape that is not n elements ...), naming path. */
nn_status nn_st_write(const char *path, const nn_tensor *tensors, size_t n, const char *const *keys,
                      const char *const *values, size_t n_meta, nn_error *err);

/* Reads and validates path (see above). On failure out holds nothing. */
nn_status nn_st_read(const char *path, nn_st_file *out, nn_error *err);

/* The tensor called name, or NULL. */
const nn_tensor *nn_st_find(const nn_st_file *f, const char *name);

/* t's values as floats; NULL when t's dtype is not F32. */
const float *nn_st_f32(const nn_tensor *t);
/* NN_OK when t's dtype is want; else NN_EDATA, one line naming path, the tensor, its
 * dtype and want. */
nn_status nn_st_expect(const char *path, const nn_tensor *t, nn_dtype want, nn_error *err);
/* The safetensors spelling of t ("F32", "I64", ...); "?" for a value outside nn_dtype. */
const char *nn_st_dtype_name(nn_dtype t);
/* The metadata value of key, or NULL. */
const char *nn_st_meta(const nn_st_file *f, const char *key);

void nn_st_free(nn_st_file *f);

#endif
