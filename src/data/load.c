/* load.c - loads the training and test sets named by a data spec: IDX files or image
 * folders (scanned both before either is decoded, so a class mismatch costs nothing). */
#include "data/load.h"

#include <stdio.h>
#include <string.h>

#include "data/folder_decode.h"
#include "sys/clock.h"
#include "sys/log.h"

/* One set's files and its load time, for load_idx's two threads. */
typedef struct idx_job {
    nn_dataset *ds;
    const char *images, *labels;
    size_t limit;
    volatile sig_atomic_t *stop;
    double seconds;
    nn_status st;
    nn_error err;
} idx_job;

static void idx_job_run(idx_job *j)
{
    double t = nn_now();
    j->st = nn_idx_load_stoppable(j->ds, j->images, j->labels, j->limit, j->stop, &j->err);
    j->seconds = nn_now() - t;
}

/* Both sets at once, each on its own thread unless the run has one (the training images'
 * decompression is most of a run's start-up; the test set loads beside it); errors as if loaded one
 * after the other: the training set's first. Then the summary: a bad file gives its error line
 * alone. */
static nn_status load_idx(const nn_data_spec *d, int run_threads, const nn_hooks *h,
                          nn_dataset *train, nn_dataset *test, nn_beside_fn beside, void *ctx,
                          nn_error *err)
{
    volatile sig_atomic_t *stop = h ? h->stop : NULL;
    idx_job jobs[2] = {
        {.ds = train,
         .images = d->train_images,
         .labels = d->train_labels,
         .limit = d->train_limit,
         .stop = stop},
        {.ds = test,
         .images = d->test_images,
         .labels = d->test_labels,
         .limit = d->test_limit,
         .stop = stop},
    };
    int threads = run_threads == 1 ? 1 : 2; /* one thread when the run has one */
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int i = 0; i < 2; i++) {
        idx_job_run(&jobs[i]);
        if (i == 1 && beside && threads > 1 && jobs[1].st == NN_OK)
            beside(ctx, test);
    }
    for (int i = 0; i < 2; i++)
        if (jobs[i].st != NN_OK) {
            if (err)
                *err = jobs[i].err;
            return jobs[i].st;
        }
    nn_say(h, "train: %zu images of %zux%zu from %s (%.3f s)", train->n, train->rows, train->cols,
           d->train_images, jobs[0].seconds);
    nn_say(h, "test: %zu images of %zux%zu from %s (%.3f s)", test->n, test->rows, test->cols,
           d->test_images, jobs[1].seconds);
    return NN_OK;
}

/* Progress hook adapter: the folder loader's (ctx, done, total) plus which set. */
typedef struct progress_ctx {
    const nn_hooks *h;
    const char *what;
} progress_ctx;

static void on_progress(void *ctx, size_t done, size_t total)
{
    const progress_ctx *p = ctx;
    p->h->load(p->h->ctx, p->what, done, total);
}

/* "cat, dog, ..." (label order) cut to fit buf. */
static void class_list(const nn_folder *f, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < f->n_classes; c++) {
        int w = snprintf(buf + used, n - used, "%s%s", c ? ", " : "", f->classes[c]);
        if (w < 0 || (size_t)w >= n - used) {
            if (n > 5)
                memcpy(buf + n - 5, " ...", 5);
            return;
        }
        used += (size_t)w;
    }
}

/* scan_s: seconds spent listing the folder (reported with the decoding time). */
static nn_status decode_set(const nn_data_spec *d, const nn_hooks *h, const nn_folder *f,
                            const char *what, double scan_s, nn_dataset *ds, nn_error *err)
{
    progress_ctx pc = {h, what};
    nn_folder_options o = {.channels = d->channels,
                           .on_bad = d->skip_bad_files ? NN_BAD_FILE_SKIP : NN_BAD_FILE_ERROR,
                           .ctx = &pc,
                           .progress = h && h->load ? on_progress : NULL};
    nn_folder_report rep;
    double t = nn_now();
    nn_status st = nn_folder_decode(f, &o, ds, &rep, err);
    if (st != NN_OK)
        return st;
    t = nn_now() - t;
    nn_say(h,
           "%s: %zu images in %zu classes from %s, %zux%zux%zu (%.3f s: listing %.3f, decoding "
           "%.3f); not loaded: %zu hidden, %zu non-image files, %zu files outside class folders, "
           "%zu folders inside class folders, %zu bad files skipped",
           what, ds->n, ds->n_classes, f->root, ds->rows, ds->cols, ds->channels, scan_s + t,
           scan_s, t, f->n_hidden, f->n_other_ext, f->n_root_files, f->n_subdirs, rep.skipped);
    if (rep.skipped > 0) {
        nn_say(h, "%s: skipped %zu bad file%s (\"on_bad_file\": \"skip\"); the first %s:", what,
               rep.skipped, rep.skipped == 1 ? "" : "s", rep.skipped == 1 ? "one" : "ones");
        for (size_t k = 0; k < NN_FOLDER_SKIP_NAMES && k < rep.skipped; k++)
            nn_say(h, "  %s: %s", rep.skipped_names[k], rep.skipped_reasons[k]);
        if (rep.skipped > NN_FOLDER_SKIP_NAMES)
            nn_say(h, "  ... and %zu more", rep.skipped - NN_FOLDER_SKIP_NAMES);
    }
    nn_folder_report_free(&rep);
    return NN_OK;
}

static nn_status check_limit(const char *source, const nn_folder *f, size_t limit, const char *key,
                             nn_error *err)
{
    if (limit == 0 || limit >= f->n_classes)
        return NN_OK;
    return nn_fail(err, NN_ECONFIG,
                   "%s: data.%s: %zu keeps fewer images than %s has classes (%zu); expected 0 "
                   "(all) or at least %zu",
                   source ? source : "<config>", key, limit, f->root, f->n_classes, f->n_classes);
}

static nn_status load_folders(const nn_data_spec *d, const char *source, const nn_hooks *h,
                              nn_dataset *train, nn_dataset *test, nn_error *err)
{
    nn_folder ftrain, ftest;
    char classes[600];
    double t0 = nn_now();
    nn_status st = nn_folder_scan(&ftrain, d->train_dir, err);
    double t1 = nn_now();
    if (st == NN_OK)
        st = nn_folder_scan(&ftest, d->test_dir, err);
    else
        memset(&ftest, 0, sizeof ftest);
    double t2 = nn_now();
    if (st == NN_OK)
        st = nn_folder_same_classes(&ftrain, &ftest, err);
    if (st == NN_OK)
        st = check_limit(source, &ftrain, d->train_limit, "train_limit", err);
    if (st == NN_OK)
        st = check_limit(source, &ftest, d->test_limit, "test_limit", err);
    if (st == NN_OK) {
        nn_folder_limit(&ftrain, d->train_limit);
        nn_folder_limit(&ftest, d->test_limit);
        class_list(&ftrain, classes, sizeof classes);
        nn_say(h, "classes: %zu, in label order (0 first): %s", ftrain.n_classes, classes);
        st = decode_set(d, h, &ftrain, "train", t1 - t0, train, err);
    }
    if (st == NN_OK)
        st = decode_set(d, h, &ftest, "test", t2 - t1, test, err);
    nn_folder_free(&ftrain);
    nn_folder_free(&ftest);
    return st;
}

nn_status nn_data_load(const nn_data_spec *d, const char *source, int threads,
                       const nn_hooks *hooks, nn_dataset *train, nn_dataset *test, nn_error *err)
{
    return nn_data_load_beside(d, source, threads, hooks, train, test, NULL, NULL, err);
}

nn_status nn_data_load_beside(const nn_data_spec *d, const char *source, int threads,
                              const nn_hooks *hooks, nn_dataset *train, nn_dataset *test,
                              nn_beside_fn beside, void *ctx, nn_error *err)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    nn_status st = d->kind == NN_DATA_IMAGE_FOLDER
                       ? load_folders(d, source, hooks, train, test, err)
                       : load_idx(d, threads, hooks, train, test, beside, ctx, err);
    if (st != NN_OK) {
        nn_dataset_free(train);
        nn_dataset_free(test);
    }
    /* Stopped while loading: whatever the load ran into then (a FIFO's writer gone with
     * the same signal gives an empty or truncated file) is the stop's doing. */
    if (st != NN_OK && hooks && hooks->stop && *hooks->stop)
        st = nn_fail(err, NN_EINTR, "interrupted while loading the data");
    return st;
}
