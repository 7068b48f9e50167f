/* draw.h - what the files of src/plot/ share (plot.h is what callers use): plot.c
 * writes and renders the set (plot.h), groups.c groups a CSV's rows into panels and
 * lines, gp.c writes what every script shares; sweep.c draws epochs.csv (and dispatches
 * summary.csv), vs.c a training summary, born.c a born-dead summary, units.c the unit
 * heat maps. The CSVs are read by run/csv_read.h.
 *
 * Each plot NAME is NAME.dat (the numbers, already aggregated and reshaped) and NAME.gp
 * (reads NAME.dat; run in OUT_DIR/plots it writes NAME.png and NAME.svg). */
#ifndef NN_PLOT_DRAW_H
#define NN_PLOT_DRAW_H

#include <stddef.h>
#include <stdio.h>

#include "plot/plot.h"
#include "run/csv_read.h"
#include "sys/error.h"

/* Every data row of column c holds a finite number. */
int nn_plot_col_numeric(const nn_csv_table *t, size_t c);
/* The row of t whose axis fields (columns 0..n_axes-1, by name) equal those of row r of
 * src, or 0 when none does. */
size_t nn_plot_match_row(const nn_csv_table *t, const nn_csv_table *src, size_t r, size_t n_axes);

/* The data rows of a CSV grouped by their fields in some columns, in order of first
 * appearance (or sorted by number with nn_plot_groups_sort). */
typedef struct nn_plot_groups {
    size_t n;
    size_t *of;    /* the group of row r (row 0, the header, is in none) */
    size_t *first; /* a row of group k, where its fields are read */
    const size_t *cols;
    size_t n_cols;
} nn_plot_groups;

/* Groups t's data rows by cols[0..n_cols) (no column: one group); cols must outlive g. */
nn_status nn_plot_group(const nn_csv_table *t, const size_t *cols, size_t n_cols, nn_plot_groups *g,
                        nn_error *err);
/* Sorts the groups by the number in their first column. */
void nn_plot_groups_sort(const nn_csv_table *t, nn_plot_groups *g);
void nn_plot_groups_free(nn_plot_groups *g);
/* "lr = 0.1, momentum = 0.9" for group k ("" when grouped by no column); an activation
 * by its name alone ("relu, width = 8"). */
void nn_plot_group_label(const nn_csv_table *t, const nn_plot_groups *g, size_t k, char *buf,
                         size_t len);

/* One point of a line: x, y and its band or error bar (lo..hi, or err). */
typedef struct nn_plot_point {
    double x, y, lo, hi, err;
} nn_plot_point;

/* A sweep CSV's axes: the columns before `end` ("seeds" or "epoch"), activation first. */
enum { NN_PLOT_MAX_AXES = 32 };
typedef struct nn_plot_axes {
    size_t n;
    size_t other[NN_PLOT_MAX_AXES]; /* the columns of the panels */
    size_t n_other;
} nn_plot_axes;

double nn_plot_clamp(double v, double lo, double hi);
/* The points of panel p (groups gp), line l (groups gl): x from column xc, y = scale x
 * column yc, err = scale x column ec (none when ec < 0; 0 when empty), lo..hi = y -+ err
 * within [0, 100]; sorted by x, rows without a y left out. *row is a row of the pair
 * (0: none). pts holds t->rows points. */
size_t nn_plot_collect(const nn_csv_table *t, const nn_plot_groups *gp, size_t p,
                       const nn_plot_groups *gl, size_t l, size_t xc, size_t yc, long ec,
                       double scale, nn_plot_point *pts, size_t *row);
/* The distinct numbers of column c, sorted, into xs (t->rows entries); their count. */
size_t nn_plot_distinct(const nn_csv_table *t, size_t c, double *xs);
/* The axes of a sweep CSV: the columns before end ("seeds", "epoch"), activation first;
 * a->other left empty. NN_EDATA when the header is not a sweep's. */
nn_status nn_plot_find_axes(const nn_csv_table *t, const char *end, nn_plot_axes *a, nn_error *err);
/* The column named name, or NN_EDATA naming it. */
nn_status nn_plot_need_col(const nn_csv_table *t, const char *name, size_t *c, nn_error *err);
/* s made safe in a file name: letters, digits, '.', '-' and '_' kept, others '_'. */
void nn_plot_safe_name(const char *s, char *out, size_t len);

/* Opens dir/NAME.EXT for writing. */
FILE *nn_plot_open(const nn_plot_set *o, const char *name, const char *ext, nn_error *err);
/* Closes f (when not NULL), reporting a failed write; st is returned when not NN_OK. */
nn_status nn_plot_close(FILE *f, const nn_plot_set *o, const char *name, const char *ext,
                        nn_status st, nn_error *err);
/* Records that plot name was written. */
nn_status nn_plot_add(nn_plot_set *o, const char *name, nn_error *err);

/* The pieces of a script (gp.c). */
/* s as a gnuplot string in single quotes ('' for a quote, control characters as spaces). */
void nn_gp_str(FILE *f, const char *s);
/* s with control characters as spaces (a comment line of a .dat or .gp file). */
void nn_gp_text(FILE *f, const char *s);
/* The start of NAME.gp, up to inside the loop that draws the figure twice (PNG, SVG) at
 * width x height pixels; what says in a comment what the plot shows. */
void nn_gp_begin(FILE *f, const char *name, const char *what, int width, int height);
/* Closes what nn_gp_begin opened. */
void nn_gp_end(FILE *f);
/* The colour of line i: categorical (activations); of line i of n: sequential (widths). */
const char *nn_gp_color(size_t i);
void nn_gp_ramp(size_t i, size_t n, char out[8]);
/* A grid of at least n panels: one row up to 3, else about square. */
void nn_gp_grid(size_t n, size_t *rows, size_t *cols);
/* The x axis over the sorted values xs is logarithmic: they span 10x or more, all > 0. */
int nn_gp_log_x(const double *xs, size_t n);
/* x moved sideways by k steps of 1.2% of the axis (linear or log), so that points of
 * several lines at one x stand apart. */
double nn_gp_dodge(double x, double k, const double *xs, size_t n);
/* The figure's size in pixels for that grid. */
void nn_gp_size(size_t rows, size_t cols, int *width, int *height);
/* A round number >= 1.05 v for an axis' end: 1, 2, 2.5 or 5 x 10^k, at most cap. */
double nn_gp_nice_max(double v, double cap);
/* x axis over the sorted distinct values xs: log scale when they span 10x or more (all
 * positive), tics at the values when there are few. */
void nn_gp_x_axis(FILE *f, const double *xs, size_t n, const char *label);

/* A figure being written: NAME.dat and NAME.gp side by side. */
typedef struct nn_gp_fig {
    const char *name;
    FILE *dat, *gp;
    size_t blocks;  /* blocks in dat so far: the index of the next one */
    size_t clauses; /* clauses of the current plot command */
} nn_gp_fig;

/* Opens NAME.dat and NAME.gp; nn_gp_fig_close closes them (st: the status so far) and
 * records the plot. */
nn_status nn_gp_fig_open(const nn_plot_set *o, const char *name, nn_gp_fig *g, nn_error *err);
nn_status nn_gp_fig_close(nn_plot_set *o, nn_gp_fig *g, nn_status st, nn_error *err);
/* Starts a block of NAME.dat headed by "# what, label" and its columns; its index. */
size_t nn_gp_block(nn_gp_fig *g, const char *what, const char *label, const char *columns);
/* The next clause of the panel's plot command, reading block idx (-1: a key entry only,
 * no data); spec is the rest ("using 1:2 with lines ..."); no title: notitle. */
void nn_gp_clause(nn_gp_fig *g, long idx, const char *spec, const char *title);
/* Ends the plot command being written (before settings for the next panel). */
void nn_gp_plot_done(nn_gp_fig *g);
/* A new panel with this title. */
void nn_gp_panel(nn_gp_fig *g, const char *title);
/* The multiplot of rows x cols panels under the figure's title. */
void nn_gp_layout(nn_gp_fig *g, size_t rows, size_t cols, const char *title);
/* Ends the last panel and the script (nn_gp_end). */
void nn_gp_fig_end(nn_gp_fig *g);

/* The plots of one kind, each 0 or more files; NN_OK when their inputs are absent. */
nn_status nn_plot_sweep(nn_plot_set *o, nn_error *err);
/* From summary.csv (nn_plot_sweep calls them): dead_vs_<axis> of a training sweep
 * (vs.c), born_dead of a born-dead sweep (born.c). */
nn_status nn_plot_dead_vs(nn_plot_set *o, const nn_csv_table *sum, nn_error *err);
nn_status nn_plot_born_dead(nn_plot_set *o, const nn_csv_table *sum, nn_error *err);
/* The heat maps of only_file, or of every *.units.csv under OUT_DIR when it is NULL;
 * module < 0: each file's first module. */
nn_status nn_plot_units(nn_plot_set *o, const char *only_file, long module, nn_error *err);

#endif
