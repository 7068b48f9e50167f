/* probe_csv.c - writing the per-unit CSV (output.units) and the every-N-steps rows. */
#include "run/probe_csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "sys/fs.h"

/* Creates path (and its directories) as c; what and key name it in messages. */
static nn_status open_file(nn_csv *c, const char *path, const char *what, const char *key,
                           nn_error *err)
{
    memset(c, 0, sizeof *c);
    nn_status st = nn_mkdirs_for(path, what, err);
    if (st != NN_OK)
        return st;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return nn_fail(err, NN_ECONFIG, "%s: cannot write %s (%s): %s", path, what, key,
                       strerror(errno));
    return nn_csv_take_fd(c, fd, 1, path, err);
}

/* Writes the header or rows formatted since the last flush; a failed write leaves whole
 * rows only. */
static nn_status flushed(nn_csv *c, nn_error *err)
{
    return nn_csv_flush(c, "the file", err);
}

nn_status nn_units_open(nn_csv *c, const char *path, nn_error *err)
{
    nn_status st = open_file(c, path, "the per-unit CSV", "output.units", err);
    if (st != NN_OK)
        return st;
    nn_csv_printf(c, "%s", NN_UNITS_HEADER);
    st = flushed(c, err);
    if (st != NN_OK)
        nn_csv_close(c, NULL);
    return st;
}

nn_status nn_units_write(nn_csv *c, size_t epoch, const nn_dead *d, nn_error *err)
{
    const double n = d->samples ? (double)d->samples : 1.0;
    for (size_t i = 0; i < d->n_modules; i++)
        for (size_t j = 0; j < d->width[i]; j++)
            nn_csv_printf(c, "%zu,%zu,%zu,%.6f\n", epoch, i, j, (double)d->active[i][j] / n);
    return flushed(c, err);
}

void nn_steps_header(FILE *f, const nn_dead *d)
{
    fputs("epoch,step,dead,dead_frac", f);
    for (size_t i = 0; i < d->n_modules; i++)
        if (d->active[i])
            fprintf(f, ",dead_%zu", i);
    fputs(",constant_output\n", f);
}

nn_status nn_steps_open(nn_csv *c, const char *csv, const nn_dead *d, nn_error *err)
{
    char *path = nn_csv_sibling(csv, ".steps.csv");
    if (!path)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = open_file(c, path, "the every-N-steps probe's CSV (beside the CSV)",
                             "dead_units.every_steps", err);
    free(path);
    if (st != NN_OK)
        return st;
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (f) {
        nn_steps_header(f, d);
        if (fclose(f) != 0) {
            free(text);
            text = NULL;
        }
    }
    nn_csv_put(c, text);
    st = flushed(c, err);
    if (st != NN_OK)
        nn_csv_close(c, NULL);
    return st;
}

nn_status nn_steps_write(nn_csv *c, size_t epoch, size_t step, const nn_dead *d, nn_error *err)
{
    nn_csv_printf(c, "%zu,%zu,%zu,%.6f", epoch, step, d->dead_total,
                  d->total ? (double)d->dead_total / (double)d->total : 0.0);
    for (size_t i = 0; i < d->n_modules; i++)
        if (d->active[i])
            nn_csv_printf(c, ",%zu", d->dead[i]);
    nn_csv_printf(c, ",%d\n", d->constant_output);
    return flushed(c, err);
}
