/* tensor.h - a named tensor: a view of values that some part owns (a model's weights, an
 * optimizer's moments, a layer's running statistics), with the name and the shape PyTorch
 * gives it. The model and the optimizer export and import their state as lists of these;
 * src/ckpt/ stores and validates them knowing nothing of either. */
#ifndef NN_TENSOR_H
#define NN_TENSOR_H

#include <stddef.h>
#include <stdint.h>

enum { NN_TENSOR_MAX_DIMS = 8 };

/* Element types, as safetensors names them: what PyTorch keeps such state in. */
typedef enum nn_dtype {
    NN_F32 = 0, /* parameters, moments, running statistics */
    NN_I64,     /* counters: BatchNorm's num_batches_tracked */
    NN_F64,
    NN_I32,
    NN_U8,
    NN_BOOL,
} nn_dtype;

typedef struct nn_tensor {
    const char *name;
    nn_dtype dtype;
    size_t ndim;
    uint64_t shape[NN_TENSOR_MAX_DIMS];
    size_t n;   /* elements: the product of the shape (1 for ndim 0) */
    void *data; /* n elements of dtype, host byte order */
} nn_tensor;

/* Bytes of one element of dtype. */
static inline size_t nn_dtype_size(nn_dtype t)
{
    return t == NN_I64 || t == NN_F64 ? 8 : t == NN_U8 || t == NN_BOOL ? 1 : 4;
}

#endif
