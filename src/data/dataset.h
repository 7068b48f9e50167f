/* dataset.h - a labelled image data set kept as uint8 pixels, and batch assembly.
 *
 * Pixels stay uint8 in memory (a float copy of MNIST would be 4x larger); batches are
 * converted to float and normalized on the fly: x = pixel * scale + shift. */
#ifndef NN_DATASET_H
#define NN_DATASET_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/error.h"

/* A loaded set owns its buffers: free it with nn_dataset_free, never through pixels (an
 * IDX set's pixels start inside pixels_block, past the file's header). */
typedef struct nn_dataset {
    size_t n;        /* samples */
    size_t rows, cols, channels;
    size_t dim;      /* rows * cols * channels: features per sample */
    uint8_t *pixels; /* n * dim, sample-major */
    uint8_t *pixels_block; /* the allocation pixels lies in, when not pixels itself (NULL) */
    int32_t *labels; /* n, each in [0, n_classes) */
    size_t n_classes; /* max label + 1 (IDX); number of class folders (image folder) */
    char **class_names; /* n_classes names (image folder, owned) or NULL (IDX: numbers) */
} nn_dataset;

/* Reads an IDX image file (magic 0x00000803, u8, N x rows x cols) and an IDX label file
 * (magic 0x00000801, u8, N), gzipped or not (detected from the content, not the name).
 * limit > 0 keeps the first limit samples (the files are still fully validated).
 * Errors (NN_EDATA) name the file and what is wrong: missing, bad magic, truncated
 * (bytes expected vs found), trailing bytes, count mismatch between the two files;
 * NN_ESYS when out of memory. On failure *ds is left zeroed (nn_dataset_free is safe).
 * channels is 1 and dim = rows * cols. n_classes is max label + 1 over ALL labels in the
 * file, so it does not depend on limit. Trailing bytes are checked on the (decompressed)
 * IDX content; bytes after the end of a gzip stream are ignored by zlib. */
nn_status nn_idx_load(nn_dataset *ds, const char *images_path, const char *labels_path,
                      size_t limit, nn_error *err);

/* nn_idx_load that gives up with NN_EINTR once *stop != 0 (a signal handler sets it) while
 * it waits for the data of a pipe or FIFO (stop may be NULL). */
nn_status nn_idx_load_stoppable(nn_dataset *ds, const char *images_path, const char *labels_path,
                                size_t limit, volatile sig_atomic_t *stop, nn_error *err);

/* nn_idx_load on the bytes of the two files in memory (images[0..images_len),
 * labels[0..labels_len); the same checks and messages, which name images_name and
 * labels_name as file names). The buffers are only read. */
nn_status nn_idx_load_mem(nn_dataset *ds, const void *images, size_t images_len,
                          const char *images_name, const void *labels, size_t labels_len,
                          const char *labels_name, size_t limit, nn_error *err);

/* The images of an IDX image file alone (gzipped or not, validated as nn_idx_load
 * validates it), for prediction: labels NULL, n_classes 0, channels 1. On failure *ds is
 * zeroed. */
nn_status nn_idx_load_images(nn_dataset *ds, const char *images_path, nn_error *err);

/* nn_idx_load_images on a file's bytes in memory, buf[0..len), called name in messages. */
nn_status nn_idx_load_images_mem(nn_dataset *ds, const void *buf, size_t len, const char *name,
                                 nn_error *err);

/* Frees what ds owns and zeroes it. Safe on a zeroed struct. */
void nn_dataset_free(nn_dataset *ds);

/* Mean and standard deviation (population) of all pixels scaled to [0, 1]. Either output
 * pointer may be NULL; an empty data set gives 0 and 0. */
void nn_dataset_stats(const nn_dataset *ds, double *mean, double *std);

/* Pixel normalization, as torchvision's ToTensor + Normalize compute it in float32:
 * x = (pixel / 255 - mean) / std. mean 0 and std 1 give pixel / 255 exactly. A pixel has
 * 256 values, so the 256 results are computed once (with exactly that expression) and
 * batches are filled by table lookup. */
typedef struct nn_norm {
    float mean, std;
    float value[256]; /* value[p] = ((float)p / 255 - mean) / std */
    /* Whether norm_arith (two divisions by multiplication and one FMA correction step
     * each) gives exactly value[p] for all 256 p: checked when the table is made, and
     * then used instead of looking values up (it is faster than a gather). */
    int arith_exact;
} nn_norm;

nn_norm nn_norm_make(float mean, float std);

/* Gathers samples idx[0..count) into x (count x dim floats, normalized) and, when y is
 * not NULL, their labels into y. */
void nn_batch_fill(const nn_dataset *ds, const size_t *idx, size_t count, const nn_norm *norm,
                   float *x, int32_t *y);

/* Asks the CPU to start loading the pixels of the first 32 of samples idx[0..count) into
 * its L2 cache (the next batch's, while the current one is computed): nn_batch_fill then
 * finds them there, and prefetches the rest of a larger batch itself. */
void nn_batch_prefetch(const nn_dataset *ds, const size_t *idx, size_t count);

struct nn_rng;

/* The validation split of n samples: n_val of them (at most n), chosen by a Fisher-Yates
 * shuffle drawn from rng, go to val_idx; the other n - n_val to train_idx. Both lists are
 * ascending. train_idx must have room for n entries (it is the shuffle's scratch);
 * val_idx for n_val. The same rng state always gives the same split. */
void nn_split_indices(size_t n, size_t n_val, struct nn_rng *rng, size_t *train_idx,
                      size_t *val_idx);

#endif
