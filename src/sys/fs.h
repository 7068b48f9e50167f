/* fs.h - file system helpers shared by every writer of output files. */
#ifndef NN_FS_H
#define NN_FS_H

#include "sys/error.h"

/* Creates dir and every missing parent (mkdir -p); an existing folder is fine. On failure
 * NN_ECONFIG: "<the path that failed>: cannot create <what>: <reason>". */
nn_status nn_mkdirs(const char *dir, const char *what, nn_error *err);

/* The same for the folder that will hold file (nothing to do for a bare file name). */
nn_status nn_mkdirs_for(const char *file, const char *what, nn_error *err);

/* Writes text (a newline added when it lacks one) to path through path.tmp and a rename,
 * so a reader sees the old file or the new one, never half of one. NN_ESYS naming what. */
nn_status nn_write_atomic(const char *path, const char *text, const char *what, nn_error *err);

#endif
