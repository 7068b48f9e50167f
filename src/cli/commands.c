/* commands.c - the subcommands, once main has parsed their arguments: a training run,
 * check-data (both on a loaded config) and export-images. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/export.h"

/* Set by SIGINT or SIGTERM; static because a signal handler can reach nothing else. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_signal = 1;
}

static const int stop_signals[2] = {SIGINT, SIGTERM};

/* SIGINT and SIGTERM set stop_signal, once: SA_RESETHAND restores the default action on
 * entry, so a second Ctrl-C kills; SA_RESTART keeps reads going. A signal ignored when we
 * start (nohup, a script's "cmd &") stays ignored. old[] gets the actions as they were. */
volatile sig_atomic_t *cli_catch_stop(struct sigaction old[2])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    memset(old, 0, 2 * sizeof *old); /* SIG_DFL */
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    for (int i = 0; i < 2; i++)
        if (sigaction(stop_signals[i], NULL, &old[i]) == 0 && old[i].sa_handler != SIG_IGN)
            sigaction(stop_signals[i], &sa, NULL);
    return &stop_signal;
}

void cli_restore_stop(const struct sigaction old[2])
{
    for (int i = 0; i < 2; i++)
        sigaction(stop_signals[i], &old[i], NULL);
}

nn_status cli_train(const nn_config *cfg, const nn_hooks *hooks, nn_error *err)
{
    const cli_display *d = hooks->ctx;
    nn_hooks h = *hooks;
    struct sigaction old[2];
    h.stop = cli_catch_stop(old); /* the run ends with NN_EINTR (exit code 130) once set */
    nn_status st = nn_train(cfg, &h, err);
    cli_restore_stop(old);
    if (st == NN_OK && !d->quiet && strcmp(cfg->csv, "-") != 0)
        fprintf(stderr, "wrote %s\n", cfg->csv);
    return st;
}

nn_data_env cli_data_env(void)
{
    nn_data_env env = {getenv("NNTRAIN_DATA"), getenv("XDG_DATA_HOME"), getenv("HOME")};
    return env;
}

int cli_run(const cli_args *a, cli_command cmd)
{
    cli_display d = {.quiet = a->quiet};
    nn_config cfg;
    nn_error err = {0};
    nn_status st = nn_config_load(&cfg, a->config, a->sets, a->n_sets, &err);
    if (st == NN_OK) {
        if (a->csv)
            st = nn_config_set_csv(&cfg, a->csv, &err);
        if (st == NN_OK)
            st = nn_config_set_command(&cfg, a->argc, a->argv, &err);
        if (st == NN_OK && a->resume)
            st = nn_config_set_resume(&cfg, a->resume, &err);
        nn_data_env env = cli_data_env();
        if (st == NN_OK)
            st = nn_config_locate_data(&cfg, &env, &err);
        d.tty = isatty(STDERR_FILENO);
        nn_hooks hooks = cli_hooks(&d);
        if (st == NN_OK)
            st = cmd(&cfg, &hooks, &err);
        nn_config_free(&cfg);
    }
    if (st != NN_OK)
        cli_error(&d, &err);
    return (int)st;
}

int cli_export_images(const char *images, const char *labels, const char *out_dir)
{
    cli_display d = {.tty = isatty(STDERR_FILENO)};
    nn_dataset ds = {0}; /* freed on every path, loaded or not */
    nn_error err = {0};
    nn_status st = nn_export_check_out(out_dir, images, labels, &err);
    if (st == NN_OK)
        st = nn_idx_load(&ds, images, labels, 0, &err);
    if (st == NN_OK)
        st = nn_export_png(&ds, out_dir, 0, cli_export_progress, &d, &err);
    if (st == NN_OK)
        fprintf(stderr, "wrote %zu PNGs (%zux%zu, %zu classes) to %s/<label>/<index>.png\n", ds.n,
                ds.rows, ds.cols, ds.n_classes, out_dir);
    else
        cli_error(&d, &err);
    nn_dataset_free(&ds);
    return (int)st;
}
