/* collect.c - see collect.h. The text is cut into lines (each with its newline, the last
 * one without when the text does not end in one) and each goes through one line reader. */
#include "sweep/collect.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/csv_read.h"
#include "sys/fs.h"

/* The state of reading one run's CSV, a record at a time. */
typedef struct rows_reader {
    nn_sweep_rows *rr;
    char **cells;
    size_t alloc, fields;
    int head, ok, c_epoch, c_dead, c_acc;
} rows_reader;

static int rows_begin(rows_reader *r, nn_sweep_rows *rr)
{
    memset(rr, 0, sizeof *rr);
    *r = (rows_reader){.rr = rr, .head = 1, .c_epoch = -1, .c_dead = -1, .c_acc = -1};
    r->cells = malloc(NN_SWEEP_MAX_CELLS * sizeof *r->cells);
    return r->cells != NULL;
}

/* The header: kept whole (rr->header), then its columns found. */
static int rows_header(rows_reader *r, char *line, size_t len)
{
    nn_sweep_rows *rr = r->rr;
    r->head = 0;
    if (strlen(line) != len || line[len - 1] != '\n')
        return r->ok = 0; /* a NUL in it, or no line end */
    size_t keep = len - 1 - (len >= 2 && line[len - 2] == '\r');
    if (!(rr->header = malloc(keep + 1)))
        return r->ok = 0;
    memcpy(rr->header, line, keep);
    rr->header[keep] = '\0';
    r->fields = nn_csv_split(line, r->cells, NN_SWEEP_MAX_CELLS);
    r->c_epoch = nn_csv_column(r->cells, r->fields, "epoch");
    r->c_dead = nn_csv_column(r->cells, r->fields, "dead_frac");
    r->c_acc = nn_csv_column(r->cells, r->fields, "test_acc");
    return r->ok = r->c_epoch >= 0 && r->c_dead >= 0 && r->c_acc >= 0;
}

/* The number a whole cell holds (strtod's), or NAN. */
static double cell_num(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return *s && !*end ? v : NAN;
}

/* One record of len bytes (record[len] is a NUL): the header, then rows; 0 to stop. */
static int rows_line(rows_reader *r, char *line, size_t len)
{
    nn_sweep_rows *rr = r->rr;
    if (r->head)
        return rows_header(r, line, len);
    rr->torn = 1; /* until this row is found whole */
    if (line[len - 1] != '\n' || strlen(line) != len)
        return 0; /* a torn last row, or a NUL in it */
    size_t n = nn_csv_split(line, r->cells, NN_SWEEP_MAX_CELLS);
    if (n != r->fields || cell_num(r->cells[r->c_epoch]) != (double)rr->n)
        return 0;
    if (rr->n == r->alloc) {
        r->alloc = r->alloc ? 2 * r->alloc : 16;
        double *d = realloc(rr->dead_frac, r->alloc * sizeof *d);
        if (d)
            rr->dead_frac = d;
        double *a = d ? realloc(rr->test_acc, r->alloc * sizeof *a) : NULL;
        if (a)
            rr->test_acc = a;
        if (!d || !a)
            return r->ok = 0;
    }
    rr->dead_frac[rr->n] = strtod(r->cells[r->c_dead], NULL);
    rr->test_acc[rr->n] = strtod(r->cells[r->c_acc], NULL);
    rr->n++;
    rr->torn = 0;
    return 1;
}

static int rows_end(rows_reader *r)
{
    free(r->cells);
    nn_sweep_rows *rr = r->rr;
    if (!r->ok) { /* not a run's CSV: nothing of it is kept */
        nn_sweep_rows_free(rr);
        return 0;
    }
    return rr->n > 0;
}

void nn_sweep_rows_free(nn_sweep_rows *rr)
{
    free(rr->dead_frac);
    free(rr->test_acc);
    free(rr->header);
    memset(rr, 0, sizeof *rr);
}

int nn_sweep_rows_read(const char *path, nn_sweep_rows *rr)
{
    size_t len;
    nn_read_fail why;
    char *text = nn_read_file(path, SIZE_MAX, &len, &why);
    int ok = text ? nn_sweep_rows_parse(text, len, rr) : 0;
    if (!text)
        memset(rr, 0, sizeof *rr);
    free(text);
    return ok;
}

int nn_sweep_rows_parse(const char *text, size_t len, nn_sweep_rows *rr)
{
    rows_reader r;
    char *buf = malloc(len + 1);
    if (!buf || !rows_begin(&r, rr)) {
        free(buf);
        memset(rr, 0, sizeof *rr);
        return 0;
    }
    if (len)
        memcpy(buf, text, len);
    buf[len] = '\0';
    for (size_t pos = 0; pos < len;) {
        int whole;
        size_t n = nn_csv_record(buf + pos, len - pos, &whole);
        char keep = buf[pos + n];
        buf[pos + n] = '\0'; /* as getline() ends a line */
        int more = rows_line(&r, buf + pos, n);
        buf[pos + n] = keep;
        if (!more)
            break;
        pos += n;
    }
    free(buf);
    return rows_end(&r);
}

void nn_sweep_result_cols_find(char **cells, size_t n, nn_sweep_result_cols *c)
{
    c->status = nn_csv_column(cells, n, "status");
    c->dead_frac = nn_csv_column(cells, n, "dead_frac");
    c->dead_layers = nn_csv_column(cells, n, "dead_layers");
    c->constant = nn_csv_column(cells, n, "constant_output");
}

int nn_sweep_result_row_parse(const nn_sweep_result_cols *c, char **cells, size_t n,
                             nn_sweep_result_row *row)
{
    int last = c->status > c->dead_frac ? c->status : c->dead_frac;
    last = last > c->dead_layers ? last : c->dead_layers;
    last = last > c->constant ? last : c->constant;
    if (c->status < 0 || c->dead_frac < 0 || c->dead_layers < 0 || c->constant < 0 ||
        (int)n <= last)
        return 0;
    row->ok = strcmp(cells[c->status], "ok") == 0;
    row->dead_frac = strtod(cells[c->dead_frac], NULL);
    row->born_dead = strtod(cells[c->dead_layers], NULL) > 0;
    row->constant = strtod(cells[c->constant], NULL) > 0;
    return 1;
}
