/* born.c - born_dead.png from a born-dead sweep's summary.csv (epochs 0): the share
 * of networks born with some activation layer entirely dead, against depth, one line per
 * width, one panel per activation (and per value of any other axis). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/draw.h"

/* The columns of the axes named depth and width (-1: absent); the others go to a->other. */
static void split_axes(const nn_csv_table *t, nn_plot_axes *a, long *depth, long *width)
{
    *depth = *width = -1;
    for (size_t c = 0; c < a->n; c++) {
        const char *name = nn_csv_cell(t, 0, c);
        if (strcmp(name, "depth") == 0)
            *depth = (long)c;
        else if (strcmp(name, "width") == 0)
            *width = (long)c;
        else
            a->other[a->n_other++] = c;
    }
}

/* "width 8" for line w, and its style. */
static void line_style(const nn_csv_table *t, const nn_plot_groups *gw, size_t w, long width,
                       char *title, size_t title_len, char *spec, size_t spec_len)
{
    char color[8];
    nn_gp_ramp(w, gw->n, color);
    if (width >= 0)
        snprintf(title, title_len, "width %s", nn_csv_cell(t, gw->first[w], (size_t)width));
    else
        snprintf(title, title_len, "born dead");
    snprintf(spec, spec_len, "with linespoints lw 2.5 pt 7 ps 0.9 lc rgb '%s'", color);
}

/* Line w of panel p; titled when keyed (else the key has a panel of its own). */
static void born_line(nn_gp_fig *g, const nn_csv_table *t, const nn_plot_groups *gp, size_t p,
                      const nn_plot_groups *gw, size_t w, long width, const size_t col[2],
                      nn_plot_point *pts, int keyed)
{
    size_t row;
    size_t n = nn_plot_collect(t, gp, p, gw, w, col[0], col[1], -1, 100, pts, &row);
    if (n == 0)
        return;
    char spec[128], using[160], title[96], label[256];
    line_style(t, gw, w, width, title, sizeof title, spec, sizeof spec);
    nn_plot_group_label(t, gp, p, label, sizeof label);
    size_t idx = nn_gp_block(g, title, label, "depth born_dead(%)");
    for (size_t i = 0; i < n; i++)
        fprintf(g->dat, "%.9g %.6g\n", pts[i].x, pts[i].y);
    snprintf(using, sizeof using, "using 1:2 %s", spec);
    nn_gp_clause(g, (long)idx, using, keyed ? title : NULL);
}

/* The key alone in the grid's free slot: every panel has the same lines. */
static void key_panel(nn_gp_fig *g, const nn_csv_table *t, const nn_plot_groups *gw, long width)
{
    nn_gp_plot_done(g);
    fputs("    unset title\n    unset xlabel\n    unset ylabel\n    unset border\n"
          "    unset tics\n    unset grid\n    unset logscale x\n"
          "    set xrange [0:1]\n    set yrange [0:1]\n"
          "    set key center center reverse Left font ',13' spacing 1.4\n",
          g->gp);
    nn_gp_panel(g, "");
    for (size_t w = 0; w < gw->n; w++) {
        char spec[128], title[96];
        line_style(t, gw, w, width, title, sizeof title, spec, sizeof spec);
        nn_gp_clause(g, -1, spec, title);
    }
}

static void born_figure(nn_gp_fig *g, const nn_csv_table *t, const nn_plot_groups *gp,
                        const nn_plot_groups *gw, long width, const size_t col[2],
                        nn_plot_point *pts)
{
    double *xs = malloc(t->rows * sizeof *xs); /* NULL: no tics at the values */
    size_t n_xs = xs ? nn_plot_distinct(t, col[0], xs) : 0, rows, cols;
    int w, h;
    nn_gp_grid(gp->n, &rows, &cols);
    int slot = gp->n > 1; /* the key in a panel of its own, after the others */
    if (slot && rows * cols == gp->n)
        nn_gp_grid(gp->n + 1, &rows, &cols);
    nn_gp_size(rows, cols, &w, &h);
    nn_gp_begin(g->gp, g->name, "networks born with a dead layer against depth", w, h);
    nn_gp_x_axis(g->gp, xs, n_xs, "depth");
    fputs(
        "    set ylabel 'networks born with a dead layer (%)'\n"
        "    set yrange [-3:103]\n    set ytics 0,20,100\n    set grid lt 1 lw 1 lc rgb '#e4e4e4'\n"
        "    set key top left reverse Left\n",
        g->gp);
    long sc = nn_csv_col(t, "seeds");
    double seeds = sc >= 0 && t->rows > 1 ? nn_csv_num(t, 1, (size_t)sc) : NAN;
    char title[256];
    snprintf(title, sizeof title,
             "Born dead: networks with some activation layer entirely dead at initialization "
             "(%g networks per point)",
             seeds);
    if (!isfinite(seeds))
        snprintf(title, sizeof title,
                 "Born dead: networks with some activation layer entirely dead at "
                 "initialization");
    nn_gp_layout(g, rows, cols, title);
    for (size_t p = 0; p < gp->n; p++) {
        char label[256];
        nn_plot_group_label(t, gp, p, label, sizeof label);
        nn_gp_panel(g, label);
        for (size_t l = 0; l < gw->n; l++)
            born_line(g, t, gp, p, gw, l, width, col, pts, !slot);
    }
    if (slot)
        key_panel(g, t, gw, width);
    nn_gp_fig_end(g);
    free(xs);
}

nn_status nn_plot_born_dead(nn_plot_set *o, const nn_csv_table *t, nn_error *err)
{
    nn_plot_axes ax;
    size_t col[2]; /* depth, born_dead_frac */
    long depth, width;
    nn_status st = nn_plot_find_axes(t, "seeds", &ax, err);
    if (st == NN_OK)
        st = nn_plot_need_col(t, "born_dead_frac", &col[1], err);
    if (st != NN_OK)
        return st;
    split_axes(t, &ax, &depth, &width);
    if (depth < 0 || !nn_plot_col_numeric(t, (size_t)depth))
        return NN_OK; /* nothing to draw against */
    col[0] = (size_t)depth;
    size_t wcol = width >= 0 ? (size_t)width : 0;
    nn_plot_groups gp = {0}, gw = {0};
    nn_plot_point *pts = malloc(t->rows * sizeof *pts);
    if (!pts)
        return nn_fail(err, NN_ESYS, "out of memory");
    st = nn_plot_group(t, ax.other, ax.n_other, &gp, err);
    if (st == NN_OK)
        st = nn_plot_group(t, &wcol, width >= 0, &gw, err);
    if (st == NN_OK && width >= 0 && nn_plot_col_numeric(t, wcol))
        nn_plot_groups_sort(t, &gw);
    nn_gp_fig g;
    if (st == NN_OK && (st = nn_gp_fig_open(o, "born_dead", &g, err)) == NN_OK) {
        born_figure(&g, t, &gp, &gw, width, col, pts);
        st = nn_gp_fig_close(o, &g, st, err);
    }
    nn_plot_groups_free(&gp);
    nn_plot_groups_free(&gw);
    free(pts);
    return st;
}
