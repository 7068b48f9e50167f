/* fs.c - mkdir -p and whole-file writes. */
#include "sys/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

nn_status nn_mkdirs(const char *dir, const char *what, nn_error *err)
{
    char *path = strdup(dir);
    if (!path)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = NN_OK;
    /* Each prefix ending at a '/' (the root excepted), then the whole path. */
    for (char *p = path + 1; *path; p++) {
        char saved = *p;
        if (saved != '/' && saved != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            st = nn_fail(err, NN_ECONFIG, "%s: cannot create %s: %s", path, what,
                         strerror(errno));
        *p = saved;
        if (saved == '\0' || st != NN_OK)
            break;
    }
    free(path);
    return st;
}

nn_status nn_mkdirs_for(const char *file, const char *what, nn_error *err)
{
    const char *slash = strrchr(file, '/');
    if (!slash || slash == file)
        return NN_OK;
    char *dir = strndup(file, (size_t)(slash - file));
    if (!dir)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = nn_mkdirs(dir, what, err);
    free(dir);
    return st;
}

nn_status nn_write_atomic(const char *path, const char *text, const char *what, nn_error *err)
{
    size_t size = strlen(path) + sizeof ".tmp";
    char *tmp = malloc(size);
    if (tmp == NULL)
        return nn_fail(err, NN_ESYS, "out of memory");
    snprintf(tmp, size, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    size_t len = strlen(text);
    int bad = f == NULL || fwrite(text, 1, len, f) != len ||
              (len && text[len - 1] != '\n' && fputc('\n', f) == EOF);
    /* Flushed and on the disk before the rename: a crash leaves the old file or this one. */
    if (!bad && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        bad = 1;
    int e = errno;
    if (f != NULL && fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad && f != NULL)
        remove(tmp);
    free(tmp);
    if (bad)
        return nn_fail(err, NN_ESYS, "%s: cannot write %s: %s", path, what, strerror(e));
    return NN_OK;
}
