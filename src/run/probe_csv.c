/* probe_csv.c - writing the per-unit CSV (output.units) and the every-N-steps rows. */
#include "run/probe_csv.h"

#include <errno.h>
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
    c->path = strdup(path);
    if (!c->path)
        return nn_fail(err, NN_ESYS, "out of memory");
    c->f = fopen(path, "w");
    if (!c->f) {
        st = nn_fail(err, NN_ECONFIG, "%s: cannot write %s (%s): %s", path, what, key,
                     strerror(errno));
        nn_csv_close(c, NULL);
        return st;
    }
    c->owned = 1;
    nn_csv_whole_rows(c->f);
    return NN_OK;
}

/* Flushes the rows written since whole; a failed write leaves whole rows only. */
static nn_status flushed(nn_csv *c, off_t whole, nn_error *err)
{
    return nn_csv_flush_rows(c, whole, "the file", err);
}

nn_status nn_units_open(nn_csv *c, const char *path, nn_error *err)
{
    nn_status st = open_file(c, path, "the per-unit CSV", "output.units", err);
    if (st != NN_OK)
        return st;
    fputs(NN_UNITS_HEADER, c->f);
    st = flushed(c, 0, err);
    if (st != NN_OK)
        nn_csv_close(c, NULL);
    return st;
}

nn_status nn_units_write(nn_csv *c, size_t epoch, const nn_dead *d, nn_error *err)
{
    const double n = d->samples ? (double)d->samples : 1.0;
    const off_t whole = nn_csv_mark(c);
    for (size_t i = 0; i < d->n_modules; i++)
        for (size_t j = 0; j < d->width[i]; j++)
            fprintf(c->f, "%zu,%zu,%zu,%.6f\n", epoch, i, j, (double)d->active[i][j] / n);
    return flushed(c, whole, err);
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
    nn_steps_header(c->f, d);
    st = flushed(c, 0, err);
    if (st != NN_OK)
        nn_csv_close(c, NULL);
    return st;
}

nn_status nn_steps_write(nn_csv *c, size_t epoch, size_t step, const nn_dead *d, nn_error *err)
{
    const off_t whole = nn_csv_mark(c);
    fprintf(c->f, "%zu,%zu,%zu,%.6f", epoch, step, d->dead_total,
            d->total ? (double)d->dead_total / (double)d->total : 0.0);
    for (size_t i = 0; i < d->n_modules; i++)
        if (d->active[i])
            fprintf(c->f, ",%zu", d->dead[i]);
    fprintf(c->f, ",%d\n", d->constant_output);
    return flushed(c, whole, err);
}
