/* export.c - writes a data set as an image folder of PNGs (stb_image_write), in parallel.
 *
 * PNG encoding is the slow part, so files are encoded by the threads of an OpenMP team
 * that claim chunks of sample indices from an atomic counter. Each PNG is encoded into memory
 * (stbi_write_png_to_func) and written with stdio, so a failed write (disk full,
 * permissions) is reported with the file's name instead of being lost inside stb. */
#include "data/export.h"

#include "sys/fs.h"
#include "sys/cpu.h"

#include <errno.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include <stb_image_write.h>

enum { EXPORT_CHUNK = 64, EXPORT_MAX_THREADS = 64 };

typedef struct membuf {
    unsigned char *p;
    size_t len, cap;
    int failed;
} membuf;

static void mem_write(void *ctx, void *data, int size)
{
    membuf *m = ctx;
    size_t n = (size_t)size;
    if (m->failed || size <= 0)
        return;
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 4096;
        while (cap < m->len + n)
            cap *= 2;
        unsigned char *p = realloc(m->p, cap);
        if (p == NULL) {
            m->failed = 1;
            return;
        }
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->len, data, n);
    m->len += n;
}

typedef struct export_job {
    const nn_dataset *ds;
    const char *dir;
    int class_width, index_width;
    atomic_size_t next, done;
    atomic_int failed; /* set by the first failure; the other threads then stop */
    size_t fail_index; /* the smallest failed sample (in the critical section) */
    nn_status fail_status;
    char fail_msg[sizeof(((nn_error *)0)->msg)];
    void (*progress)(void *ctx, size_t done, size_t total);
    void *ctx;
} export_job;

static void sample_path(const export_job *j, size_t i, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%0*ld/%0*zu.png", j->dir, j->class_width, (long)j->ds->labels[i],
             j->index_width, i);
}

/* Records a failure of sample i; of the failures recorded before the threads stop, the
 * smallest index is reported. */
static void export_fail(export_job *j, size_t i, nn_status st, const char *path, const char *what,
                        int code)
{
#pragma omp critical(nn_export_fail)
    {
        if (!atomic_load(&j->failed) || i < j->fail_index) {
            j->fail_index = i;
            j->fail_status = st;
            snprintf(j->fail_msg, sizeof j->fail_msg, "%s: %s%s%s", path, what, code ? ": " : "",
                     code ? strerror(code) : "");
        }
        atomic_store(&j->failed, 1);
    }
}

static void export_one(export_job *j, size_t i, membuf *m)
{
    const nn_dataset *ds = j->ds;
    char path[512];
    sample_path(j, i, path, sizeof path);
    m->len = 0;
    m->failed = 0;
    int ok = stbi_write_png_to_func(mem_write, m, (int)ds->cols, (int)ds->rows,
                                    (int)ds->channels, ds->pixels + i * ds->dim,
                                    (int)(ds->cols * ds->channels));
    if (!ok || m->failed) {
        export_fail(j, i, NN_ESYS, path, "out of memory encoding the PNG", 0);
        return;
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        export_fail(j, i, NN_ESYS, path, "cannot create the file", errno);
        return;
    }
    size_t w = fwrite(m->p, 1, m->len, f);
    int e = errno;
    int closed = fclose(f);
    if (w != m->len || closed != 0)
        export_fail(j, i, NN_ESYS, path, "write failed", w != m->len ? e : errno);
}

static void export_chunks(export_job *j, int report)
{
    membuf m = {0};
    const size_t n = j->ds->n;
    while (!atomic_load(&j->failed)) {
        size_t s = atomic_fetch_add(&j->next, (size_t)EXPORT_CHUNK);
        if (s >= n)
            break;
        size_t e = s + EXPORT_CHUNK < n ? s + EXPORT_CHUNK : n;
        for (size_t i = s; i < e && !atomic_load(&j->failed); i++)
            export_one(j, i, &m);
        size_t done = atomic_fetch_add(&j->done, e - s) + (e - s);
        if (report && j->progress)
            j->progress(j->ctx, done, n);
    }
    free(m.p);
}

static int digits(size_t v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* out_dir must be missing (created with its parents) or an empty folder. */
static nn_status prepare_dir(const char *dir, nn_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return nn_fail(err, NN_ECONFIG, "%s: exists and is not a folder; give a new or empty "
                                            "folder for the exported images",
                           dir);
        DIR *d = opendir(dir);
        if (d == NULL)
            return nn_fail(err, NN_ECONFIG, "%s: cannot open the folder: %s", dir, strerror(errno));
        struct dirent *e;
        int empty = 1;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                empty = 0;
        closedir(d);
        if (!empty)
            return nn_fail(err, NN_ECONFIG,
                           "%s: the folder is not empty; export-images writes only into a new "
                           "or empty folder (nothing is overwritten)",
                           dir);
        return NN_OK;
    }
    if (lstat(dir, &sb) == 0) /* there, but stat failed: a dangling symlink */
        return nn_fail(err, NN_ECONFIG, "%s: a symlink to a folder that does not exist; give a "
                                        "new or empty folder for the exported images",
                       dir);
    return nn_mkdirs(dir, "the output folder", err);
}

nn_status nn_export_check_out(const char *out_dir, const char *images, const char *labels,
                              nn_error *err)
{
    const char *in[2] = {images, labels}, *what[2] = {"the images", "the labels"};
    for (int i = 0; i < 2; i++)
        if (in[i] && (nn_same_file(out_dir, in[i]) || nn_inside_dir(in[i], out_dir)))
            return nn_fail(err, NN_ECONFIG,
                           "%s would hold %s %s (the input): export-images writes into a new "
                           "or empty folder apart from its inputs; give another folder",
                           out_dir, what[i], in[i]);
    return NN_OK;
}

/* This thread's number in its team (0 in a build without OpenMP, such as the fuzzers'). */
static int thread_num(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

nn_status nn_export_png(const nn_dataset *ds, const char *out_dir, size_t threads,
                        void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                        nn_error *err)
{
    if (ds == NULL || out_dir == NULL || out_dir[0] == '\0')
        return nn_fail(err, NN_ECONFIG, "export-images: no output folder given");
    if (ds->channels != 1 && ds->channels != 3)
        return nn_fail(err, NN_ECONFIG, "export-images: %zu channels; PNG export takes 1 or 3",
                       ds->channels);
    if (ds->rows > 1u << 24 || ds->cols > 1u << 24)
        return nn_fail(err, NN_ECONFIG, "export-images: images of %zux%zu are too large",
                       ds->rows, ds->cols);
    nn_status st = prepare_dir(out_dir, err);
    if (st != NN_OK)
        return st;

    export_job j = {.ds = ds, .dir = out_dir, .progress = progress, .ctx = ctx};
    j.class_width = ds->n_classes > 10 ? digits(ds->n_classes - 1) : 1;
    j.index_width = ds->n > 0 && digits(ds->n - 1) > 5 ? digits(ds->n - 1) : 5;
    char path[512];
    if (strlen(out_dir) + (size_t)j.class_width + (size_t)j.index_width + 8 > sizeof path)
        return nn_fail(err, NN_ECONFIG, "%s: the output folder's path is too long (at most %zu "
                                        "characters)",
                       out_dir, sizeof path - 8 - (size_t)j.class_width - (size_t)j.index_width);
    for (size_t c = 0; c < ds->n_classes; c++) {
        snprintf(path, sizeof path, "%s/%0*zu", out_dir, j.class_width, c);
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return nn_fail(err, NN_ESYS, "%s: cannot create the class folder: %s", path,
                           strerror(errno));
    }
    for (size_t i = 0; i < ds->n; i++)
        if (ds->labels[i] < 0 || (size_t)ds->labels[i] >= ds->n_classes)
            return nn_fail(err, NN_EDATA, "sample %zu: label %ld outside [0, %zu)", i,
                           (long)ds->labels[i], ds->n_classes);

    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.failed, 0);
    /* At most one thread per chunk; thread 0 of the team is the calling thread, and it
     * alone reports progress. */
    if (threads == 0)
        threads = (size_t)nn_cpu_count();
    size_t chunks = (ds->n + EXPORT_CHUNK - 1) / EXPORT_CHUNK;
    if (threads > chunks)
        threads = chunks ? chunks : 1;
    if (threads > EXPORT_MAX_THREADS)
        threads = EXPORT_MAX_THREADS;
#pragma omp parallel num_threads((int)threads) if (threads > 1)
    export_chunks(&j, thread_num() == 0);
    if (atomic_load(&j.failed))
        return nn_fail(err, j.fail_status, "%s", j.fail_msg);
    return NN_OK;
}
