/* vs.c - dead_vs_<axis>.png from a training sweep's summary.csv: the dead units at
 * the end of training against the first numeric axis besides the activation (log scale
 * when it spans 10x), one line per activation with error bars (std over the seeds that
 * finished), one panel per value of the other axes. Where some seeds diverged or
 * exploded the point is ringed; where no seed finished, a cross in the activation's
 * colour sits in a strip above the values. The points of one x are moved apart a little
 * (the data file keeps the true x beside the drawn one). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/draw.h"

enum { VS_OK, VS_DIVERGED, VS_EXPLODED, VS_MEAN, VS_STD, VS_COLS };
static const char *const vs_names[VS_COLS] = {"ok", "diverged", "exploded", "dead_frac_mean",
                                              "dead_frac_std"};

typedef struct vs {
    nn_gp_fig g;
    const nn_csv_table *t;
    nn_plot_groups gp, ga; /* panels, activations */
    size_t xc, col[VS_COLS];
    double *xs; /* the distinct x values, sorted */
    size_t n_xs;
    nn_plot_point *pts;
    double ymax; /* the top of the values */
    int strip;   /* some combination has no seed ok: a strip above ymax holds its cross */
} vs;

/* x as drawn for activation a. */
static double vs_x(const vs *v, double x, size_t a)
{
    return nn_gp_dodge(x, (double)a - (double)(v->ga.n - 1) / 2, v->xs, v->n_xs);
}

/* The first non-activation axis holding numbers in two values or more (0: none). */
static size_t numeric_axis(vs *v, size_t n_axes)
{
    for (size_t c = 1; c < n_axes; c++)
        if (nn_plot_col_numeric(v->t, c) && (v->n_xs = nn_plot_distinct(v->t, c, v->xs)) >= 2)
            return c;
    return 0;
}

/* Activation a in panel p, error bars = std over the seeds that finished. */
static void vs_line(vs *v, size_t p, size_t a)
{
    size_t row;
    size_t n = nn_plot_collect(v->t, &v->gp, p, &v->ga, a, v->xc, v->col[VS_MEAN],
                               (long)v->col[VS_STD], 100, v->pts, &row);
    if (!row)
        return;
    const char *name = nn_csv_cell(v->t, row, 0);
    char spec[128], label[256];
    snprintf(spec, sizeof spec, "with linespoints lw 2 pt 7 ps 0.8 lc rgb '%s'", nn_gp_color(a));
    if (n == 0) {
        nn_gp_clause(&v->g, -1, spec, name); /* in the key all the same: its crosses show where */
        return;
    }
    nn_plot_group_label(v->t, &v->gp, p, label, sizeof label);
    size_t idx = nn_gp_block(&v->g, name, label, "x x_drawn mean std");
    for (size_t i = 0; i < n; i++)
        fprintf(v->g.dat, "%.9g %.9g %.6g %.6g\n", v->pts[i].x, vs_x(v, v->pts[i].x, a),
                v->pts[i].y, v->pts[i].err);
    snprintf(spec, sizeof spec, "using 2:3:4 with yerrorlines lw 2 pt 7 ps 0.8 lc rgb '%s'",
             nn_gp_color(a));
    nn_gp_clause(&v->g, (long)idx, spec, name);
}

/* Row r's marks: 1 some seeds diverged or exploded (ok > 0), 2 no seed ok, else 0. */
static int vs_mark(const vs *v, size_t r)
{
    double ok = nn_csv_num(v->t, r, v->col[VS_OK]), m = nn_csv_num(v->t, r, v->col[VS_MEAN]);
    double bad =
        nn_csv_num(v->t, r, v->col[VS_DIVERGED]) + nn_csv_num(v->t, r, v->col[VS_EXPLODED]);
    if (!(ok > 0))
        return 2;
    return bad > 0 && isfinite(m) ? 1 : 0;
}

/* The marks of kind (1 rings, 2 crosses) in panel p, with their key entry. */
static void vs_marks(vs *v, size_t p, int kind)
{
    char label[256];
    long idx = -1;
    nn_plot_group_label(v->t, &v->gp, p, label, sizeof label);
    for (size_t r = 1; r < v->t->rows; r++) {
        if (v->gp.of[r] != p || vs_mark(v, r) != kind)
            continue;
        size_t a = v->ga.of[r];
        double x = nn_csv_num(v->t, r, v->xc);
        if (idx < 0)
            idx =
                (long)nn_gp_block(&v->g, kind == 2 ? "no seed ok" : "some seeds diverged/exploded",
                                  label, kind == 2 ? "x x_drawn y colour" : "x x_drawn mean");
        if (kind == 2)
            fprintf(v->g.dat, "%.9g %.9g %.6g %ld\n", x, vs_x(v, x, a), v->ymax * 1.07,
                    strtol(nn_gp_color(a) + 1, NULL, 16));
        else
            fprintf(v->g.dat, "%.9g %.9g %.6g\n", x, vs_x(v, x, a),
                    nn_csv_num(v->t, r, v->col[VS_MEAN]) * 100);
    }
    if (idx >= 0 && kind == 2) {
        nn_gp_clause(&v->g, idx, "using 2:3:4 with points pt 2 ps 2 lw 2.5 lc rgb variable", NULL);
        nn_gp_clause(&v->g, -1, "with points pt 2 ps 1.5 lw 2.5 lc rgb 'black'",
                     "no seed finished: all diverged/exploded (top strip)");
    } else if (idx >= 0) {
        nn_gp_clause(&v->g, idx, "using 2:3 with points pt 6 ps 2.6 lw 1.5 lc rgb 'black'",
                     "some seeds diverged/exploded");
    }
}

/* The axes, shared by every panel: y up to a round number over mean + std, and the
 * strip above it when a cross goes there. */
static void vs_axes(vs *v)
{
    double top = 0;
    for (size_t r = 1; r < v->t->rows; r++) {
        double m = nn_csv_num(v->t, r, v->col[VS_MEAN]), s = nn_csv_num(v->t, r, v->col[VS_STD]);
        if (isfinite(m))
            top = fmax(top, (m + (isfinite(s) ? s : 0)) * 100);
        v->strip |= vs_mark(v, r) == 2;
    }
    v->ymax = nn_gp_nice_max(top, 100);
    FILE *f = v->g.gp;
    nn_gp_x_axis(f, v->xs, v->n_xs, nn_csv_cell(v->t, 0, v->xc));
    fputs("    set ylabel 'dead units after training (% of hidden units)'\n"
          "    set grid lt 1 lw 1 lc rgb '#e4e4e4'\n",
          f);
    if (!v->strip) {
        fprintf(f, "    set yrange [0:%g]\n    set key top left reverse Left\n", v->ymax);
        return;
    }
    fprintf(f,
            "    set yrange [0:%g]\n    set ytics 0,%g,%g\n"
            "    set arrow from graph 0, first %g to graph 1, first %g nohead dt 2 lc rgb "
            "'#999999'\n"
            "    set key top left reverse Left at graph 0.02, graph 0.86\n",
            v->ymax * 1.14, v->ymax / 5, v->ymax, v->ymax, v->ymax);
}

static void vs_figure(vs *v)
{
    size_t rows, cols;
    int w, h;
    char title[256];
    nn_gp_grid(v->gp.n, &rows, &cols);
    nn_gp_size(rows, cols, &w, &h);
    nn_gp_begin(v->g.gp, v->g.name, "final dead units against the first numeric axis", w, h);
    vs_axes(v);
    snprintf(title, sizeof title,
             "Dead units after training vs %s (mean ± std over finished seeds)",
             nn_csv_cell(v->t, 0, v->xc));
    nn_gp_layout(&v->g, rows, cols, title);
    for (size_t p = 0; p < v->gp.n; p++) {
        char label[256];
        nn_plot_group_label(v->t, &v->gp, p, label, sizeof label);
        nn_gp_panel(&v->g, label);
        for (size_t a = 0; a < v->ga.n; a++)
            vs_line(v, p, a);
        vs_marks(v, p, 1);
        vs_marks(v, p, 2);
    }
    nn_gp_fig_end(&v->g);
}

nn_status nn_plot_dead_vs(nn_plot_set *o, const nn_csv_table *t, nn_error *err)
{
    nn_plot_axes ax;
    size_t act = 0;
    vs v = {.t = t};
    nn_status st = nn_plot_find_axes(t, "seeds", &ax, err);
    for (int k = 0; k < VS_COLS && st == NN_OK; k++)
        st = nn_plot_need_col(t, vs_names[k], &v.col[k], err);
    if (st != NN_OK)
        return st;
    v.pts = malloc(t->rows * sizeof *v.pts);
    v.xs = malloc(t->rows * sizeof *v.xs);
    if (!v.pts || !v.xs)
        st = nn_fail(err, NN_ESYS, "out of memory");
    if (st == NN_OK && (v.xc = numeric_axis(&v, ax.n)) > 0) {
        for (size_t c = 1; c < ax.n; c++)
            if (c != v.xc)
                ax.other[ax.n_other++] = c;
        st = nn_plot_group(t, ax.other, ax.n_other, &v.gp, err);
        if (st == NN_OK)
            st = nn_plot_group(t, &act, 1, &v.ga, err);
        char name[96] = "dead_vs_";
        nn_plot_safe_name(nn_csv_cell(t, 0, v.xc), name + strlen(name), sizeof name - strlen(name));
        if (st == NN_OK && (st = nn_gp_fig_open(o, name, &v.g, err)) == NN_OK) {
            vs_figure(&v);
            st = nn_gp_fig_close(o, &v.g, st, err);
        }
    }
    nn_plot_groups_free(&v.gp);
    nn_plot_groups_free(&v.ga);
    free(v.pts);
    free(v.xs);
    return st;
}
