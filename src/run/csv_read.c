/* csv_read.c - see csv_read.h. */
#include "run/csv_read.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/fs.h"

size_t nn_csv_fields(char *s, char **cells, size_t max)
{
    size_t n = 0;
    for (char *p = s; n < max;) {
        cells[n++] = p;
        p = strchr(p, ',');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

size_t nn_csv_split(char *line, char **cells, size_t max)
{
    line[strcspn(line, "\r\n")] = '\0';
    return nn_csv_fields(line, cells, max);
}

int nn_csv_column(char *const *cells, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cells[i], name) == 0)
            return (int)i;
    return -1;
}

/* The fields of a line: one more than its commas. */
static size_t count_fields(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        n += *s == ',';
    return n;
}

/* Cuts the next line of *p in place (its '\n' and a final '\r' dropped) and moves *p past
 * it; the line, or NULL at the end of the text. */
static char *next_line(char **p)
{
    if (!**p)
        return NULL;
    char *line = *p, *nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    size_t len = strlen(line);
    *p = nl ? nl + 1 : line + len;
    if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
    return line;
}

/* Counts the lines that hold something and the fields of the first one (on a copy: the
 * text is cut afterwards). */
static void measure(const char *s, size_t *rows, size_t *cols)
{
    *rows = 0;
    *cols = 1;
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > 0 && !(len == 1 && p[0] == '\r')) {
            if (*rows == 0)
                for (size_t i = 0; i < len; i++)
                    *cols += p[i] == ',';
            (*rows)++;
        }
        p += len + (nl ? 1 : 0);
    }
}

/* Cuts the text into t->cell, row by row; empty lines are skipped. */
static nn_status cut(nn_csv_table *t, nn_error *err)
{
    size_t r = 0, line_no = 0;
    char *p = t->text, *line;
    while ((line = next_line(&p))) {
        line_no++;
        if (!line[0])
            continue;
        size_t n = count_fields(line);
        if (n != t->cols)
            return nn_fail(err, NN_EDATA, "%s:%zu: %zu fields, expected %zu (as in the header)",
                           t->path, line_no, n, t->cols);
        nn_csv_fields(line, t->cell + r * t->cols, t->cols);
        r++;
    }
    return NN_OK;
}

/* The text of path; the messages and codes of nntrain plot's inputs. */
static nn_status read_text(const char *path, char **out, nn_error *err)
{
    size_t len;
    nn_read_fail why;
    *out = nn_read_file(path, SIZE_MAX, &len, &why);
    if (why == NN_READ_OPEN)
        return nn_fail(err, errno == ENOENT ? NN_EDATA : NN_ESYS, "%s: cannot open: %s", path,
                       strerror(errno));
    if (why == NN_READ_IO)
        return nn_fail(err, NN_EDATA, "%s: cannot read: %s", path, strerror(errno));
    if (why != NN_READ_OK)
        return nn_fail(err, NN_ESYS, "%s: out of memory reading the file", path);
    return NN_OK;
}

nn_status nn_csv_table_read(nn_csv_table *t, const char *path, nn_error *err)
{
    memset(t, 0, sizeof *t);
    t->path = strdup(path);
    if (!t->path)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = read_text(path, &t->text, err);
    if (st != NN_OK) {
        nn_csv_table_free(t);
        return st;
    }
    measure(t->text, &t->rows, &t->cols);
    if (t->rows == 0)
        st = nn_fail(err, NN_EDATA, "%s: empty file, expected a header line", path);
    else if (!(t->cell = calloc(t->rows * t->cols, sizeof *t->cell)))
        st = nn_fail(err, NN_ESYS, "%s: out of memory", path);
    else
        st = cut(t, err);
    if (st != NN_OK)
        nn_csv_table_free(t);
    return st;
}

void nn_csv_table_free(nn_csv_table *t)
{
    free(t->path);
    free(t->text);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

const char *nn_csv_cell(const nn_csv_table *t, size_t r, size_t c)
{
    return t->cell[r * t->cols + c];
}

long nn_csv_col(const nn_csv_table *t, const char *name)
{
    return nn_csv_column(t->cell, t->cols, name);
}

double nn_csv_num(const nn_csv_table *t, size_t r, size_t c)
{
    const char *s = nn_csv_cell(t, r, c);
    char *end;
    double v = strtod(s, &end);
    return *s && *end == '\0' ? v : NAN;
}
