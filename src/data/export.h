/* export.h - an nn_dataset written as an image folder of PNGs (the reverse of
 * folder_scan.h + folder_decode.h). */
#ifndef NN_EXPORT_H
#define NN_EXPORT_H

#include <stddef.h>

#include "data/dataset.h"
#include "sys/error.h"

/* Writes ds as an image folder of PNGs: out_dir/<label>/<index>.png, one folder per
 * label 0..n_classes-1 (decimal, zero-padded to a common width when there are more
 * than 10 classes, so bytewise order is label order), index zero-padded to at least 5
 * digits (so bytewise order is index order). out_dir is created (with its parents) when
 * missing; an existing out_dir must be empty. Writes in parallel on threads threads
 * (0: one per online processor); progress (may be NULL) is called from the calling
 * thread only. Errors: NN_ECONFIG for an unusable out_dir, NN_ESYS for a failed write
 * (naming the file). */
nn_status nn_export_png(const nn_dataset *ds, const char *out_dir, size_t threads,
                        void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                        nn_error *err);

/* Outputs never overwrite inputs: out_dir must not be, nor hold (at any depth, symlinks
 * resolved), the IDX files images and labels it is made from. NN_ECONFIG naming both. */
nn_status nn_export_check_out(const char *out_dir, const char *images, const char *labels,
                              nn_error *err);

#endif
