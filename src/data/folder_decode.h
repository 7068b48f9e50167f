/* folder_decode.h - decodes the files of a scanned image folder (folder_scan.h) with
 * stb_image, in parallel, into an nn_dataset whose pixels are uint8, written straight
 * into their final place (no per-image copies are kept). */
#ifndef NN_FOLDER_DECODE_H
#define NN_FOLDER_DECODE_H

#include <stddef.h>

#include "data/dataset.h"
#include "data/folder_scan.h"
#include "sys/error.h"

typedef enum nn_bad_file { NN_BAD_FILE_ERROR = 0, NN_BAD_FILE_SKIP = 1 } nn_bad_file;

typedef struct nn_folder_options {
    size_t channels;    /* 1 (grayscale) or 3 (RGB) */
    nn_bad_file on_bad; /* stop at the first bad file, or skip bad files */
    size_t threads;     /* decoding threads; 0: one per online processor */
    /* Progress, called from the calling thread only (may be NULL). */
    void *ctx;
    void (*progress)(void *ctx, size_t done, size_t total);
} nn_folder_options;

enum { NN_FOLDER_SKIP_NAMES = 5 };

/* What decoding found besides the images. */
typedef struct nn_folder_report {
    size_t skipped;                               /* bad files left out (on_bad == skip) */
    char *skipped_names[NN_FOLDER_SKIP_NAMES];    /* the first few of them, owned */
    char *skipped_reasons[NN_FOLDER_SKIP_NAMES];  /* why each of those was bad, owned */
} nn_folder_report;

void nn_folder_report_free(nn_folder_report *r);

/* Decodes every file of f into ds: rows x cols from the first good image (in sorted
 * order), channels as asked (stb_image converts: RGB to gray as (77 R + 150 G + 29 B) >> 8,
 * gray to RGB by copying, alpha dropped, 16-bit samples to 8 bits), n_classes = number of
 * class folders and ds->class_names a copy of the class names. A file is bad when it
 * cannot be read, stb_image cannot decode it, its data ends before its pixels do (checked
 * for the uncompressed BMP, PGM/PPM, TGA and GIF formats, where stb_image would fill the
 * gap silently) or its size differs from the first image's. With NN_BAD_FILE_ERROR the
 * first bad file in sorted order fails the load (NN_EDATA, naming the file and why); with
 * NN_BAD_FILE_SKIP bad files are left out and counted in rep (which may be NULL then too).
 * A class left without a single good image is an error either way (its label would be
 * untrainable). On failure *ds is zeroed. */
nn_status nn_folder_decode(const nn_folder *f, const nn_folder_options *o, nn_dataset *ds,
                           nn_folder_report *rep, nn_error *err);

#endif
