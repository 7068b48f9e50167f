/* progress.c - what a run shows on stderr: log lines, progress bars (on a terminal
 * only), one line per epoch, and the error line. */
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"

static void on_log(void *ctx, const char *line)
{
    const cli_display *d = ctx;
    if (!d->quiet)
        fprintf(stderr, "%s\n", line);
}

enum { BAR_WIDTH = 30 };

/* A progress bar of BAR_WIDTH characters: '#' for the part done, '.' for the rest. */
static void draw_bar(char bar[BAR_WIDTH + 1], size_t done, size_t total)
{
    size_t fill = total ? done * BAR_WIDTH / total : BAR_WIDTH;
    for (size_t i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
}

static void on_batch(void *ctx, size_t epoch, size_t epochs, size_t done, size_t total, double ips)
{
    const cli_display *d = ctx;
    if (d->quiet || !d->tty)
        return;
    char bar[BAR_WIDTH + 1];
    draw_bar(bar, done, total);
    fprintf(stderr, "\repoch %zu/%zu [%s] %3zu%%  %.0f img/s ", epoch, epochs, bar,
            total ? done * 100 / total : 100, ips);
    fflush(stderr);
}

static void on_load(void *ctx, const char *what, size_t done, size_t total)
{
    const cli_display *d = ctx;
    if (d->quiet || !d->tty)
        return;
    char bar[BAR_WIDTH + 1];
    draw_bar(bar, done, total);
    fprintf(stderr, "\rloading %s [%s] %zu/%zu ", what, bar, done, total);
    if (done == total)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

void cli_export_progress(void *ctx, size_t done, size_t total)
{
    on_load(ctx, "(writing PNGs)", done, total);
}

static void on_epoch(void *ctx, const nn_epoch_report *r)
{
    const cli_display *d = ctx;
    if (d->quiet)
        return;
    if (d->tty)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "epoch %zu/%zu", r->epoch, r->epochs);
    if (r->has_train)
        fprintf(stderr, "  loss %.4f  train %.2f%%", r->train_loss, 100.0 * r->train_acc);
    if (r->has_val)
        fprintf(stderr, "  val loss %.4f  val %.2f%%", r->val_loss, 100.0 * r->val_acc);
    fprintf(stderr, "  test loss %.4f  test %.2f%%  dead %zu/%zu", r->test_loss,
            100.0 * r->test_acc, r->dead->dead_total, r->dead->total);
    const char *sep = " (";
    for (size_t i = 0; i < r->model->n_modules; i++)
        if (r->model->modules[i].def->probed) {
            fprintf(stderr, "%s%s[%zu] %zu", sep, nn_module_type(&r->model->modules[i]), i,
                    r->dead->dead[i]);
            sep = ", ";
        }
    if (*sep == ',')
        fputc(')', stderr);
    if (r->has_train)
        fprintf(stderr, "  %.0f img/s", r->images_per_sec);
    fprintf(stderr, "  %.1fs\n", r->seconds);
}

nn_hooks cli_hooks(cli_display *d)
{
    return (nn_hooks){
        .ctx = d, .log = on_log, .load = on_load, .batch = on_batch, .epoch = on_epoch};
}

void cli_usage_error(const char *fmt, ...)
{
    nn_error err;
    va_list ap;
    va_start(ap, fmt);
    nn_vfail(&err, NN_ECONFIG, fmt, ap);
    va_end(ap);
    fprintf(stderr, "nntrain: %s\n", err.msg);
}

void cli_error(const cli_display *d, const nn_error *err)
{
    if (d->tty)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "nntrain: %s\n", err->msg);
}
