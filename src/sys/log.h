/* log.h - the caller's hooks: how the library reports (lines, progress, epochs) without
 * ever printing, and the one helper that hands a formatted line to them.
 *
 * The data loader and the training run take the same struct; each calls only the hooks
 * of its own step. The hooks live here, below data/ and run/, so that data/ needs
 * nothing from run/; the two run types they name are only declared. */
#ifndef NN_LOG_H
#define NN_LOG_H

#include <signal.h>
#include <stddef.h>

struct nn_epoch_report; /* run/report.h */
struct nn_model;        /* nn/model.h */

typedef struct nn_hooks {
    void *ctx;
    /* An informational line (what was loaded, normalization, data summary). May be NULL. */
    void (*log)(void *ctx, const char *line);
    /* While an image folder is decoded (what: "train" or "test"). May be NULL. */
    void (*load)(void *ctx, const char *what, size_t done, size_t total);
    /* Within an epoch, every few batches. May be NULL. */
    void (*batch)(void *ctx, size_t epoch, size_t epochs, size_t done, size_t total,
                  double images_per_sec);
    /* After each CSV row. May be NULL. */
    void (*epoch)(void *ctx, const struct nn_epoch_report *r);
    /* After the last epoch, with the trained model (its parameters are final). May be NULL. */
    void (*done)(void *ctx, const struct nn_model *m);
    /* Read by the training run before every batch and before every epoch's evaluation and
     * probe: once *stop != 0 the run ends with NN_EINTR (a signal handler may set it). The
     * data load reads it while a pipe or FIFO makes it wait, and ends with NN_EINTR when
     * it fails once it is set. May be NULL. */
    volatile sig_atomic_t *stop;
} nn_hooks;

/* Formats one line and passes it to h->log (nothing when h or h->log is NULL). */
void nn_say(const nn_hooks *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
