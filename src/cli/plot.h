/* plot.h - nntrain plot OUT_DIR: a sweep's CSVs become gnuplot data files, scripts and
 * images in OUT_DIR/plots/. plot.c is the command (arguments, inputs, running gnuplot),
 * plot_csv.c reads and groups the CSVs, plot_gp.c writes what every script shares;
 * plot_sweep.c draws epochs.csv (and dispatches summary.csv), plot_vs.c a training
 * summary, plot_born.c a born-dead summary, plot_units.c the unit heat maps.
 *
 * Each plot NAME is NAME.dat (the numbers, already aggregated and reshaped) and NAME.gp
 * (reads NAME.dat; run in OUT_DIR/plots it writes NAME.png and NAME.svg). */
#ifndef NN_CLI_PLOT_H
#define NN_CLI_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "sys/error.h"

/* A CSV file cut into fields in place (no quoting): row 0 is the header, every row has
 * the header's number of fields. */
typedef struct plot_csv {
    char *path;
    char *text;
    char **cell; /* rows x cols */
    size_t rows, cols;
} plot_csv;

/* Reads path; NN_EDATA (a missing file, a row with a wrong field count) or NN_ESYS. */
nn_status plot_csv_read(plot_csv *t, const char *path, nn_error *err);
void plot_csv_free(plot_csv *t);
/* The field of row r (0 = header), column c. */
const char *plot_cell(const plot_csv *t, size_t r, size_t c);
/* The column named name, or -1. */
long plot_col(const plot_csv *t, const char *name);
/* The field as a number: NAN when empty or not a number. */
double plot_num(const plot_csv *t, size_t r, size_t c);
/* Every data row of column c holds a finite number. */
int plot_col_numeric(const plot_csv *t, size_t c);
/* The row of t whose axis fields (columns 0..n_axes-1, by name) equal those of row r of
 * src, or 0 when none does. */
size_t plot_match_row(const plot_csv *t, const plot_csv *src, size_t r, size_t n_axes);

/* The data rows of a CSV grouped by their fields in some columns, in order of first
 * appearance (or sorted by number with plot_groups_sort). */
typedef struct plot_groups {
    size_t n;
    size_t *of;    /* the group of row r (row 0, the header, is in none) */
    size_t *first; /* a row of group k, where its fields are read */
    const size_t *cols;
    size_t n_cols;
} plot_groups;

/* Groups t's data rows by cols[0..n_cols) (no column: one group); cols must outlive g. */
nn_status plot_group(const plot_csv *t, const size_t *cols, size_t n_cols, plot_groups *g,
                     nn_error *err);
/* Sorts the groups by the number in their first column. */
void plot_groups_sort(const plot_csv *t, plot_groups *g);
void plot_groups_free(plot_groups *g);
/* "lr = 0.1, momentum = 0.9" for group k ("" when grouped by no column); an activation
 * by its name alone ("relu, width = 8"). */
void plot_group_label(const plot_csv *t, const plot_groups *g, size_t k, char *buf, size_t len);

/* One point of a line: x, y and its band or error bar (lo..hi, or err). */
typedef struct plot_point {
    double x, y, lo, hi, err;
} plot_point;

/* A sweep CSV's axes: the columns before `end` ("seeds" or "epoch"), activation first. */
enum { PLOT_MAX_AXES = 32 };
typedef struct plot_axes {
    size_t n;
    size_t other[PLOT_MAX_AXES]; /* the columns of the panels */
    size_t n_other;
} plot_axes;

double plot_clamp(double v, double lo, double hi);
/* The points of panel p (groups gp), line l (groups gl): x from column xc, y = scale x
 * column yc, err = scale x column ec (none when ec < 0; 0 when empty), lo..hi = y -+ err
 * within [0, 100]; sorted by x, rows without a y left out. *row is a row of the pair
 * (0: none). pts holds t->rows points. */
size_t plot_collect(const plot_csv *t, const plot_groups *gp, size_t p, const plot_groups *gl,
                    size_t l, size_t xc, size_t yc, long ec, double scale, plot_point *pts,
                    size_t *row);
/* The distinct numbers of column c, sorted, into xs (t->rows entries); their count. */
size_t plot_distinct(const plot_csv *t, size_t c, double *xs);
/* The axes of a sweep CSV: the columns before end ("seeds", "epoch"), activation first;
 * a->other left empty. NN_EDATA when the header is not a sweep's. */
nn_status plot_find_axes(const plot_csv *t, const char *end, plot_axes *a, nn_error *err);
/* The column named name, or NN_EDATA naming it. */
nn_status plot_need_col(const plot_csv *t, const char *name, size_t *c, nn_error *err);
/* s made safe in a file name: letters, digits, '.', '-' and '_' kept, others '_'. */
void plot_safe_name(const char *s, char *out, size_t len);

/* Where the plots go and what was written there. */
typedef struct plot_out {
    const char *out_dir; /* the sweep's folder, as given */
    const char *dir;     /* out_dir/plots */
    char **names;        /* the plots written, by NAME */
    size_t n_names;
} plot_out;

/* Opens dir/NAME.EXT for writing. */
FILE *plot_open(const plot_out *o, const char *name, const char *ext, nn_error *err);
/* Closes f (when not NULL), reporting a failed write; st is returned when not NN_OK. */
nn_status plot_close(FILE *f, const plot_out *o, const char *name, const char *ext, nn_status st,
                     nn_error *err);
/* Records that plot name was written. */
nn_status plot_add(plot_out *o, const char *name, nn_error *err);

/* The pieces of a script (plot_gp.c). */
/* s as a gnuplot string in single quotes ('' for a quote, control characters as spaces). */
void gp_str(FILE *f, const char *s);
/* s with control characters as spaces (a comment line of a .dat or .gp file). */
void gp_text(FILE *f, const char *s);
/* The start of NAME.gp, up to inside the loop that draws the figure twice (PNG, SVG) at
 * width x height pixels; what says in a comment what the plot shows. */
void gp_begin(FILE *f, const char *name, const char *what, int width, int height);
/* Closes what gp_begin opened. */
void gp_end(FILE *f);
/* The colour of line i: categorical (activations); of line i of n: sequential (widths). */
const char *gp_color(size_t i);
void gp_ramp(size_t i, size_t n, char out[8]);
/* A grid of at least n panels: one row up to 3, else about square. */
void gp_grid(size_t n, size_t *rows, size_t *cols);
/* The x axis over the sorted values xs is logarithmic: they span 10x or more, all > 0. */
int gp_log_x(const double *xs, size_t n);
/* x moved sideways by k steps of 1.2% of the axis (linear or log), so that points of
 * several lines at one x stand apart. */
double gp_dodge(double x, double k, const double *xs, size_t n);
/* The figure's size in pixels for that grid. */
void gp_size(size_t rows, size_t cols, int *width, int *height);
/* A round number >= 1.05 v for an axis' end: 1, 2, 2.5 or 5 x 10^k, at most cap. */
double gp_nice_max(double v, double cap);
/* x axis over the sorted distinct values xs: log scale when they span 10x or more (all
 * positive), tics at the values when there are few. */
void gp_x_axis(FILE *f, const double *xs, size_t n, const char *label);

/* A figure being written: NAME.dat and NAME.gp side by side. */
typedef struct gp_fig {
    const char *name;
    FILE *dat, *gp;
    size_t blocks;  /* blocks in dat so far: the index of the next one */
    size_t clauses; /* clauses of the current plot command */
} gp_fig;

/* Opens NAME.dat and NAME.gp; gp_fig_close closes them (st: the status so far) and
 * records the plot. */
nn_status gp_fig_open(const plot_out *o, const char *name, gp_fig *g, nn_error *err);
nn_status gp_fig_close(plot_out *o, gp_fig *g, nn_status st, nn_error *err);
/* Starts a block of NAME.dat headed by "# what, label" and its columns; its index. */
size_t gp_block(gp_fig *g, const char *what, const char *label, const char *columns);
/* The next clause of the panel's plot command, reading block idx (-1: a key entry only,
 * no data); spec is the rest ("using 1:2 with lines ..."); no title: notitle. */
void gp_clause(gp_fig *g, long idx, const char *spec, const char *title);
/* Ends the plot command being written (before settings for the next panel). */
void gp_plot_done(gp_fig *g);
/* A new panel with this title. */
void gp_panel(gp_fig *g, const char *title);
/* The multiplot of rows x cols panels under the figure's title. */
void gp_layout(gp_fig *g, size_t rows, size_t cols, const char *title);
/* Ends the last panel and the script (gp_end). */
void gp_fig_end(gp_fig *g);

/* The plots of one kind, each 0 or more files; NN_OK when their inputs are absent. */
nn_status plot_sweep(plot_out *o, nn_error *err);
/* From summary.csv (plot_sweep calls them): dead_vs_<axis> of a training sweep
 * (plot_vs.c), born_dead of a born-dead sweep (plot_born.c). */
nn_status plot_dead_vs(plot_out *o, const plot_csv *sum, nn_error *err);
nn_status plot_born_dead(plot_out *o, const plot_csv *sum, nn_error *err);
/* The heat maps of only_file, or of every *.units.csv under OUT_DIR when it is NULL;
 * module < 0: each file's first module. */
nn_status plot_units(plot_out *o, const char *only_file, long module, nn_error *err);

#endif
