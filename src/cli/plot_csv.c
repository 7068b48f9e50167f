/* plot_csv.c - the sweep's CSV files for nntrain plot: read whole, cut into fields in
 * place (nothing is quoted), rows grouped by the fields of some columns. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/plot.h"

static nn_status slurp(const char *path, char **out, nn_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nn_fail(err, errno == ENOENT ? NN_EDATA : NN_ESYS, "%s: cannot open: %s", path,
                       strerror(errno));
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    nn_status st = NN_OK;
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    if (!buf)
        st = nn_fail(err, NN_ESYS, "%s: out of memory reading the file", path);
    else if (ferror(f))
        st = nn_fail(err, NN_EDATA, "%s: cannot read: %s", path, strerror(errno));
    fclose(f);
    if (st != NN_OK) {
        free(buf);
        return st;
    }
    buf[len] = '\0';
    *out = buf;
    return NN_OK;
}

/* Counts the lines that hold something and the fields of the first one. */
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
static nn_status cut(plot_csv *t, nn_error *err)
{
    size_t r = 0, line = 0;
    for (char *p = t->text; *p;) {
        char *nl = strchr(p, '\n');
        line++;
        if (nl)
            *nl = '\0';
        size_t len = strlen(p);
        if (len > 0 && p[len - 1] == '\r')
            p[--len] = '\0';
        char *next = nl ? nl + 1 : p + len;
        if (len == 0) {
            p = next;
            continue;
        }
        size_t c = 0;
        for (char *f = p;; c++) {
            char *comma = strchr(f, ',');
            if (c < t->cols)
                t->cell[r * t->cols + c] = f;
            if (!comma)
                break;
            *comma = '\0';
            f = comma + 1;
        }
        if (c + 1 != t->cols)
            return nn_fail(err, NN_EDATA, "%s:%zu: %zu fields, expected %zu (as in the header)",
                           t->path, line, c + 1, t->cols);
        r++;
        p = next;
    }
    return NN_OK;
}

nn_status plot_csv_read(plot_csv *t, const char *path, nn_error *err)
{
    memset(t, 0, sizeof *t);
    t->path = strdup(path);
    if (!t->path)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = slurp(path, &t->text, err);
    if (st != NN_OK) {
        plot_csv_free(t);
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
        plot_csv_free(t);
    return st;
}

void plot_csv_free(plot_csv *t)
{
    free(t->path);
    free(t->text);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

const char *plot_cell(const plot_csv *t, size_t r, size_t c)
{
    return t->cell[r * t->cols + c];
}

long plot_col(const plot_csv *t, const char *name)
{
    for (size_t c = 0; c < t->cols; c++)
        if (strcmp(plot_cell(t, 0, c), name) == 0)
            return (long)c;
    return -1;
}

double plot_num(const plot_csv *t, size_t r, size_t c)
{
    const char *s = plot_cell(t, r, c);
    char *end;
    double v = strtod(s, &end);
    return *s && *end == '\0' ? v : NAN;
}

int plot_col_numeric(const plot_csv *t, size_t c)
{
    for (size_t r = 1; r < t->rows; r++)
        if (!isfinite(plot_num(t, r, c)))
            return 0;
    return t->rows > 1;
}

size_t plot_match_row(const plot_csv *t, const plot_csv *src, size_t r, size_t n_axes)
{
    long col[PLOT_MAX_AXES];
    if (n_axes > PLOT_MAX_AXES)
        return 0;
    for (size_t a = 0; a < n_axes; a++)
        if ((col[a] = plot_col(t, plot_cell(src, 0, a))) < 0)
            return 0;
    for (size_t row = 1; row < t->rows; row++) {
        size_t a = 0;
        while (a < n_axes && strcmp(plot_cell(t, row, (size_t)col[a]), plot_cell(src, r, a)) == 0)
            a++;
        if (a == n_axes)
            return row;
    }
    return 0;
}

static int same_fields(const plot_csv *t, const plot_groups *g, size_t r1, size_t r2)
{
    for (size_t i = 0; i < g->n_cols; i++)
        if (strcmp(plot_cell(t, r1, g->cols[i]), plot_cell(t, r2, g->cols[i])) != 0)
            return 0;
    return 1;
}

nn_status plot_group(const plot_csv *t, const size_t *cols, size_t n_cols, plot_groups *g,
                     nn_error *err)
{
    memset(g, 0, sizeof *g);
    g->cols = cols;
    g->n_cols = n_cols;
    g->of = calloc(t->rows, sizeof *g->of);
    g->first = calloc(t->rows, sizeof *g->first);
    if (!g->of || !g->first) {
        plot_groups_free(g);
        return nn_fail(err, NN_ESYS, "%s: out of memory grouping the rows", t->path);
    }
    for (size_t r = 1; r < t->rows; r++) {
        size_t k = 0;
        while (k < g->n && !same_fields(t, g, g->first[k], r))
            k++;
        if (k == g->n)
            g->first[g->n++] = r;
        g->of[r] = k;
    }
    return NN_OK;
}

void plot_groups_sort(const plot_csv *t, plot_groups *g)
{
    /* Insertion sort of the groups (few), then every row's group renumbered. */
    for (size_t i = 1; i < g->n; i++) {
        size_t row = g->first[i], j = i;
        double v = plot_num(t, row, g->cols[0]);
        while (j > 0 && plot_num(t, g->first[j - 1], g->cols[0]) > v) {
            g->first[j] = g->first[j - 1];
            j--;
        }
        g->first[j] = row;
    }
    for (size_t r = 1; r < t->rows; r++)
        for (size_t k = 0; k < g->n; k++)
            if (same_fields(t, g, g->first[k], r)) {
                g->of[r] = k;
                break;
            }
}

void plot_groups_free(plot_groups *g)
{
    free(g->of);
    free(g->first);
    memset(g, 0, sizeof *g);
}

void plot_group_label(const plot_csv *t, const plot_groups *g, size_t k, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < g->n_cols && used < len; i++) {
        const char *name = plot_cell(t, 0, g->cols[i]);
        int act = strcmp(name, "activation") == 0; /* "relu" says it all */
        int n = snprintf(buf + used, len - used, "%s%s%s%s", i ? ", " : "", act ? "" : name,
                         act ? "" : " = ", plot_cell(t, g->first[k], g->cols[i]));
        used += n > 0 ? (size_t)n : 0;
    }
}

static int by_x(const void *a, const void *b)
{
    double x = ((const plot_point *)a)->x, y = ((const plot_point *)b)->x;
    return (x > y) - (x < y);
}

double plot_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The points of panel p, line l: x from column xc, y = scale * column yc, err = scale *
 * column ec (0 when empty), sorted by x; rows without a y are left out. *row is a row of
 * the pair (0 when there is none). */
size_t plot_collect(const plot_csv *t, const plot_groups *gp, size_t p, const plot_groups *gl,
                    size_t l, size_t xc, size_t yc, long ec, double scale, plot_point *pts,
                    size_t *row)
{
    size_t n = 0;
    *row = 0;
    for (size_t r = 1; r < t->rows; r++) {
        if (gp->of[r] != p || gl->of[r] != l)
            continue;
        if (!*row)
            *row = r;
        double x = plot_num(t, r, xc), y = plot_num(t, r, yc) * scale;
        double e = ec >= 0 ? plot_num(t, r, (size_t)ec) * scale : 0;
        if (!isfinite(x) || !isfinite(y))
            continue;
        e = isfinite(e) ? e : 0;
        pts[n++] = (plot_point){x, y, plot_clamp(y - e, 0, 100), plot_clamp(y + e, 0, 100), e};
    }
    qsort(pts, n, sizeof *pts, by_x);
    return n;
}

/* The distinct numbers of column c, sorted, into xs (t->rows entries); their count. */
size_t plot_distinct(const plot_csv *t, size_t c, double *xs)
{
    size_t n = 0;
    for (size_t r = 1; r < t->rows; r++) {
        double v = plot_num(t, r, c);
        size_t i = 0;
        while (i < n && xs[i] != v)
            i++;
        if (i == n && isfinite(v))
            xs[n++] = v;
    }
    qsort(xs, n, sizeof *xs, by_value);
    return n;
}

nn_status plot_find_axes(const plot_csv *t, const char *end, plot_axes *a, nn_error *err)
{
    long n = plot_col(t, end);
    if (n < 1 || strcmp(plot_cell(t, 0, 0), "activation") != 0)
        return nn_fail(err, NN_EDATA,
                       "%s: expected the header 'activation,<other axes>,%s,...' of a sweep",
                       t->path, end);
    if (n > PLOT_MAX_AXES)
        return nn_fail(err, NN_EDATA, "%s: %ld axes, at most %d can be plotted", t->path, n,
                       PLOT_MAX_AXES);
    a->n = (size_t)n;
    a->n_other = 0;
    return NN_OK;
}

/* Column name of t, or NN_EDATA naming it. */
nn_status plot_need_col(const plot_csv *t, const char *name, size_t *c, nn_error *err)
{
    long i = plot_col(t, name);
    if (i < 0)
        return nn_fail(err, NN_EDATA, "%s: no column '%s' in the header", t->path, name);
    *c = (size_t)i;
    return NN_OK;
}

/* A file name's safe form of s: letters, digits, '.', '-' and '_' kept, others '_'. */
void plot_safe_name(const char *s, char *out, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
        out[i] = ok ? c : '_';
    }
    out[i] = '\0';
}
