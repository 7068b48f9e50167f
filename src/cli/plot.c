/* plot.c - nntrain plot OUT_DIR [--units FILE] [--module I]: the arguments, then the
 * plot library (src/plot/plot.h) writes data and gnuplot scripts into OUT_DIR/plots/ and
 * runs gnuplot on each; the files written are printed, one a line. Without gnuplot on
 * PATH the scripts are still written (exit code 4) for the user to run later. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "plot/plot.h"

/* Prints o->dir/NAME.EXT for each plot and each extension. */
static void print_files(const nn_plot_set *o, const char *ext1, const char *ext2)
{
    for (size_t i = 0; i < o->n_names; i++)
        printf("%s/%s.%s\n%s/%s.%s\n", o->dir, o->names[i], ext1, o->dir, o->names[i], ext2);
    fflush(stdout);
}

/* gnuplot on every script; the images written are printed. */
static nn_status render(const nn_plot_set *o, nn_error *err)
{
    nn_status first = NN_OK;
    for (size_t i = 0; i < o->n_names; i++) {
        nn_error e = {0};
        nn_status st = nn_plot_render(o, i, &e);
        if (st == NN_OK)
            printf("%s/%s.png\n%s/%s.svg\n", o->dir, o->names[i], o->dir, o->names[i]);
        else if (first == NN_OK)
            first = nn_fail(err, st, "%s", e.msg);
    }
    fflush(stdout);
    return first;
}

static const char plot_usage[] =
    "usage: nntrain plot OUT_DIR [--units FILE] [--module I]\n"
    "\n"
    "Plots the output folder of nntrain sweep with gnuplot: dead units and test accuracy\n"
    "per epoch (epochs.csv), final dead units against the first numeric axis or the\n"
    "born-dead share against depth (summary.csv), and a unit x epoch heat map for each\n"
    "*.units.csv. Data and gnuplot scripts go to OUT_DIR/plots/, then PNG and SVG images;\n"
    "the files written are printed, one a line.\n"
    "\n"
    "  --units FILE   of the units files, this one only (path, or relative to OUT_DIR)\n"
    "  --module I     the heat maps of activation module I (default: each file's first)\n"
    "\n"
    "Exit codes: 0 done, 2 usage error, 3 missing or malformed input, 4 gnuplot not found\n"
    "or failed (the data and scripts are written all the same), or a file not written.\n";

typedef struct plot_args {
    const char *out_dir, *units;
    long module;
} plot_args;

/* -1 to go on, else the exit code (after one line on stderr for a usage error). */
static int plot_parse(int argc, char **argv, plot_args *a)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"units", required_argument, NULL, 'u'},
                                         {"module", required_argument, NULL, 'm'},
                                         {NULL, 0, NULL, 0}};
    int opt;
    char *end;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "-:h", opts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(plot_usage, stdout);
            return 0;
        } else if (opt == 1 && !a->out_dir) {
            a->out_dir = optarg;
        } else if (opt == 'u' && strncmp(optarg, "--", 2) != 0) { /* "--units --module" */
            a->units = optarg;
        } else if (opt == 'm' && optarg[0] >= '0' && optarg[0] <= '9' &&
                   (a->module = strtol(optarg, &end, 10)) >= 0 && *end == '\0') {
            continue;
        } else {
            const char *what = opt == 1     ? "is a second OUT_DIR (one expected)"
                               : opt == 'm' ? "is not a module index (0, 1, ...)"
                               : opt == ':' ? "needs a value"
                               : opt == 'u' ? "is not a file name (--units needs a value)"
                                            : "is not an option";
            cli_usage_error("plot: '%s' %s (see nntrain plot --help)",
                            opt == 1 || opt == 'm' || opt == 'u' ? optarg : argv[optind - 1], what);
            return NN_ECONFIG;
        }
    }
    if (!a->out_dir) {
        fputs("nntrain: plot: no OUT_DIR given (usage: nntrain plot OUT_DIR; see --help)\n",
              stderr);
        return NN_ECONFIG;
    }
    return -1;
}

int cli_plot_folder(const char *out_dir, const char *units, long module)
{
    nn_plot_set o;
    nn_error err = {0};
    nn_status st = nn_plot_write(&o, out_dir, units, module, &err);
    if (st == NN_OK && !nn_plot_have_gnuplot()) {
        print_files(&o, "gp", "dat");
        fprintf(stderr,
                "nntrain: gnuplot not found; install gnuplot-nox (apt-get install gnuplot-nox) "
                "to plot; the data and scripts are in %s/\n",
                o.dir);
        st = NN_ESYS;
    } else if (st == NN_OK) {
        st = render(&o, &err);
    }
    if (st != NN_OK && err.msg[0])
        fprintf(stderr, "nntrain: %s\n", err.msg);
    nn_plot_set_free(&o);
    return (int)st;
}

int cli_plot(int argc, char **argv)
{
    plot_args a = {.module = -1};
    int code = plot_parse(argc, argv, &a);
    return code >= 0 ? code : cli_plot_folder(a.out_dir, a.units, a.module);
}
