/* image_folder.h - a labelled data set from a folder of images (torchvision's ImageFolder
 * layout), decoded with stb_image, and the reverse: an nn_dataset written as PNGs.
 *
 *   ROOT/<class name>/<image file>
 *
 * Classes are the sub-folders of ROOT sorted bytewise (strcmp); a class's label is its
 * position in that order. Files inside a class are sorted bytewise too, and the data set
 * keeps that order: sample order is (label, file name). Names starting with '.' are
 * hidden and ignored; so are files whose extension is not an image extension (png jpg
 * jpeg bmp pgm ppm pnm gif tga, any case), plain files directly in ROOT and folders
 * inside a class folder. Each is counted so the caller can report it.
 *
 * Loading is two steps so that a mismatch between two folders is found before anything
 * is decoded: nn_folder_scan lists the files (cheap), nn_folder_decode decodes them in
 * parallel into an nn_dataset whose pixels are uint8, written straight into their final
 * place (no per-image copies are kept). */
#ifndef NN_IMAGE_FOLDER_H
#define NN_IMAGE_FOLDER_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"
#include "sys/error.h"

typedef enum nn_bad_file { NN_BAD_FILE_ERROR = 0, NN_BAD_FILE_SKIP = 1 } nn_bad_file;

/* The result of a scan: class names and the image files, in label then name order. */
typedef struct nn_folder {
    char *root;
    size_t n_classes;
    char **classes;       /* n_classes names, bytewise sorted */
    size_t *class_start;  /* n_classes + 1: files of class c are [class_start[c], [c + 1]) */
    size_t n_files;
    char **files;         /* n_files paths "ROOT/class/name" */
    /* Counted, not loaded. */
    size_t n_hidden;      /* names starting with '.' (files and folders, at any level) */
    size_t n_other_ext;   /* files without an image extension inside class folders */
    size_t n_root_files;  /* plain files directly in ROOT */
    size_t n_subdirs;     /* folders inside class folders */
} nn_folder;

/* Lists root. Errors (NN_EDATA): root missing or not a folder, no class folders, a class
 * folder without a single image file, a name that cannot be read. On failure *f is
 * zeroed (nn_folder_free is safe). */
nn_status nn_folder_scan(nn_folder *f, const char *root, nn_error *err);

/* NN_OK when both scans have the same class names; otherwise NN_EDATA naming both roots
 * and the first class (in sorted order) that only one of them has. */
nn_status nn_folder_same_classes(const nn_folder *train, const nn_folder *test, nn_error *err);

/* Keeps at most limit files (0: all), taken in turn from each class (the first file of
 * every class, then the second, ...) so that a subset stays balanced; the kept files stay
 * in (label, name) order. */
void nn_folder_limit(nn_folder *f, size_t limit);

void nn_folder_free(nn_folder *f);

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

/* A file's format judged from its first bytes ("PNG", "JPEG", ...), or NULL. */
const char *nn_image_format(const uint8_t *data, size_t len);

/* Checks that an uncompressed BMP, a binary PGM/PPM, a TGA or a GIF holds all the pixel
 * data its header promises (stb_image silently reads zeros past the end of these). 0 when
 * complete or when the format is not one of those; otherwise -1 and a reason in why. */
int nn_image_check_complete(const uint8_t *data, size_t len, char *why, size_t why_len);

/* Writes ds as an image folder of PNGs: out_dir/<label>/<index>.png, one folder per
 * label 0..n_classes-1 (decimal, zero-padded to a common width when there are more
 * than 10 classes, so bytewise order is label order), index zero-padded to at least 5
 * digits (so bytewise order is index order). out_dir is created (with its parents) when
 * missing; an existing out_dir must be empty. Writes in parallel on threads threads
 * (0: one per online processor). Errors: NN_ECONFIG for an unusable out_dir, NN_ESYS
 * for a failed write (naming the file). */
nn_status nn_export_png(const nn_dataset *ds, const char *out_dir, size_t threads,
                        void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                        nn_error *err);

#endif
