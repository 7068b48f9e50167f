/* folder_scan.c - lists ROOT/<class>/<image> folders: class folders and image files in
 * bytewise order, everything else counted; the same-classes check and the balanced limit. */
#define _DEFAULT_SOURCE /* d_type and DT_* in <dirent.h> */
#include "data/folder_scan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *const IMAGE_EXTS[] = {"png", "jpg", "jpeg", "bmp", "pgm", "ppm",
                                         "pnm", "gif", "tga",  NULL};

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

/* Appends s (ownership passes, even on failure); -1 when out of memory. */
static int strlist_push(strlist *l, char *s)
{
    if (s == NULL)
        return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            free(s);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_image_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot == NULL || dot == name)
        return 0;
    for (size_t i = 0; IMAGE_EXTS[i]; i++)
        if (strcasecmp(dot + 1, IMAGE_EXTS[i]) == 0)
            return 1;
    return 0;
}

enum { KIND_FILE, KIND_DIR, KIND_OTHER, KIND_BROKEN };

/* What an entry is, following symbolic links; KIND_BROKEN when it cannot be stat'ed. */
static int entry_kind(DIR *d, const struct dirent *e)
{
    if (e->d_type == DT_REG)
        return KIND_FILE;
    if (e->d_type == DT_DIR)
        return KIND_DIR;
    if (e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
        return KIND_OTHER;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, 0) != 0)
        return KIND_BROKEN;
    return S_ISREG(st.st_mode) ? KIND_FILE : S_ISDIR(st.st_mode) ? KIND_DIR : KIND_OTHER;
}

static char *join3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + (c ? strlen(c) + 1 : 0) + 2;
    char *s = malloc(n);
    if (s == NULL)
        return NULL;
    if (c)
        snprintf(s, n, "%s/%s/%s", a, b, c);
    else
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* Reads the names of dir: directories into dirs (when not NULL), image files into files;
 * counts the rest into f. */
static nn_status list_dir(nn_folder *f, const char *path, strlist *dirs, strlist *files,
                          size_t *others, nn_error *err)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        int e = errno;
        if (e == ENOMEM)
            return nn_fail(err, NN_ESYS, "%s: out of memory opening the folder", path);
        return nn_fail(err, NN_EDATA, "%s: cannot open the %s folder: %s", path,
                       dirs ? "image" : "class", strerror(e));
    }
    nn_status st = NN_OK;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) {
            if (errno != 0)
                st = nn_fail(err, NN_EDATA, "%s: cannot list the folder: %s", path,
                             strerror(errno));
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (e->d_name[0] == '.') {
            f->n_hidden++;
            continue;
        }
        int kind = entry_kind(d, e);
        int fail = 0;
        if (dirs != NULL) { /* the root: class folders */
            if (kind == KIND_DIR && strpbrk(e->d_name, "\n\r")) {
                /* The class list file has one name per line. */
                st = nn_fail(err, NN_EDATA,
                             "%s: a class folder's name contains a line break; rename it", path);
                break;
            }
            if (kind == KIND_DIR)
                fail = strlist_push(dirs, strdup(e->d_name));
            else
                f->n_root_files++;
        } else if (kind == KIND_DIR) {
            f->n_subdirs++;
        } else if ((kind == KIND_FILE || kind == KIND_BROKEN) && has_image_ext(e->d_name)) {
            /* A broken link keeps its place: decoding reports it as a bad file. */
            fail = strlist_push(files, strdup(e->d_name));
        } else {
            (*others)++;
        }
        if (fail) {
            st = nn_fail(err, NN_ESYS, "%s: out of memory listing the folder", path);
            break;
        }
    }
    closedir(d);
    return st;
}

void nn_folder_free(nn_folder *f)
{
    if (f == NULL)
        return;
    free(f->root);
    for (size_t c = 0; c < f->n_classes && f->classes; c++)
        free(f->classes[c]);
    free(f->classes);
    free(f->class_start);
    for (size_t i = 0; i < f->n_files && f->files; i++)
        free(f->files[i]);
    free(f->files);
    memset(f, 0, sizeof *f);
}

nn_status nn_folder_scan(nn_folder *f, const char *root, nn_error *err)
{
    nn_folder out = {0};
    strlist classes = {0}, paths = {0};
    nn_status st = NN_OK;
    if (f != NULL)
        memset(f, 0, sizeof *f);
    if (f == NULL || root == NULL || root[0] == '\0')
        return nn_fail(err, NN_EDATA, "empty path given for an image folder");

    size_t len = strlen(root);
    while (len > 1 && root[len - 1] == '/')
        len--;
    if ((out.root = strndup(root, len)) == NULL)
        return nn_fail(err, NN_ESYS, "out of memory");
    struct stat sb;
    if (stat(out.root, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        st = nn_fail(err, NN_EDATA,
                     "%s: not a folder; an image folder holds one sub-folder per class "
                     "(ROOT/<class name>/<image files>)",
                     out.root);
        goto done;
    }
    st = list_dir(&out, out.root, &classes, NULL, NULL, err);
    if (st != NN_OK)
        goto done;
    if (classes.n == 0) {
        st = nn_fail(err, NN_EDATA,
                     "%s: no class folders: expected ROOT/<class name>/<image files>%s", out.root,
                     out.n_root_files ? ", but the images are directly in ROOT; put them into "
                                        "one sub-folder per class"
                                      : "");
        goto done;
    }
    qsort(classes.v, classes.n, sizeof *classes.v, cmp_str);
    out.class_start = calloc(classes.n + 1, sizeof *out.class_start);
    if (out.class_start == NULL) {
        st = nn_fail(err, NN_ESYS, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < classes.n; c++) {
        char *dir = join3(out.root, classes.v[c], NULL);
        strlist names = {0};
        size_t others = 0;
        st = dir ? list_dir(&out, dir, NULL, &names, &others, err)
                 : nn_fail(err, NN_ESYS, "out of memory");
        if (st == NN_OK && names.n == 0)
            st = nn_fail(err, NN_EDATA,
                         "%s: the class folder \"%s\" holds no image files (%zu other entries "
                         "ignored); every class needs at least one .png, .jpg, .jpeg, .bmp, "
                         ".pgm, .ppm, .pnm, .gif or .tga file",
                         dir, classes.v[c], others);
        out.n_other_ext += others;
        if (st == NN_OK)
            qsort(names.v, names.n, sizeof *names.v, cmp_str);
        for (size_t i = 0; st == NN_OK && i < names.n; i++)
            if (strlist_push(&paths, join3(out.root, classes.v[c], names.v[i])) != 0)
                st = nn_fail(err, NN_ESYS, "out of memory");
        out.class_start[c + 1] = paths.n;
        strlist_free(&names);
        free(dir);
        if (st != NN_OK)
            goto done;
    }
    out.n_classes = classes.n;
    out.classes = classes.v;
    classes = (strlist){0};
    out.n_files = paths.n;
    out.files = paths.v;
    paths = (strlist){0};
    *f = out;
    out = (nn_folder){0};
done:
    strlist_free(&classes);
    strlist_free(&paths);
    nn_folder_free(&out);
    return st;
}

nn_status nn_folder_same_classes(const nn_folder *a, const nn_folder *b, nn_error *err)
{
    size_t i = 0, j = 0;
    while (i < a->n_classes || j < b->n_classes) {
        int c = i == a->n_classes   ? 1
                : j == b->n_classes ? -1
                                    : strcmp(a->classes[i], b->classes[j]);
        if (c == 0) {
            i++;
            j++;
            continue;
        }
        const nn_folder *has = c < 0 ? a : b, *lacks = c < 0 ? b : a;
        const char *name = c < 0 ? a->classes[i] : b->classes[j];
        return nn_fail(err, NN_EDATA,
                       "%s and %s have different classes: \"%s\" is a class folder of %s but "
                       "not of %s (%zu vs %zu classes); both need the same class folder names",
                       a->root, b->root, name, has->root, lacks->root, a->n_classes,
                       b->n_classes);
    }
    return NN_OK;
}

void nn_folder_limit(nn_folder *f, size_t limit)
{
    if (limit == 0 || limit >= f->n_files)
        return;
    /* Round robin: k full rounds take min(size, k) files of each class; the rest, r, come
     * one each from the first r classes that still have files. */
    size_t k = 0, taken = 0;
    for (;;) {
        size_t next = 0;
        for (size_t c = 0; c < f->n_classes; c++)
            next += f->class_start[c + 1] - f->class_start[c] > k;
        if (taken + next > limit)
            break;
        taken += next;
        k++;
    }
    size_t extra = limit - taken, w = 0, start = 0;
    for (size_t c = 0; c < f->n_classes; c++) {
        size_t size = f->class_start[c + 1] - start;
        size_t keep = size < k ? size : k;
        if (size > k && extra > 0) {
            keep++;
            extra--;
        }
        for (size_t i = 0; i < size; i++) {
            if (i < keep)
                f->files[w++] = f->files[start + i];
            else
                free(f->files[start + i]);
        }
        start = f->class_start[c + 1];
        f->class_start[c + 1] = w;
    }
    f->n_files = w;
}
