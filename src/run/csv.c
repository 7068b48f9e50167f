/* csv.c - writing the per-epoch CSV and the class list. */
#include "run/csv.h"

#include "sys/fs.h"

#include <errno.h>
#ifdef __GLIBC__
#include <stdio_ext.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An activation with learnable parameters (PReLU): its mean slope gets a column. */
static int is_prelu(const nn_module *mod)
{
    return mod->act && mod->np > 0;
}

void nn_csv_whole_rows(FILE *f)
{
    setvbuf(f, NULL, _IOFBF, (size_t)1 << 20);
}

void nn_csv_header(FILE *f, const nn_model *m, int val_columns)
{
    fputs("epoch,step,lr,train_loss,train_acc,", f);
    if (val_columns)
        fputs("val_loss,val_acc,", f);
    fputs("test_loss,test_acc,dead,dead_frac", f);
    for (size_t i = 0; i < m->n_modules; i++)
        if (m->modules[i].def->probed)
            fprintf(f, ",dead_%zu", i);
    for (size_t i = 0; i < m->n_modules; i++)
        if (is_prelu(&m->modules[i]))
            fprintf(f, ",slope_%zu", i);
    fputs(",constant_output,seconds\n", f);
}

nn_status nn_csv_open(nn_csv *c, const char *path, const nn_model *m, int val_columns,
                      nn_error *err)
{
    memset(c, 0, sizeof *c);
    if (strcmp(path, "-") == 0) {
        c->f = stdout;
    } else {
        nn_status st = nn_mkdirs_for(path, "the CSV's directory", err);
        if (st != NN_OK)
            return st;
        c->f = fopen(path, "w");
        if (!c->f)
            return nn_fail(err, NN_ECONFIG, "%s: cannot write the CSV (output.csv or --csv): %s",
                           path, strerror(errno));
        c->owned = 1;
        nn_csv_whole_rows(c->f);
    }
    c->path = strdup(path);
    if (!c->path) {
        nn_csv_close(c, NULL);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    c->val = val_columns != 0;
    nn_csv_header(c->f, m, c->val);
    nn_status st = nn_csv_flush_rows(c, c->owned ? 0 : -1, "the CSV", err);
    if (st != NN_OK)
        nn_csv_close(c, NULL);
    return st;
}

nn_status nn_csv_write(nn_csv *c, const nn_epoch_report *row, nn_error *err)
{
    FILE *f = c->f;
    /* Where this row starts (every earlier row is flushed): a failed write cuts back here. */
    const off_t whole = nn_csv_mark(c);
    const nn_dead *d = row->dead;
    const nn_model *m = row->model;
    fprintf(f, "%zu,%zu,%.9g,", row->epoch, row->step, row->lr);
    if (row->has_train)
        fprintf(f, "%.6f,%.6f,", row->train_loss, row->train_acc);
    else
        fputs(",,", f);
    if (c->val)
        fprintf(f, "%.6f,%.6f,", row->val_loss, row->val_acc);
    fprintf(f, "%.6f,%.6f,%zu,%.6f", row->test_loss, row->test_acc, d->dead_total,
            d->total ? (double)d->dead_total / (double)d->total : 0.0);
    for (size_t i = 0; i < m->n_modules; i++)
        if (m->modules[i].def->probed)
            fprintf(f, ",%zu", d->dead[i]);
    for (size_t i = 0; i < m->n_modules; i++) {
        const nn_module *mod = &m->modules[i];
        if (!is_prelu(mod))
            continue;
        double sum = 0.0;
        for (size_t j = 0; j < mod->np; j++)
            sum += mod->p[j];
        fprintf(f, ",%.6f", sum / (double)mod->np);
    }
    fprintf(f, ",%d,%.3f\n", d->constant_output, row->seconds);
    return nn_csv_flush_rows(c, whole, "the CSV", err);
}

off_t nn_csv_mark(const nn_csv *c)
{
    return c->owned ? ftello(c->f) : -1;
}

nn_status nn_csv_flush_rows(nn_csv *c, off_t whole, const char *what, nn_error *err)
{
    FILE *f = c->f;
    if (fflush(f) == 0 && !ferror(f))
        return NN_OK;
    int e = errno;
    /* Rows half written (a full disk) are cut off: the file keeps whole rows only. */
    if (c->owned && whole >= 0 && ftruncate(fileno(f), whole) == 0) {
#ifdef __GLIBC__
        __fpurge(f); /* the unwritten rest must not reach the file on close */
#endif
        return nn_fail(err, NN_ESYS, "%s: write failed: %s; %s keeps its whole rows", c->path,
                       strerror(e), what);
    }
    return nn_fail(err, NN_ESYS, "%s: write failed: %s", c->path, strerror(e));
}

nn_status nn_csv_close(nn_csv *c, nn_error *err)
{
    nn_status st = NN_OK;
    if (c->f && c->owned && fclose(c->f) != 0)
        st = nn_fail(err, NN_ESYS, "%s: write failed on close: %s", c->path ? c->path : "CSV",
                     strerror(errno));
    free(c->path);
    memset(c, 0, sizeof *c);
    return st;
}

/* The class list's path for a CSV path; NULL for "-" (stdout) or out of memory. */
char *nn_csv_sibling(const char *csv, const char *suffix)
{
    if (csv == NULL || strcmp(csv, "-") == 0)
        return NULL;
    size_t n = strlen(csv);
    if (n >= 4 && strcmp(csv + n - 4, ".csv") == 0)
        n -= 4;
    size_t size = n + strlen(suffix) + 1;
    char *path = malloc(size);
    if (path != NULL)
        snprintf(path, size, "%.*s%s", (int)n, csv, suffix);
    return path;
}

static nn_status write_classes(const nn_dataset *ds, const char *path, nn_error *err)
{
    nn_status st = nn_mkdirs_for(path, "the class list's directory", err);
    if (st != NN_OK)
        return st;
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return nn_fail(err, NN_ECONFIG, "%s: cannot write the class list (beside the CSV): %s",
                       path, strerror(errno));
    for (size_t c = 0; c < ds->n_classes; c++)
        fprintf(f, "%s\n", ds->class_names ? ds->class_names[c] : "");
    int bad = ferror(f);
    int e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad)
        return nn_fail(err, NN_ESYS, "%s: writing the class list failed: %s", path, strerror(e));
    return NN_OK;
}

nn_status nn_csv_write_classes(const char *csv, const nn_dataset *ds, const nn_hooks *h,
                               nn_error *err)
{
    if (!ds->class_names || strcmp(csv, "-") == 0)
        return NN_OK;
    char *path = nn_csv_sibling(csv, ".classes.txt");
    if (!path)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = write_classes(ds, path, err);
    if (st == NN_OK)
        nn_say(h, "classes: written to %s (line i = label i)", path);
    free(path);
    return st;
}

nn_status nn_csv_append(nn_csv *c, const char *path, int val_columns, nn_error *err)
{
    memset(c, 0, sizeof *c);
    c->path = strdup(path);
    if (!c->path)
        return nn_fail(err, NN_ESYS, "out of memory");
    c->f = fopen(path, "a");
    if (!c->f) {
        nn_status st =
            nn_fail(err, NN_ECONFIG, "%s: cannot append to it: %s", path, strerror(errno));
        free(c->path);
        c->path = NULL;
        return st;
    }
    c->owned = 1;
    nn_csv_whole_rows(c->f);
    c->val = val_columns != 0;
    return NN_OK;
}
