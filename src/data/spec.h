/* spec.h - what data a run reads and how: the "data" section of a config.
 *
 * data/ owns this struct and its functions take it; the config (config/config.h) embeds
 * it as cfg->data, fills it from the JSON and validates it (src/config/schema.c's rows
 * point into it), so data/ needs nothing from config/. */
#ifndef NN_DATA_SPEC_H
#define NN_DATA_SPEC_H

#include <stddef.h>

typedef enum nn_normalize { NN_NORM_UNIT, NN_NORM_STANDARD } nn_normalize;
typedef enum nn_data_format { NN_DATA_IDX, NN_DATA_IMAGE_FOLDER } nn_data_format;

typedef struct nn_data_spec {
    char *format; /* "idx" or "image_folder" */
    nn_data_format kind;
    /* idx (NULL otherwise) */
    char *train_images, *train_labels, *test_images, *test_labels;
    /* image_folder (NULL otherwise) */
    char *train_dir, *test_dir;
    size_t channels;    /* 1 or 3; default 1 */
    int skip_bad_files; /* on_bad_file: 0 "error" (default), 1 "skip" */
    nn_normalize normalize;
    size_t train_limit, test_limit; /* 0 = all */
    size_t validation;              /* training samples held out; 0 = none */
} nn_data_spec;

#endif
