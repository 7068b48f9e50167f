/* fs.h - file system helpers shared by every writer of output files: mkdir -p, whole-file
 * writes, and the identity checks that keep an output from landing on an input. */
#ifndef NN_FS_H
#define NN_FS_H

#include <stdio.h>

#include "sys/error.h"

/* Creates dir and every missing parent (mkdir -p); an existing folder is fine. On failure
 * NN_ECONFIG: "<the path that failed>: cannot create <what>: <reason>". */
nn_status nn_mkdirs(const char *dir, const char *what, nn_error *err);

/* The same for the folder that will hold file (nothing to do for a bare file name). */
nn_status nn_mkdirs_for(const char *file, const char *what, nn_error *err);

/* Writes path whole through path.tmp: fill(ctx, f) writes the content (0 on success), then
 * the file is flushed, fsync'ed, closed and renamed over path, and path's folder synced
 * (where the file system can), so a reader or a crash sees the old file or the new one,
 * never half of one. The temporary file is removed on failure. 0, or the errno of what
 * failed (EIO when fill failed without one). */
int nn_write_whole(const char *path, int (*fill)(void *ctx, FILE *f), void *ctx);
/* The temporary file nn_write_whole writes path through (malloc'ed; NULL when out of
 * memory): an output too, for the checks that keep outputs off inputs. */
char *nn_write_whole_tmp(const char *path);

/* Writes text (a newline added when it lacks one) to path through path.tmp and a rename,
 * so a reader sees the old file or the new one, never half of one. NN_ESYS naming what. */
nn_status nn_write_atomic(const char *path, const char *text, const char *what, nn_error *err);

/* 1 when a and b name the same file: the same device and inode, symlinks followed (so a
 * symlink or a hard link to a file is that file). 0 otherwise, and when either cannot be
 * stat'ed: a file not there yet is nobody's twin. */
int nn_same_file(const char *a, const char *b);

/* 1 when writing a and writing b would land on the same file: nn_same_file, or the same
 * absolute path once every existing folder and symlink on the way is resolved (a file not
 * there yet, where mkdir -p and fopen would put it; a dangling symlink is followed to
 * where it points). For two outputs of one run, which need not exist yet. */
int nn_same_target(const char *a, const char *b);

/* 1 when path is dir itself or lies under it, both with every symlink resolved. A path
 * (or a tail of it) that does not exist yet is placed where mkdir -p would create it:
 * under its nearest existing folder. 0 when dir does not exist, or out of memory. */
int nn_inside_dir(const char *path, const char *dir);

/* 1 when path names nothing: stat fails with ENOENT or ENOTDIR (a dangling symlink
 * included). 0 when it is there, and when stat fails for another reason (a symlink loop:
 * ELOOP, a folder without search permission): a lookup that goes on elsewhere would then
 * report "No such file or directory" instead of what is wrong with path. */
int nn_path_missing(const char *path);

/* open(path, O_RDONLY) that does not wait: a FIFO with no writer (or a device that blocks
 * in open) would hang the reader, so the open is non-blocking and blocking reads are
 * restored after it; such a FIFO then reads as empty. -1 with errno set on failure. */
int nn_open_read(const char *path);
/* The same as a FILE opened "rb"; NULL with errno set. */
FILE *nn_fopen_read(const char *path);

/* Why nn_read_file returned NULL (errno is kept for NN_READ_OPEN and NN_READ_IO). */
typedef enum nn_read_fail {
    NN_READ_OK,
    NN_READ_OPEN,  /* cannot open (nn_fopen_read) */
    NN_READ_IO,    /* a read failed */
    NN_READ_BIG,   /* larger than max bytes */
    NN_READ_NOMEM, /* out of memory */
} nn_read_fail;

/* The one reader of whole files: the file path read to its end into a malloc'ed buffer
 * with a NUL after it, *len its length (a NUL inside is kept and counted); at most max
 * bytes (SIZE_MAX: no limit). NULL and *why on failure. Callers word their messages. */
char *nn_read_file(const char *path, size_t max, size_t *len, nn_read_fail *why);

/* The same for a small input (a sweep file, a base config): NULL with *st NN_ECONFIG
 * (cannot open or read, larger than max, naming what) or NN_ESYS. */
char *nn_read_small(const char *path, size_t max, const char *what, nn_status *st, nn_error *err);

#endif
