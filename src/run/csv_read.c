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
    char *r = s;
    while (n < max) {
        char *w = r; /* a quoted field is written back over itself, shorter */
        cells[n++] = w;
        if (*r == '"') {
            for (r++; *r && !(*r == '"' && r[1] != '"'); r++)
                *w++ = *r == '"' ? *r++ : *r; /* "" is one quote */
            if (*r == '"')
                r++;
        }
        while (*r && *r != ',') /* the rest of an unquoted field, or text after a quote */
            *w++ = *r++;
        int last = *r == '\0';
        *w = '\0';
        if (last)
            break;
        r++;
    }
    return n;
}

/* Where the record starting at s ends: its first '\r' or '\n' outside quotes (or its NUL). */
static char *record_cut(char *s)
{
    int quoted = 0;
    for (; *s; s++) {
        if (*s == '"')
            quoted = !quoted; /* a doubled quote flips twice */
        else if (!quoted && (*s == '\r' || *s == '\n'))
            break;
    }
    return s;
}

size_t nn_csv_split(char *line, char **cells, size_t max)
{
    *record_cut(line) = '\0';
    return nn_csv_fields(line, cells, max);
}

size_t nn_csv_record(const char *text, size_t len, int *whole)
{
    int quoted = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"')
            quoted = !quoted;
        else if (!quoted && text[i] == '\n') {
            *whole = 1;
            return i + 1;
        }
    }
    *whole = 0;
    return len;
}

int nn_csv_put_field(FILE *f, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")])
        return fputs(s, f) == EOF ? EOF : 0;
    int bad = putc('"', f) == EOF;
    for (; *s; s++)
        bad |= (*s == '"' && putc('"', f) == EOF) || putc(*s, f) == EOF;
    bad |= putc('"', f) == EOF;
    return bad ? EOF : 0;
}

int nn_csv_column(char *const *cells, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(cells[i], name) == 0)
            return (int)i;
    return -1;
}

/* The fields of a record: one more than its commas outside quotes. */
static size_t count_fields(const char *s)
{
    size_t n = 1;
    int quoted = 0;
    for (; *s; s++) {
        quoted ^= *s == '"';
        n += !quoted && *s == ',';
    }
    return n;
}

/* Cuts the next record of *p in place (at its '\n' outside quotes; a final '\r' dropped),
 * moves *p past it and adds the lines it spans to *line_no; the record, or NULL at the end
 * of the text. */
static char *next_line(char **p, size_t *line_no)
{
    if (!**p)
        return NULL;
    char *line = *p, *end = line;
    for (int quoted = 0; *end && (quoted || *end != '\n'); end++) {
        quoted ^= *end == '"';
        *line_no += *end == '\n';
    }
    *p = *end ? end + 1 : end;
    *end = '\0';
    size_t len = (size_t)(end - line);
    if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
    (*line_no)++;
    return line;
}

/* Counts the records that hold something and the fields of the first one, as next_line
 * will cut them. */
static void measure(const char *s, size_t *rows, size_t *cols)
{
    *rows = 0;
    *cols = 1;
    size_t fields = 1, len = 0;
    for (int quoted = 0;; s++) {
        if (*s == '\0' || (!quoted && *s == '\n')) { /* quoted is 0 after a record */
            if (len > 1 || (len == 1 && s[-1] != '\r')) {
                if (*rows == 0)
                    *cols = fields;
                (*rows)++;
            }
            if (*s == '\0')
                return;
            fields = 1;
            len = 0;
            continue;
        }
        len++;
        quoted ^= *s == '"';
        fields += !quoted && *s == ',';
    }
}

/* Cuts the text into t->cell, row by row; empty lines are skipped. */
static nn_status cut(nn_csv_table *t, nn_error *err)
{
    size_t r = 0, line_no = 0;
    char *p = t->text, *line;
    for (size_t first = 1; (line = next_line(&p, &line_no)); first = line_no + 1) {
        if (!line[0])
            continue;
        size_t n = count_fields(line);
        if (n != t->cols)
            return nn_fail(err, NN_EDATA, "%s:%zu: %zu fields, expected %zu (as in the header)",
                           t->path, first, n, t->cols);
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
