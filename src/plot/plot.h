/* plot.h - the plots of a sweep's output folder (nntrain plot, and a sweep when it ends).
 * Its CSVs become gnuplot data files and scripts in OUT_DIR/plots/ (nn_plot_write):
 * dead units and test accuracy per epoch (epochs.csv), the final dead units against the
 * first numeric axis or the born-dead share against depth (summary.csv), a unit x epoch
 * heat map per *.units.csv. Then gnuplot draws each script as PNG and SVG
 * (nn_plot_render). Nothing is printed: the caller lists what was written. */
#ifndef NN_PLOT_H
#define NN_PLOT_H

#include <stddef.h>

#include "sys/error.h"

/* Where the plots go and what was written there. */
typedef struct nn_plot_set {
    char *out_dir; /* the sweep's folder, as given, without a final '/' */
    char *dir;     /* out_dir/plots */
    char **names;  /* the plots written, by NAME: NAME.dat, NAME.gp in dir */
    size_t n_names;
} nn_plot_set;

/* Writes the data and script of every plot whose inputs are in out_dir. units: of the
 * *.units.csv files, this one only (a path, or relative to out_dir when not found as
 * given); NULL: every one under out_dir. module: the heat maps of that activation module
 * (< 0: each file's first). NN_EDATA when out_dir is not a folder, holds nothing to plot,
 * or an input is missing or malformed; NN_ESYS when a file cannot be written. p lists
 * what was written, also on failure; nn_plot_set_free frees it. */
nn_status nn_plot_write(nn_plot_set *p, const char *out_dir, const char *units, long module,
                        nn_error *err);

/* 1 when an executable gnuplot is in a folder of $PATH. */
int nn_plot_have_gnuplot(void);

/* Runs gnuplot on plot i's script in p->dir (it writes NAME.png and NAME.svg there);
 * NN_ESYS with gnuplot's last line of error when it fails. */
nn_status nn_plot_render(const nn_plot_set *p, size_t i, nn_error *err);

void nn_plot_set_free(nn_plot_set *p);

#endif
