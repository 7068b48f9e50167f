/* cli.h - the command line's parts: the parsed arguments (main.c), the progress display
 * on stderr (progress.c) and the subcommands (commands.c). */
#ifndef NN_CLI_H
#define NN_CLI_H

#include <signal.h>

#include "nntrain.h"

/* What main parsed for a training run or check-data. */
typedef struct cli_args {
    const char *config, *csv, *resume;
    const char **sets; /* --set overrides in command-line order (--epochs etc. included) */
    size_t n_sets;
    char (*owned)[64]; /* storage of the overrides --epochs, --seed and --threads make */
    int quiet;
    int argc; /* the whole command line, which the run records (nn_config.command) */
    char **argv;
} cli_args;

/* The progress display: nothing but errors when quiet, bars only on a terminal. */
typedef struct cli_display {
    int quiet, tty;
} cli_display;

/* Hooks that print to stderr through d: lines, load and batch bars, one line an epoch. */
nn_hooks cli_hooks(cli_display *d);
/* The export's progress bar (nn_export_png's callback; ctx is a cli_display). */
void cli_export_progress(void *ctx, size_t done, size_t total);
/* Prints "nntrain: <err>" on stderr, first clearing a progress bar on a terminal. */
void cli_error(const cli_display *d, const nn_error *err);

/* $NNTRAIN_DATA, $XDG_DATA_HOME and $HOME: where a config's data/ paths are looked up
 * when the current directory has no such file (data/locate.h). */
nn_data_env cli_data_env(void);
/* "nntrain: <message>" on stderr for a bad command line, escaped as nn_fail escapes (an
 * argument with a newline or an escape sequence in it stays on one visible line). */
void cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A subcommand that works on a loaded config: nn_check_data, or cli_train. */
typedef nn_status (*cli_command)(const nn_config *cfg, const nn_hooks *hooks, nn_error *err);

/* nntrain CONFIG: nn_train, then "wrote <csv>" (hooks->ctx is the cli_display). */
nn_status cli_train(const nn_config *cfg, const nn_hooks *hooks, nn_error *err);
/* Loads a's config, applies --csv and runs cmd with the display's hooks; the exit code. */
int cli_run(const cli_args *a, cli_command cmd);
/* nntrain export-images IDX_IMAGES IDX_LABELS OUT_DIR; the exit code. */
int cli_export_images(const char *images, const char *labels, const char *out_dir);

/* SIGINT and SIGTERM set the returned flag (cleared here), once: a second one kills. A
 * signal ignored at start stays ignored. old[] gets the actions to restore. */
volatile sig_atomic_t *cli_catch_stop(struct sigaction old[2]);
void cli_restore_stop(const struct sigaction old[2]);

/* nntrain sweep SWEEP.json [options] (argv[0] is "sweep"); self: this program's path for
 * the commands --print-jobs prints. The exit code. */
int cli_sweep(int argc, char **argv, const char *self);
/* nntrain eval CHECKPOINT [options] and nntrain predict CHECKPOINT INPUT... [options]
 * (eval.c; argv[0] is the subcommand); the exit code. */
int cli_eval(int argc, char **argv);
int cli_predict(int argc, char **argv);
/* nntrain fetch mnist [--source DIR|URL] [--dest DIR] (fetch.c; argv[0] is "fetch"):
 * execs the fetch script; returns only when it cannot (the exit code). */
int cli_fetch(int argc, char **argv);
/* nntrain plot OUT_DIR [--units FILE] [--module I] (plot.c); the exit code. */
int cli_plot(int argc, char **argv);
/* The plots of out_dir (units, module: as --units, --module; NULL, -1: none given) drawn
 * by the plot library, the files written printed one a line and a failure on stderr; the
 * exit code. nntrain plot and a sweep when it ends both draw through it. */
int cli_plot_folder(const char *out_dir, const char *units, long module);

#endif
