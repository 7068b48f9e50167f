/* groups.c - a sweep's CSV (read by run/csv_read.h) as panels and lines: rows grouped by
 * the fields of some columns, the points of one line, the axes of a sweep's header. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/draw.h"

int nn_plot_col_numeric(const nn_csv_table *t, size_t c)
{
    for (size_t r = 1; r < t->rows; r++)
        if (!isfinite(nn_csv_num(t, r, c)))
            return 0;
    return t->rows > 1;
}

size_t nn_plot_match_row(const nn_csv_table *t, const nn_csv_table *src, size_t r, size_t n_axes)
{
    long col[NN_PLOT_MAX_AXES];
    if (n_axes > NN_PLOT_MAX_AXES)
        return 0;
    for (size_t a = 0; a < n_axes; a++)
        if ((col[a] = nn_csv_col(t, nn_csv_cell(src, 0, a))) < 0)
            return 0;
    for (size_t row = 1; row < t->rows; row++) {
        size_t a = 0;
        while (a < n_axes &&
               strcmp(nn_csv_cell(t, row, (size_t)col[a]), nn_csv_cell(src, r, a)) == 0)
            a++;
        if (a == n_axes)
            return row;
    }
    return 0;
}

static int same_fields(const nn_csv_table *t, const nn_plot_groups *g, size_t r1, size_t r2)
{
    for (size_t i = 0; i < g->n_cols; i++)
        if (strcmp(nn_csv_cell(t, r1, g->cols[i]), nn_csv_cell(t, r2, g->cols[i])) != 0)
            return 0;
    return 1;
}

nn_status nn_plot_group(const nn_csv_table *t, const size_t *cols, size_t n_cols, nn_plot_groups *g,
                        nn_error *err)
{
    memset(g, 0, sizeof *g);
    g->cols = cols;
    g->n_cols = n_cols;
    g->of = calloc(t->rows, sizeof *g->of);
    g->first = calloc(t->rows, sizeof *g->first);
    if (!g->of || !g->first) {
        nn_plot_groups_free(g);
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

void nn_plot_groups_sort(const nn_csv_table *t, nn_plot_groups *g)
{
    /* Insertion sort of the groups (few), then every row's group renumbered. */
    for (size_t i = 1; i < g->n; i++) {
        size_t row = g->first[i], j = i;
        double v = nn_csv_num(t, row, g->cols[0]);
        while (j > 0 && nn_csv_num(t, g->first[j - 1], g->cols[0]) > v) {
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

void nn_plot_groups_free(nn_plot_groups *g)
{
    free(g->of);
    free(g->first);
    memset(g, 0, sizeof *g);
}

void nn_plot_group_label(const nn_csv_table *t, const nn_plot_groups *g, size_t k, char *buf,
                         size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < g->n_cols && used < len; i++) {
        const char *name = nn_csv_cell(t, 0, g->cols[i]);
        int act = strcmp(name, "activation") == 0; /* "relu" says it all */
        int n = snprintf(buf + used, len - used, "%s%s%s%s", i ? ", " : "", act ? "" : name,
                         act ? "" : " = ", nn_csv_cell(t, g->first[k], g->cols[i]));
        used += n > 0 ? (size_t)n : 0;
    }
}

static int by_x(const void *a, const void *b)
{
    double x = ((const nn_plot_point *)a)->x, y = ((const nn_plot_point *)b)->x;
    return (x > y) - (x < y);
}

double nn_plot_clamp(double v, double lo, double hi)
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
size_t nn_plot_collect(const nn_csv_table *t, const nn_plot_groups *gp, size_t p,
                       const nn_plot_groups *gl, size_t l, size_t xc, size_t yc, long ec,
                       double scale, nn_plot_point *pts, size_t *row)
{
    size_t n = 0;
    *row = 0;
    for (size_t r = 1; r < t->rows; r++) {
        if (gp->of[r] != p || gl->of[r] != l)
            continue;
        if (!*row)
            *row = r;
        double x = nn_csv_num(t, r, xc), y = nn_csv_num(t, r, yc) * scale;
        double e = ec >= 0 ? nn_csv_num(t, r, (size_t)ec) * scale : 0;
        if (!isfinite(x) || !isfinite(y))
            continue;
        e = isfinite(e) ? e : 0;
        pts[n++] =
            (nn_plot_point){x, y, nn_plot_clamp(y - e, 0, 100), nn_plot_clamp(y + e, 0, 100), e};
    }
    qsort(pts, n, sizeof *pts, by_x);
    return n;
}

/* The distinct numbers of column c, sorted, into xs (t->rows entries); their count. */
size_t nn_plot_distinct(const nn_csv_table *t, size_t c, double *xs)
{
    size_t n = 0;
    for (size_t r = 1; r < t->rows; r++) {
        double v = nn_csv_num(t, r, c);
        size_t i = 0;
        while (i < n && xs[i] != v)
            i++;
        if (i == n && isfinite(v))
            xs[n++] = v;
    }
    qsort(xs, n, sizeof *xs, by_value);
    return n;
}

nn_status nn_plot_find_axes(const nn_csv_table *t, const char *end, nn_plot_axes *a, nn_error *err)
{
    long n = nn_csv_col(t, end);
    if (n < 1 || strcmp(nn_csv_cell(t, 0, 0), "activation") != 0)
        return nn_fail(err, NN_EDATA,
                       "%s: expected the header 'activation,<other axes>,%s,...' of a sweep",
                       t->path, end);
    if (n > NN_PLOT_MAX_AXES)
        return nn_fail(err, NN_EDATA, "%s: %ld axes, at most %d can be plotted", t->path, n,
                       NN_PLOT_MAX_AXES);
    a->n = (size_t)n;
    a->n_other = 0;
    return NN_OK;
}

/* Column name of t, or NN_EDATA naming it. */
nn_status nn_plot_need_col(const nn_csv_table *t, const char *name, size_t *c, nn_error *err)
{
    long i = nn_csv_col(t, name);
    if (i < 0)
        return nn_fail(err, NN_EDATA, "%s: no column '%s' in the header", t->path, name);
    *c = (size_t)i;
    return NN_OK;
}

/* A file name's safe form of s: letters, digits, '.', '-' and '_' kept, others '_'. */
void nn_plot_safe_name(const char *s, char *out, size_t len)
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
