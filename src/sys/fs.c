/* fs.c - mkdir -p, whole-file writes, same-file and inside-folder checks. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sys/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
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
            st = nn_fail(err, NN_ECONFIG, "%s: cannot create %s: %s", path, what, strerror(errno));
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

/* fsync of the folder holding path, so that a rename in it survives a crash. A folder that
 * cannot be opened, or a file system that cannot sync folders (EINVAL), is let be. */
static int sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL   ? strdup(".")
                : slash == path ? strdup("/")
                                : strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return ENOMEM;
    int e = 0, fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        if (fsync(fd) != 0 && errno != EINVAL)
            e = errno;
        close(fd);
    }
    free(dir);
    return e;
}

char *nn_write_whole_tmp(const char *path)
{
    size_t size = strlen(path) + sizeof ".tmp";
    char *tmp = malloc(size);
    if (tmp)
        snprintf(tmp, size, "%s.tmp", path);
    return tmp;
}

int nn_write_whole(const char *path, int (*fill)(void *ctx, FILE *f), void *ctx)
{
    char *tmp = nn_write_whole_tmp(path);
    if (tmp == NULL)
        return ENOMEM;
    errno = 0;
    FILE *f = fopen(tmp, "wb");
    int bad = f == NULL || fill(ctx, f) != 0 || fflush(f) != 0 || fsync(fileno(f)) != 0;
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
        return e ? e : EIO;
    return sync_folder(path);
}

/* fill for nn_write_atomic: the text, with a final newline. */
static int fill_text(void *ctx, FILE *f)
{
    const char *text = ctx;
    size_t len = strlen(text);
    return fwrite(text, 1, len, f) != len ||
           (len && text[len - 1] != '\n' && fputc('\n', f) == EOF);
}

nn_status nn_write_atomic(const char *path, const char *text, const char *what, nn_error *err)
{
    int e = nn_write_whole(path, fill_text, (void *)(uintptr_t)text);
    if (e == ENOMEM)
        return nn_fail(err, NN_ESYS, "out of memory");
    if (e)
        return nn_fail(err, NN_ESYS, "%s: cannot write %s: %s", path, what, strerror(e));
    return NN_OK;
}

int nn_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* cur (PATH_MAX bytes) after its last '/' removed ("/" stays "/"). */
static void drop_last(char *cur)
{
    char *slash = strrchr(cur, '/');
    if (slash == cur)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
}

/* The absolute path that path names or will name (resolved[PATH_MAX]): each component
 * resolved while it exists; past the first missing one, "." and ".." are taken lexically,
 * as mkdir -p will create the missing folders. 0 on failure. */
static int resolve_path(const char *path, char resolved[PATH_MAX])
{
    if (realpath(path, resolved))
        return 1;
    char cur[PATH_MAX], next[PATH_MAX];
    if (!realpath(path[0] == '/' ? "/" : ".", cur))
        return 0;
    char *copy = strdup(path), *save = NULL;
    if (!copy)
        return 0;
    int exists = 1, ok = 1;
    for (char *c = strtok_r(copy, "/", &save); ok && c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (!exists && strcmp(c, "..") == 0) {
            drop_last(cur);
            exists = realpath(cur, next) != NULL;
            if (exists)
                strcpy(cur, next);
            continue;
        }
        int n = snprintf(next, sizeof next, "%s%s%s", cur, strcmp(cur, "/") ? "/" : "", c);
        ok = n > 0 && (size_t)n < sizeof next;
        if (ok && exists && realpath(next, cur))
            continue;
        if (ok) {
            strcpy(cur, next);
            exists = 0;
        }
    }
    free(copy);
    if (ok)
        strcpy(resolved, cur);
    return ok;
}

/* path, or where the dangling symlink path points (into out[PATH_MAX]; a relative
 * target is taken from the link's folder), followed up to 40 links as the kernel does. */
static const char *follow_dangling(const char *path, char out[PATH_MAX])
{
    struct stat sb;
    char next[PATH_MAX], target[PATH_MAX];
    const char *cur = path;
    for (int hops = 0; hops < 40 && lstat(cur, &sb) == 0 && S_ISLNK(sb.st_mode) &&
                       stat(cur, &sb) != 0;
         hops++) {
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n <= 0)
            break;
        target[n] = '\0';
        const char *slash = strrchr(cur, '/');
        int dir_len = target[0] == '/' || !slash ? 0 : (int)(slash - cur) + 1;
        int w = snprintf(next, sizeof next, "%.*s%s", dir_len, cur, target);
        if (w < 0 || (size_t)w >= sizeof next)
            break;
        strcpy(out, next);
        cur = out;
    }
    return cur;
}

int nn_same_target(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    if (nn_same_file(a, b))
        return 1;
    char fa[PATH_MAX], fb[PATH_MAX], ra[PATH_MAX], rb[PATH_MAX];
    return resolve_path(follow_dangling(a, fa), ra) && resolve_path(follow_dangling(b, fb), rb) &&
           strcmp(ra, rb) == 0;
}

int nn_inside_dir(const char *path, const char *dir)
{
    char rdir[PATH_MAX], rpath[PATH_MAX];
    if (!path || !dir || !realpath(dir, rdir) || !resolve_path(path, rpath))
        return 0;
    size_t n = strlen(rdir);
    if (strcmp(rdir, "/") == 0)
        return 1;
    return strncmp(rpath, rdir, n) == 0 && (rpath[n] == '\0' || rpath[n] == '/');
}

int nn_path_missing(const char *path)
{
    struct stat sb;
    return stat(path, &sb) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

int nn_open_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int flags = fd < 0 ? -1 : fcntl(fd, F_GETFL);
    if (fd >= 0 && (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

FILE *nn_fopen_read(const char *path)
{
    int fd = nn_open_read(path);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "rb");
    if (fd >= 0 && !f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

char *nn_read_file(const char *path, size_t max, size_t *len, nn_read_fail *why)
{
    *len = 0;
    *why = NN_READ_OK;
    FILE *f = nn_fopen_read(path);
    if (!f) {
        *why = NN_READ_OPEN;
        return NULL;
    }
    /* Read to the end, or to one byte past max (which says the file is larger); the
     * buffer doubles as it fills and holds at most max + 1 bytes and the NUL. */
    size_t n = 0, cap = 0, top = max < SIZE_MAX - 2 ? max + 2 : SIZE_MAX;
    char *buf = NULL;
    for (;;) {
        if (n + 1 >= cap) {
            size_t grow = !cap ? 65536 : cap > top / 2 ? top : 2 * cap;
            grow = grow < top ? grow : top;
            char *bigger = realloc(buf, grow);
            if (!bigger) {
                *why = NN_READ_NOMEM;
                break;
            }
            buf = bigger;
            cap = grow;
        }
        size_t room = cap - 1 - n, got = fread(buf + n, 1, room, f);
        n += got;
        if (got < room || n > max)
            break;
    }
    int e = errno;
    if (*why == NN_READ_OK && ferror(f))
        *why = NN_READ_IO;
    else if (*why == NN_READ_OK && n > max)
        *why = NN_READ_BIG;
    fclose(f);
    errno = e;
    if (*why != NN_READ_OK) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *nn_read_small(const char *path, size_t max, const char *what, nn_status *st, nn_error *err)
{
    size_t len;
    nn_read_fail why;
    char *buf = nn_read_file(path, max, &len, &why);
    *st = NN_OK;
    if (why == NN_READ_OPEN)
        *st = nn_fail(err, NN_ECONFIG, "%s: cannot open %s: %s", path, what, strerror(errno));
    else if (why == NN_READ_NOMEM)
        *st = nn_fail(err, NN_ESYS, "%s: out of memory", path);
    else if (why == NN_READ_IO)
        *st = nn_fail(err, NN_ECONFIG, "%s: cannot read %s: %s", path, what, strerror(errno));
    else if (why == NN_READ_BIG)
        *st = nn_fail(err, NN_ECONFIG, "%s: larger than %zu KiB; is this a %s?", path, max >> 10,
                      what);
    return buf;
}
