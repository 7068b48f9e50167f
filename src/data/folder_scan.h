/* folder_scan.h - lists a labelled image folder (torchvision's ImageFolder layout):
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
 * Listing is separate from decoding (folder_decode.h) so that a mismatch between two
 * folders is found before anything is decoded. */
#ifndef NN_FOLDER_SCAN_H
#define NN_FOLDER_SCAN_H

#include <stddef.h>

#include "sys/error.h"

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

#endif
