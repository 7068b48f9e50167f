/* sweep.c - the plots of a sweep's summary.csv and epochs.csv: here dead units and
 * test accuracy per epoch (one panel per value of the other axes, one line per
 * activation, a band of mean ± std); the final dead units against the first numeric axis
 * (vs.c) and the born-dead share against depth (born.c). Every number a script
 * draws is in its NAME.dat, already in percent, one block (gnuplot's "index") per line of
 * a panel. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot/draw.h"

static void write_points(nn_gp_fig *g, const nn_plot_point *pts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(g->dat, "%.9g %.6g %.6g %.6g\n", pts[i].x, pts[i].y, pts[i].lo, pts[i].hi);
}

/* "relu", or "relu (2/3 seeds ok)" when summary.csv says some seeds did not finish. */
static void line_title(const nn_csv_table *t, size_t row, size_t n_axes, const nn_csv_table *sum,
                       char *buf, size_t len)
{
    snprintf(buf, len, "%s", nn_csv_cell(t, row, 0));
    size_t sr = sum && sum->rows ? nn_plot_match_row(sum, t, row, n_axes) : 0;
    long okc = sum && sum->rows ? nn_csv_col(sum, "ok") : -1;
    long sc = sum && sum->rows ? nn_csv_col(sum, "seeds") : -1;
    if (!sr || okc < 0 || sc < 0)
        return;
    double ok = nn_csv_num(sum, sr, (size_t)okc), seeds = nn_csv_num(sum, sr, (size_t)sc);
    if (ok < seeds)
        snprintf(buf + strlen(buf), len - strlen(buf), " (%g/%g seeds ok)", ok, seeds);
}

/* dead.png and accuracy.png: one of these. */
typedef struct epoch_plot {
    const char *name, *what, *mean, *std, *title, *ylabel;
    int accuracy;
} epoch_plot;

static const epoch_plot epoch_plots[] = {
    {"dead", "dead units per epoch", "dead_frac_mean", "dead_frac_std",
     "Dead units during training (mean ± std over the seeds that finished)",
     "dead units (% of hidden units)", 0},
    {"accuracy", "test accuracy per epoch", "test_acc_mean", "test_acc_std",
     "Test accuracy during training (mean ± std over the seeds that finished)", "test accuracy (%)",
     1},
};

/* The y range of an epoch plot: [0, a round max] for dead units, [a round min, 100] for
 * accuracy (band included). */
static void epoch_range(const nn_csv_table *t, size_t mc, size_t sc, int accuracy, double *lo,
                        double *hi)
{
    double top = 0, bottom = 100;
    for (size_t r = 1; r < t->rows; r++) {
        double m = nn_csv_num(t, r, mc) * 100, s = nn_csv_num(t, r, sc) * 100;
        s = isfinite(s) ? s : 0;
        if (!isfinite(m))
            continue;
        top = fmax(top, nn_plot_clamp(m + s, 0, 100));
        bottom = fmin(bottom, nn_plot_clamp(m - s, 0, 100));
    }
    *lo = accuracy ? fmax(0, floor(bottom / 10 - 0.05) * 10) : 0;
    *hi = accuracy ? 100 : nn_gp_nice_max(top, 100);
}

/* One activation's line in one panel: a band (mean ± std) under the mean. */
static void epoch_line(nn_gp_fig *g, const nn_csv_table *t, const nn_plot_groups *gp, size_t p,
                       const nn_plot_groups *ga, size_t a, const size_t col[3],
                       const nn_csv_table *sum, nn_plot_point *pts)
{
    size_t row;
    size_t n = nn_plot_collect(t, gp, p, ga, a, col[0], col[1], (long)col[2], 100, pts, &row);
    if (!row)
        return;
    char title[256], spec[160], label[256];
    line_title(t, row, (size_t)col[0], sum, title, sizeof title);
    const char *c = nn_gp_color(a);
    if (n == 0) {
        snprintf(spec, sizeof spec, "with lines lw 2 lc rgb '%s'", c);
        nn_gp_clause(g, -1, spec, title);
        return;
    }
    nn_plot_group_label(t, gp, p, label, sizeof label);
    size_t idx = nn_gp_block(g, nn_csv_cell(t, row, 0), label, "epoch mean mean-std mean+std");
    write_points(g, pts, n);
    snprintf(spec, sizeof spec,
             "using 1:3:4 with filledcurves fc rgb '%s' fs transparent solid 0.15 noborder", c);
    nn_gp_clause(g, (long)idx, spec, NULL);
    snprintf(spec, sizeof spec, "using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc rgb '%s'", c);
    nn_gp_clause(g, (long)idx, spec, title);
}

static void epoch_settings(nn_gp_fig *g, const nn_csv_table *t, size_t ec, const epoch_plot *e,
                           double lo, double hi)
{
    double first = INFINITY, last = -INFINITY;
    for (size_t r = 1; r < t->rows; r++) {
        double x = nn_csv_num(t, r, ec);
        first = isfinite(x) && x < first ? x : first;
        last = isfinite(x) && x > last ? x : last;
    }
    if (!(first < last)) /* one epoch, or none: a range around it */
        first = isfinite(first) ? first - 0.5 : 0, last = first + 1;
    fprintf(g->gp, "    set xlabel 'epoch'\n    set ylabel '%s'\n", e->ylabel);
    fprintf(g->gp, "    set xrange [%g:%g]\n    set yrange [%g:%g]\n", first, last, lo, hi);
    if (last - first <= 12)
        fputs("    set xtics 1\n", g->gp);
    fprintf(g->gp, "    set grid lt 1 lw 1 lc rgb '#e4e4e4'\n    set key %s reverse Left\n",
            e->accuracy ? "bottom right" : "top left");
}

static nn_status epochs_plot(nn_plot_set *o, const nn_csv_table *t, const nn_csv_table *sum,
                             const epoch_plot *e, nn_error *err)
{
    nn_plot_axes ax;
    size_t col[3], act = 0; /* epoch, mean, std */
    nn_status st = nn_plot_find_axes(t, "epoch", &ax, err);
    if (st == NN_OK)
        st = nn_plot_need_col(t, e->mean, &col[1], err);
    if (st == NN_OK)
        st = nn_plot_need_col(t, e->std, &col[2], err);
    if (st != NN_OK)
        return st;
    col[0] = ax.n;
    for (size_t c = 1; c < ax.n; c++)
        ax.other[ax.n_other++] = c;
    nn_plot_groups gp = {0}, ga = {0};
    nn_plot_point *pts = malloc(t->rows * sizeof *pts);
    if (!pts)
        return nn_fail(err, NN_ESYS, "out of memory");
    st = nn_plot_group(t, ax.other, ax.n_other, &gp, err);
    if (st == NN_OK)
        st = nn_plot_group(t, &act, 1, &ga, err);
    nn_gp_fig g;
    if (st == NN_OK && (st = nn_gp_fig_open(o, e->name, &g, err)) == NN_OK) {
        size_t rows, cols;
        int w, h;
        double lo, hi;
        nn_gp_grid(gp.n, &rows, &cols);
        nn_gp_size(rows, cols, &w, &h);
        epoch_range(t, col[1], col[2], e->accuracy, &lo, &hi);
        nn_gp_begin(g.gp, e->name, e->what, w, h);
        epoch_settings(&g, t, col[0], e, lo, hi);
        nn_gp_layout(&g, rows, cols, e->title);
        for (size_t p = 0; p < gp.n; p++) {
            char label[256];
            nn_plot_group_label(t, &gp, p, label, sizeof label);
            nn_gp_panel(&g, label);
            for (size_t a = 0; a < ga.n; a++)
                epoch_line(&g, t, &gp, p, &ga, a, col, sum, pts);
        }
        nn_gp_fig_end(&g);
        st = nn_gp_fig_close(o, &g, st, err);
    }
    nn_plot_groups_free(&gp);
    nn_plot_groups_free(&ga);
    free(pts);
    return st;
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

nn_status nn_plot_sweep(nn_plot_set *o, nn_error *err)
{
    char path[4096];
    nn_csv_table sum = {0}, ep = {0};
    nn_status st = NN_OK;
    snprintf(path, sizeof path, "%s/summary.csv", o->out_dir);
    if (exists(path))
        st = nn_csv_table_read(&sum, path, err);
    snprintf(path, sizeof path, "%s/epochs.csv", o->out_dir);
    if (st == NN_OK && exists(path))
        st = nn_csv_table_read(&ep, path, err);
    for (size_t k = 0; st == NN_OK && ep.rows > 1 && k < 2; k++)
        st = epochs_plot(o, &ep, &sum, &epoch_plots[k], err);
    nn_plot_axes ax;
    if (st == NN_OK && sum.rows > 1 && (st = nn_plot_find_axes(&sum, "seeds", &ax, err)) == NN_OK) {
        if (nn_csv_col(&sum, "test_acc_mean") >= 0)
            st = nn_plot_dead_vs(o, &sum, err);
        else if (nn_csv_col(&sum, "born_dead_frac") >= 0)
            st = nn_plot_born_dead(o, &sum, err);
        else
            st = nn_fail(err, NN_EDATA,
                         "%s: neither test_acc_mean nor born_dead_frac in the header: not the "
                         "summary of a training or a born-dead sweep",
                         sum.path);
    }
    nn_csv_table_free(&sum);
    nn_csv_table_free(&ep);
    return st;
}
