/* folder_decode.c - decodes a scanned image folder with stb_image (and the PNG fast path)
 * into one uint8 buffer, on an OpenMP team.
 *
 * The first image (in sorted order) is decoded alone and fixes rows x cols; then the
 * buffer for every file is allocated once and the team's threads claim chunks of files in
 * increasing order from an atomic counter, each decoding straight into its file's slot.
 * Per-file outcomes are recorded and judged after the parallel region, in sorted order,
 * so the error reported (or the list of skipped files) does not depend on thread timing.
 * When stopping at the first bad file, threads skip files past the smallest bad index
 * seen so far; every file before it is still decoded, so the first bad file is found
 * exactly. Each file's bytes are decoded by image_decode.c. */
#include "data/folder_decode.h"

#include "data/image_check.h"
#include "data/image_decode.h"
#include "sys/cpu.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image.h>

/* The largest image file read (docs/data.md): 64 MiB; a larger one is refused unread. */
#define IMAGE_MAX_FILE_BYTES NN_IMAGE_MAX_FILE_BYTES

enum { CHUNK = 32, MAX_THREADS = 64 };

enum status {
    ST_TODO = 0, /* not decoded (past the first bad file) */
    ST_OK,
    ST_READ,     /* open/read failed: code = errno */
    ST_SHORT,    /* fewer bytes than the size said (changed while reading) */
    ST_NOT_FILE, /* not a regular file */
    ST_EMPTY,
    ST_TOO_BIG,    /* more than INT_MAX bytes (stb_image takes an int length) */
    ST_DECODE,     /* stb_image failed: reason */
    ST_INCOMPLETE, /* detail: what is missing */
    ST_SIZE,       /* w x h differ from the first image's */
    ST_NOMEM
};

typedef struct result {
    unsigned char status;
    int code, w, h;
    const char *reason; /* stb_image's (static strings) */
    const char *format; /* from the first bytes, may be NULL */
    char *detail;       /* owned */
} result;

/* What one decoding thread reuses from file to file. */
typedef struct rbuf {
    uint8_t *p; /* the file's bytes */
    size_t cap;
    nn_image_decoder dec;
} rbuf;

static void rbuf_free(rbuf *b)
{
    free(b->p);
    nn_image_decoder_free(&b->dec);
    memset(b, 0, sizeof *b);
}

typedef struct job {
    const nn_folder *f;
    const nn_folder_options *o;
    result *res;
    uint8_t *pixels;
    int32_t *labels;
    size_t dim;
    int want_w, want_h; /* 0 until the first image is known */
    size_t end;
    atomic_size_t next, done, stop_at;
    int *dirfds; /* one open descriptor per class folder (-1: use the whole path) */
} job;

/* Reads a whole file into b with as few system calls as possible: open, one read into the
 * reused buffer (a regular file's read returns less than asked only at its end), close.
 * No fstat: a directory or other non-file fails its read (EISDIR) and is reported. */
static void read_file(int dirfd, const char *path, result *r, rbuf *b, size_t *len)
{
    enum { FIRST_CAP = 1 << 16 };
    *len = 0;
    /* Relative to the class folder's descriptor: the kernel walks one name, not the path. */
    const char *slash = strrchr(path, '/');
    int fd = dirfd >= 0 && slash ? openat(dirfd, slash + 1, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
                                 : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        r->status = ST_READ;
        r->code = errno;
        return;
    }
    size_t got = 0;
    struct stat sb; /* a regular file over the limit is refused before any read */
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > IMAGE_MAX_FILE_BYTES) {
        close(fd);
        r->status = ST_TOO_BIG;
        return;
    }
    for (;;) {
        if (got == b->cap) { /* full: grow and read on */
            size_t cap = b->cap ? 2 * b->cap : FIRST_CAP;
            uint8_t *p = cap > 2 * IMAGE_MAX_FILE_BYTES ? NULL : realloc(b->p, cap);
            if (p == NULL) {
                r->status = cap > 2 * IMAGE_MAX_FILE_BYTES ? ST_TOO_BIG : ST_NOMEM;
                r->code = INT_MAX;
                break;
            }
            b->p = p;
            b->cap = cap;
        }
        ssize_t n = read(fd, b->p + got, b->cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r->status = errno == EISDIR ? ST_NOT_FILE : ST_READ;
            r->code = errno;
            break;
        }
        got += (size_t)n;
        if (n == 0 || got < b->cap)
            break;
    }
    close(fd);
    *len = got; /* empty or too big: nn_image_decode_mem says so */
}

/* Decodes file i into its slot of j->pixels, or, when keep is not NULL (the first
 * image), hands stb_image's buffer over through *keep. */
static void decode_one(job *j, size_t i, rbuf *b, uint8_t **keep)
{
    result *r = &j->res[i];
    size_t len;
    int dirfd = -1;
    if (j->dirfds) {
        size_t lo = 0, hi = j->f->n_classes; /* the class c with start[c] <= i < start[c+1] */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (j->f->class_start[mid] <= i)
                lo = mid;
            else
                hi = mid;
        }
        dirfd = j->dirfds[lo];
    }
    read_file(dirfd, j->f->files[i], r, b, &len);
    if (r->status != ST_TODO)
        return;
    /* The first image (keep) fixes the size; the others go straight into their slot. */
    nn_image_result ir;
    nn_image_decode_mem(&b->dec, b->p, len, (int)j->o->channels, keep ? 0 : j->want_w, j->want_h,
                        keep ? NULL : j->pixels + i * j->dim, keep, &ir);
    static const unsigned char status_of[] = {[NN_IMAGE_OK] = ST_OK,
                                              [NN_IMAGE_EMPTY] = ST_EMPTY,
                                              [NN_IMAGE_TOO_BIG] = ST_TOO_BIG,
                                              [NN_IMAGE_DECODE] = ST_DECODE,
                                              [NN_IMAGE_INCOMPLETE] = ST_INCOMPLETE,
                                              [NN_IMAGE_FORMAT] = ST_INCOMPLETE,
                                              [NN_IMAGE_SIZE] = ST_SIZE,
                                              [NN_IMAGE_NOMEM] = ST_NOMEM};
    r->status = status_of[ir.status];
    r->w = ir.w;
    r->h = ir.h;
    r->format = ir.format;
    r->reason = ir.reason;
    if ((ir.status == NN_IMAGE_INCOMPLETE || ir.status == NN_IMAGE_FORMAT) &&
        (r->detail = strdup(ir.detail)) == NULL)
        r->status = ST_NOMEM;
}

static void lower_stop(job *j, size_t i)
{
    size_t cur = atomic_load(&j->stop_at);
    while (i < cur && !atomic_compare_exchange_weak(&j->stop_at, &cur, i))
        ;
}

/* Claims chunks until none is left; report: call the progress hook (calling thread). */
static void run_chunks(job *j, rbuf *b, int report)
{
    for (;;) {
        size_t s = atomic_fetch_add(&j->next, (size_t)CHUNK);
        if (s >= j->end || s > atomic_load(&j->stop_at))
            break;
        size_t e = s + CHUNK < j->end ? s + CHUNK : j->end;
        for (size_t i = s; i < e && i <= atomic_load(&j->stop_at); i++) {
            decode_one(j, i, b, NULL);
            unsigned char st = j->res[i].status;
            if (st == ST_NOMEM || (st != ST_OK && j->o->on_bad == NN_BAD_FILE_ERROR))
                lower_stop(j, st == ST_NOMEM ? 0 : i);
        }
        size_t done = atomic_fetch_add(&j->done, e - s) + (e - s);
        if (report && j->o->progress)
            j->o->progress(j->o->ctx, done, j->f->n_files);
    }
}

/* Why file i was bad, without its path. */
static void describe(const job *j, size_t i, size_t first, char *buf, size_t n)
{
    const result *r = &j->res[i];
    switch (r->status) {
    case ST_READ:
        snprintf(buf, n, "cannot read the file: %s", strerror(r->code));
        break;
    case ST_SHORT:
        snprintf(buf, n, "the file changed while it was read (%d bytes read)", r->code);
        break;
    case ST_NOT_FILE:
        snprintf(buf, n, "not a regular file");
        break;
    case ST_EMPTY:
        snprintf(buf, n, "empty file (0 bytes)");
        break;
    case ST_TOO_BIG:
        snprintf(buf, n, "the file is larger than 64 MiB, the limit for one image file");
        break;
    case ST_DECODE:
        if (r->reason && strcmp(r->reason, NN_IMAGE_DIMS_LIMIT_TEXT) == 0)
            snprintf(buf, n, "a %d x %d image: %s", r->w, r->h, NN_IMAGE_DIMS_LIMIT_TEXT);
        else if (r->format)
            snprintf(buf, n,
                     "cannot decode the %s image: stb_image says \"%s\" (corrupt or "
                     "truncated data?)",
                     r->format, r->reason && r->reason[0] ? r->reason : "unknown error");
        else
            snprintf(buf, n,
                     "cannot decode: stb_image says \"%s\"; the data is not a PNG, "
                     "JPEG, BMP, PGM/PPM, GIF or TGA image",
                     r->reason && r->reason[0] ? r->reason : "unknown error");
        break;
    case ST_INCOMPLETE:
        snprintf(buf, n, "%s", r->detail);
        break;
    case ST_SIZE:
        snprintf(buf, n,
                 "the image is %dx%d (width x height) but the first image, %s, is %dx%d; "
                 "all images must have the same size",
                 r->w, r->h, j->f->files[first], j->want_w, j->want_h);
        break;
    default:
        snprintf(buf, n, "not decoded");
        break;
    }
}

static nn_status bad_file(const job *j, size_t i, size_t first, nn_error *err)
{
    char why[700];
    describe(j, i, first, why, sizeof why);
    return nn_fail(err, NN_EDATA, "%s: %s (\"on_bad_file\": \"skip\" leaves such files out)",
                   j->f->files[i], why);
}

void nn_folder_report_free(nn_folder_report *r)
{
    if (r == NULL)
        return;
    for (size_t k = 0; k < NN_FOLDER_SKIP_NAMES; k++) {
        free(r->skipped_names[k]);
        free(r->skipped_reasons[k]);
    }
    memset(r, 0, sizeof *r);
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

/* Decodes files in parallel from j->next to the end; thread 0 of the team is the
 * calling thread, the one that reports progress. */
static void decode_parallel(job *j)
{
    size_t left = j->end - atomic_load(&j->next);
    size_t threads = j->o->threads ? j->o->threads : (size_t)nn_cpu_count();
    size_t chunks = (left + CHUNK - 1) / CHUNK;
    if (threads > chunks)
        threads = chunks ? chunks : 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
#pragma omp parallel num_threads((int)threads) if (threads > 1)
    {
        rbuf b = {0};
        run_chunks(j, &b, thread_num() == 0);
        rbuf_free(&b);
    }
}

/* Keeps the good files in order; fills labels; records skipped files in rep. */
static nn_status compact(job *j, size_t first, size_t *kept, nn_folder_report *rep, nn_error *err)
{
    const nn_folder *f = j->f;
    size_t w = 0;
    for (size_t c = 0; c < f->n_classes; c++) {
        size_t before = w;
        for (size_t i = f->class_start[c]; i < f->class_start[c + 1]; i++) {
            if (j->res[i].status == ST_OK) {
                if (w != i)
                    memmove(j->pixels + w * j->dim, j->pixels + i * j->dim, j->dim);
                j->labels[w++] = (int32_t)c;
                continue;
            }
            if (rep == NULL)
                continue;
            if (rep->skipped < NN_FOLDER_SKIP_NAMES) {
                char why[700];
                describe(j, i, first, why, sizeof why);
                rep->skipped_names[rep->skipped] = strdup(f->files[i]);
                rep->skipped_reasons[rep->skipped] = strdup(why);
                if (!rep->skipped_names[rep->skipped] || !rep->skipped_reasons[rep->skipped])
                    return nn_fail(err, NN_ESYS, "out of memory");
            }
            rep->skipped++;
        }
        if (w == before)
            return nn_fail(err, NN_EDATA,
                           "%s/%s: every one of the class's %zu image files is bad (all "
                           "skipped); a class needs at least one good image",
                           f->root, f->classes[c], f->class_start[c + 1] - f->class_start[c]);
    }
    *kept = w;
    return NN_OK;
}

/* One descriptor per class folder, opened relative to the root's. */
static int *open_class_dirs(const nn_folder *f)
{
    int *fds = malloc(f->n_classes * sizeof *fds);
    if (fds == NULL)
        return NULL;
    int root = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (size_t c = 0; c < f->n_classes; c++)
        fds[c] = root >= 0 ? openat(root, f->classes[c], O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (root >= 0)
        close(root);
    return fds;
}

static void job_free(job *j)
{
    for (size_t i = 0; j->res && i < j->f->n_files; i++)
        free(j->res[i].detail);
    free(j->res);
    for (size_t c = 0; j->dirfds && c < j->f->n_classes; c++)
        if (j->dirfds[c] >= 0)
            close(j->dirfds[c]);
    free(j->dirfds);
    free(j->pixels);
    free(j->labels);
}

/* Decodes files in sorted order until the first good one, which fixes the size; its
 * pixels are handed over in *first_px. */
static nn_status decode_first(job *j, size_t *first, uint8_t **first_px, nn_error *err)
{
    const nn_folder *f = j->f;
    size_t i;
    rbuf b = {0};
    *first = SIZE_MAX;
    for (i = 0; i < f->n_files && *first == SIZE_MAX; i++) {
        decode_one(j, i, &b, first_px);
        if (j->res[i].status == ST_OK)
            *first = i;
        else if (j->res[i].status == ST_NOMEM || j->o->on_bad == NN_BAD_FILE_ERROR)
            break;
    }
    rbuf_free(&b);
    if (*first != SIZE_MAX)
        return NN_OK;
    if (i < f->n_files && j->res[i].status == ST_NOMEM)
        return nn_fail(err, NN_ESYS, "%s: out of memory decoding it", f->files[i]);
    if (j->o->on_bad == NN_BAD_FILE_ERROR)
        return bad_file(j, i, 0, err);
    return nn_fail(err, NN_EDATA, "%s: none of the %zu image files could be decoded", f->root,
                   f->n_files);
}

/* Allocates every file's slot, puts the first image in its own and decodes the others. */
static nn_status decode_rest(job *j, size_t first, const uint8_t *first_px, nn_error *err)
{
    const nn_folder *f = j->f;
    j->want_w = j->res[first].w;
    j->want_h = j->res[first].h;
    j->dim = (size_t)j->want_w * (size_t)j->want_h * j->o->channels;
    if (j->dim > SIZE_MAX / f->n_files || (j->pixels = malloc(f->n_files * j->dim)) == NULL ||
        (j->labels = malloc(f->n_files * sizeof *j->labels)) == NULL)
        return nn_fail(err, NN_ESYS, "%s: out of memory for %zu images of %dx%dx%zu pixels",
                       f->root, f->n_files, j->want_w, j->want_h, j->o->channels);
    memcpy(j->pixels + first * j->dim, first_px, j->dim);
    atomic_store(&j->next, first + 1);
    atomic_store(&j->done, first + 1);
    if (j->o->progress)
        j->o->progress(j->o->ctx, first + 1, f->n_files);
    decode_parallel(j);
    return NN_OK;
}

/* Judges the outcomes in sorted order: running out of memory anywhere fails, and so does
 * the first bad file when the options say to stop at one. */
static nn_status judge(const job *j, size_t first, nn_error *err)
{
    for (size_t i = 0; i < j->f->n_files; i++)
        if (j->res[i].status == ST_NOMEM)
            return nn_fail(err, NN_ESYS, "%s: out of memory decoding it", j->f->files[i]);
    if (j->o->on_bad == NN_BAD_FILE_ERROR)
        for (size_t i = first + 1; i < j->f->n_files; i++)
            if (j->res[i].status != ST_OK)
                return bad_file(j, i, first, err);
    return NN_OK;
}

/* Moves the kept images, their labels and a copy of the class names into ds. */
static nn_status hand_over(job *j, size_t first, nn_folder_report *rep, nn_dataset *ds,
                           nn_error *err)
{
    const nn_folder *f = j->f;
    size_t kept = 0;
    nn_status st = compact(j, first, &kept, rep, err);
    if (st != NN_OK)
        return st;
    nn_dataset out = {.pixels = j->pixels, .labels = j->labels};
    j->pixels = NULL;
    j->labels = NULL;
    if (kept < f->n_files) { /* shrinking; when realloc says no, the larger block stays */
        uint8_t *p = realloc(out.pixels, kept * j->dim);
        int32_t *l = realloc(out.labels, kept * sizeof *out.labels);
        out.pixels = p ? p : out.pixels;
        out.labels = l ? l : out.labels;
    }
    out.n = kept;
    out.rows = (size_t)j->want_h;
    out.cols = (size_t)j->want_w;
    out.channels = j->o->channels;
    out.dim = j->dim;
    out.n_classes = f->n_classes;
    out.class_names = calloc(f->n_classes, sizeof *out.class_names);
    for (size_t c = 0; out.class_names && c < f->n_classes; c++)
        if ((out.class_names[c] = strdup(f->classes[c])) == NULL)
            break;
    if (out.class_names == NULL || out.class_names[f->n_classes - 1] == NULL) {
        nn_dataset_free(&out);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    *ds = out;
    return NN_OK;
}

nn_status nn_folder_decode(const nn_folder *f, const nn_folder_options *o, nn_dataset *ds,
                           nn_folder_report *rep, nn_error *err)
{
    nn_folder_report scratch = {0};
    uint8_t *first_px = NULL;
    if (ds != NULL)
        memset(ds, 0, sizeof *ds);
    if (rep != NULL)
        memset(rep, 0, sizeof *rep);
    if (ds == NULL || f == NULL || o == NULL || f->n_files == 0)
        return nn_fail(err, NN_EDATA, "nn_folder_decode: no data set or no files");
    if (o->channels != 1 && o->channels != 3)
        return nn_fail(err, NN_ECONFIG, "%s: channels must be 1 or 3, not %zu", f->root,
                       o->channels);

    job j = {.f = f, .o = o, .end = f->n_files};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.stop_at, SIZE_MAX);
    j.res = calloc(f->n_files, sizeof *j.res);
    if (j.res == NULL)
        return nn_fail(err, NN_ESYS, "out of memory for %zu file records", f->n_files);
    j.dirfds = open_class_dirs(f);

    size_t first;
    nn_status st = decode_first(&j, &first, &first_px, err);
    if (st == NN_OK)
        st = decode_rest(&j, first, first_px, err);
    if (st == NN_OK)
        st = judge(&j, first, err);
    if (st == NN_OK)
        st = hand_over(&j, first, rep ? rep : &scratch, ds, err);
    job_free(&j);
    stbi_image_free(first_px);
    nn_folder_report_free(&scratch);
    if (st != NN_OK)
        nn_folder_report_free(rep);
    return st;
}
