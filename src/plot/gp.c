/* gp.c - what every gnuplot script of nntrain plot shares: strings, the two
 * terminals (PNG through cairo when gnuplot has it, SVG), colours, panel grids, axes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/draw.h"

static void put_text(FILE *f, const char *s, int quoted)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'' && quoted)
            fputs("''", f);
        else
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
    }
}

void nn_gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    put_text(f, s, 1);
    fputc('\'', f);
}

void nn_gp_text(FILE *f, const char *s)
{
    put_text(f, s, 0);
}

/* Text is drawn as typed (noenhanced: "leaky_relu" keeps its underscore); UTF-8 for the
 * "±" of the titles. The PNG is drawn by cairo when this gnuplot has it (antialiased),
 * else by libgd; the SVG has a white background like the PNG. */
void nn_gp_begin(FILE *f, const char *name, const char *what, int width, int height)
{
    fprintf(f,
            "# %s.gp - written by nntrain plot: %s.\n"
            "# Reads %s.dat; run it in this folder: gnuplot %s.gp (writes %s.png and %s.svg).\n"
            "reset\n"
            "set encoding utf8\n"
            "do for [format in 'png svg'] {\n"
            "    if (format eq 'png') {\n"
            "        if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
            "            set terminal pngcairo size %d,%d noenhanced font 'Sans,11'\n"
            "        } else {\n"
            "            set terminal png size %d,%d noenhanced\n"
            "        }\n"
            "    } else {\n"
            "        set terminal svg size %d,%d noenhanced font 'Sans,11' fontscale 1.3 "
            "background rgb 'white'\n"
            "    }\n"
            "    set output '%s.'.format\n",
            name, what, name, name, name, name, width, height, width, height, width, height, name);
}

void nn_gp_end(FILE *f)
{
    fputs("    unset multiplot\n"
          "    set output\n"
          "}\n",
          f);
}

/* Distinct at a glance and for most colour-blind readers (Tableau 10, red kept for last:
 * the failure markers are black). */
static const char *const categorical[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                          "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"};

const char *nn_gp_color(size_t i)
{
    return categorical[i % (sizeof categorical / sizeof categorical[0])];
}

/* Viridis from dark purple to green, stopping before its pale yellow end. */
void nn_gp_ramp(size_t i, size_t n, char out[8])
{
    static const unsigned char stops[][3] = {{0x44, 0x01, 0x54},
                                             {0x3b, 0x52, 0x8b},
                                             {0x21, 0x91, 0x8c},
                                             {0x5e, 0xc9, 0x62},
                                             {0xa0, 0xda, 0x39}};
    const size_t last = sizeof stops / sizeof stops[0] - 1;
    double t = n > 1 ? (double)i / (double)(n - 1) * (double)last : 0.0;
    size_t k = (size_t)t < last ? (size_t)t : last - 1;
    double u = t - (double)k;
    unsigned rgb[3];
    for (int c = 0; c < 3; c++)
        rgb[c] = (unsigned)lround(stops[k][c] + u * (stops[k + 1][c] - stops[k][c]));
    snprintf(out, 8, "#%02x%02x%02x", rgb[0] & 0xff, rgb[1] & 0xff, rgb[2] & 0xff);
}

void nn_gp_grid(size_t n, size_t *rows, size_t *cols)
{
    if (n <= 3) {
        *rows = 1;
        *cols = n ? n : 1;
        return;
    }
    *cols = (size_t)ceil(sqrt((double)n));
    *rows = (n + *cols - 1) / *cols;
}

void nn_gp_size(size_t rows, size_t cols, int *width, int *height)
{
    *width = cols == 1 ? 860 : (int)(cols * 560); /* one panel: room for the title */
    *height = (int)(rows * (cols == 1 ? 560 : 420)) + 50;
}

double nn_gp_nice_max(double v, double cap)
{
    double top = v * 1.05;
    if (!(top > 0))
        return cap < 1 ? cap : 1;
    double p = pow(10, floor(log10(top)));
    static const double m[] = {1, 2, 2.5, 5, 10};
    size_t i = 0;
    while (m[i] * p < top)
        i++;
    return m[i] * p < cap ? m[i] * p : cap;
}

int nn_gp_log_x(const double *xs, size_t n)
{
    return n >= 2 && xs[0] > 0 && xs[n - 1] / xs[0] >= 10;
}

double nn_gp_dodge(double x, double k, const double *xs, size_t n)
{
    if (n < 2)
        return x;
    if (nn_gp_log_x(xs, n))
        return x * pow(xs[n - 1] / xs[0], 0.012 * k);
    return x + (xs[n - 1] - xs[0]) * 0.012 * k;
}

void nn_gp_x_axis(FILE *f, const double *xs, size_t n, const char *label)
{
    fputs("    set xlabel ", f);
    nn_gp_str(f, label);
    fputc('\n', f);
    if (n == 0)
        return;
    double lo = xs[0], hi = xs[n - 1];
    if (nn_gp_log_x(xs, n)) {
        double pad = pow(hi / lo, 0.06);
        fprintf(f, "    set logscale x\n    set xrange [%.9g:%.9g]\n", lo / pad, hi * pad);
    } else {
        double pad = hi > lo ? (hi - lo) * 0.05 : fabs(lo) * 0.1 + 0.5;
        fprintf(f, "    unset logscale x\n    set xrange [%.9g:%.9g]\n", lo - pad, hi + pad);
    }
    if (n > 12) {
        fputs("    set xtics autofreq\n", f);
        return;
    }
    fputs("    set xtics (", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s'%g' %.9g", i ? ", " : "", xs[i], xs[i]);
    fputs(")\n", f);
}

nn_status nn_gp_fig_open(const nn_plot_set *o, const char *name, nn_gp_fig *g, nn_error *err)
{
    memset(g, 0, sizeof *g);
    g->name = name;
    if (!(g->dat = nn_plot_open(o, name, "dat", err)))
        return err->code;
    if (!(g->gp = nn_plot_open(o, name, "gp", err))) {
        fclose(g->dat);
        return err->code;
    }
    fprintf(g->dat,
            "# %s.dat - written by nntrain plot for %s.gp: blocks of points, "
            "values in percent\n",
            name, name);
    return NN_OK;
}

nn_status nn_gp_fig_close(nn_plot_set *o, nn_gp_fig *g, nn_status st, nn_error *err)
{
    st = nn_plot_close(g->dat, o, g->name, "dat", st, err);
    st = nn_plot_close(g->gp, o, g->name, "gp", st, err);
    return st == NN_OK ? nn_plot_add(o, g->name, err) : st;
}

/* Starts a block of dat headed by a comment; returns its index. */
size_t nn_gp_block(nn_gp_fig *g, const char *what, const char *label, const char *columns)
{
    fputs("\n\n# ", g->dat);
    nn_gp_text(g->dat, what);
    fputs(*label ? ", " : "", g->dat);
    nn_gp_text(g->dat, label);
    fprintf(g->dat, "\n# %s\n", columns);
    return g->blocks++;
}

/* The next clause of the current plot command, reading block idx (-1: no data, a key
 * entry only); spec is the rest ("using 1:2 with lines ..."). */
void nn_gp_clause(nn_gp_fig *g, long idx, const char *spec, const char *title)
{
    fputs(g->clauses++ ? ", \\\n         " : "    plot ", g->gp);
    if (idx >= 0)
        fprintf(g->gp, "'%s.dat' index %ld %s", g->name, idx, spec);
    else
        fprintf(g->gp, "NaN %s", spec);
    if (title) {
        fputs(" title ", g->gp);
        nn_gp_str(g->gp, title);
    } else {
        fputs(" notitle", g->gp);
    }
}

void nn_gp_plot_done(nn_gp_fig *g)
{
    if (g->clauses)
        fputc('\n', g->gp);
    g->clauses = 0;
}

void nn_gp_panel(nn_gp_fig *g, const char *title)
{
    nn_gp_plot_done(g);
    fputs("    set title ", g->gp);
    nn_gp_str(g->gp, title);
    fputs(" font ',12'\n", g->gp);
}

void nn_gp_layout(nn_gp_fig *g, size_t rows, size_t cols, const char *title)
{
    fprintf(g->gp, "    set multiplot layout %zu,%zu title ", rows, cols);
    nn_gp_str(g->gp, title);
    fputs(" font ',15'\n", g->gp);
}

void nn_gp_fig_end(nn_gp_fig *g)
{
    nn_gp_plot_done(g);
    nn_gp_end(g->gp);
}
