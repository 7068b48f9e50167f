/* image_file.h - the images of one file given on a command line (nntrain predict): an
 * image stb_image decodes, or an IDX image file. */
#ifndef NN_IMAGE_FILE_H
#define NN_IMAGE_FILE_H

#include <stddef.h>

#include "data/dataset.h"
#include "sys/error.h"

/* Loads path into ds without labels (labels NULL, n_classes 0). An IDX image file (by its
 * magic 0x00000803, or gzip's) gives every image in it, with 1 channel; any other file is
 * decoded by stb_image into one image of `channels` channels (1 or 3, converted as an
 * image folder converts them: folder_decode.h). NN_EDATA naming the file when it cannot
 * be read, is truncated or cannot be decoded; NN_ESYS when out of memory. On failure *ds
 * is zeroed. */
nn_status nn_image_file_load(const char *path, size_t channels, nn_dataset *ds, nn_error *err);

#endif
