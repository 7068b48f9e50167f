/* csv.c - writing the per-epoch CSV and the class list. */
#include "run/csv.h"

#include "sys/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An activation with learnable parameters (PReLU): its mean slope gets a column. */
static int is_prelu(const nn_module *mod)
{
    return mod->act && mod->np > 0;
}

int nn_csv_is_open(const nn_csv *c)
{
    return c->path != NULL;
}

void nn_csv_printf(nn_csv *c, const char *fmt, ...)
{
    va_list ap;
    for (int tries = 0; tries < 2 && !c->oom; tries++) {
        size_t room = c->cap - c->len;
        va_start(ap, fmt);
        int n = vsnprintf(c->buf ? c->buf + c->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            c->oom = 1; /* only an encoding error or a length past INT_MAX */
            return;
        }
        if ((size_t)n < room) {
            c->len += (size_t)n;
            return;
        }
        size_t want = c->len + (size_t)n + 1, cap = c->cap ? c->cap : 4096;
        while (cap < want)
            cap *= 2;
        char *grown = realloc(c->buf, cap);
        if (!grown)
            c->oom = 1;
        else
            c->buf = grown, c->cap = cap;
    }
}

void nn_csv_put(nn_csv *c, char *text)
{
    if (text)
        nn_csv_printf(c, "%s", text);
    else
        c->oom = 1;
    free(text);
}

/* Writes buf[0..len) to fd, going on after a part written or a signal; -1 (errno) when
 * it fails. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

nn_status nn_csv_flush(nn_csv *c, const char *what, nn_error *err)
{
    if (c->oom) {
        c->oom = 0;
        c->len = 0;
        return nn_fail(err, NN_ESYS, "%s: out of memory formatting a row of %s", c->path, what);
    }
    if (c->len == 0)
        return NN_OK;
    /* Where the rows start: the end of the file, which only this run writes; -1 for a
     * pipe or a terminal, which are not cut back. */
    off_t whole = c->owned ? lseek(c->fd, 0, SEEK_END) : -1;
    if (!c->owned)
        fflush(stdout); /* anything printed there before stays before the rows */
    int bad = write_all(c->fd, c->buf, c->len);
    int e = errno;
    c->len = 0;
    if (!bad)
        return NN_OK;
    /* Rows half written (a full disk) are cut off: the file keeps whole rows only. */
    if (whole >= 0 && ftruncate(c->fd, whole) == 0)
        return nn_fail(err, NN_ESYS, "%s: write failed: %s; %s keeps its whole rows", c->path,
                       strerror(e), what);
    return nn_fail(err, NN_ESYS, "%s: write failed: %s", c->path, strerror(e));
}

nn_status nn_csv_take_fd(nn_csv *c, int fd, int owned, const char *path, nn_error *err)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->owned = owned;
    c->path = strdup(path);
    if (!c->path) {
        if (c->owned)
            close(fd);
        memset(c, 0, sizeof *c);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    return NN_OK;
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
    int fd = STDOUT_FILENO, owned = strcmp(path, "-") != 0;
    if (owned) {
        nn_status st = nn_mkdirs_for(path, "the CSV's directory", err);
        if (st != NN_OK)
            return st;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0)
            return nn_fail(err, NN_ECONFIG, "%s: cannot write the CSV (output.csv or --csv): %s",
                           path, strerror(errno));
    }
    nn_status st = nn_csv_take_fd(c, fd, owned, path, err);
    if (st != NN_OK)
        return st;
    c->val = val_columns != 0;
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (f) {
        nn_csv_header(f, m, c->val);
        if (fclose(f) != 0) {
            free(text);
            text = NULL;
        }
    }
    nn_csv_put(c, text);
    st = nn_csv_flush(c, "the CSV", err);
    if (st != NN_OK)
        nn_csv_close(c, NULL);
    return st;
}

nn_status nn_csv_write(nn_csv *c, const nn_epoch_report *row, nn_error *err)
{
    const nn_dead *d = row->dead;
    const nn_model *m = row->model;
    nn_csv_printf(c, "%zu,%zu,%.9g,", row->epoch, row->step, row->lr);
    if (row->has_train)
        nn_csv_printf(c, "%.6f,%.6f,", row->train_loss, row->train_acc);
    else
        nn_csv_printf(c, ",,");
    if (c->val)
        nn_csv_printf(c, "%.6f,%.6f,", row->val_loss, row->val_acc);
    nn_csv_printf(c, "%.6f,%.6f,%zu,%.6f", row->test_loss, row->test_acc, d->dead_total,
                  d->total ? (double)d->dead_total / (double)d->total : 0.0);
    for (size_t i = 0; i < m->n_modules; i++)
        if (m->modules[i].def->probed)
            nn_csv_printf(c, ",%zu", d->dead[i]);
    for (size_t i = 0; i < m->n_modules; i++) {
        const nn_module *mod = &m->modules[i];
        if (!is_prelu(mod))
            continue;
        double sum = 0.0;
        for (size_t j = 0; j < mod->np; j++)
            sum += mod->p[j];
        nn_csv_printf(c, ",%.6f", sum / (double)mod->np);
    }
    nn_csv_printf(c, ",%d,%.3f\n", d->constant_output, row->seconds);
    return nn_csv_flush(c, "the CSV", err);
}

nn_status nn_csv_close(nn_csv *c, nn_error *err)
{
    nn_status st = NN_OK;
    if (c->path && c->owned && close(c->fd) != 0)
        st = nn_fail(err, NN_ESYS, "%s: write failed on close: %s", c->path, strerror(errno));
    free(c->path);
    free(c->buf);
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
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return nn_fail(err, NN_ECONFIG, "%s: cannot append to it: %s", path, strerror(errno));
    nn_status st = nn_csv_take_fd(c, fd, 1, path, err);
    c->val = val_columns != 0;
    return st;
}
