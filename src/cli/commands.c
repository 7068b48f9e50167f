/* commands.c - the subcommands, once main has parsed their arguments: a training run,
 * check-data (both on a loaded config) and export-images. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/export.h"

nn_status cli_train(const nn_config *cfg, const nn_hooks *hooks, nn_error *err)
{
    const cli_display *d = hooks->ctx;
    nn_status st = nn_train(cfg, hooks, err);
    if (st == NN_OK && !d->quiet && strcmp(cfg->csv, "-") != 0)
        fprintf(stderr, "wrote %s\n", cfg->csv);
    return st;
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
    nn_dataset ds;
    nn_error err = {0};
    nn_status st = nn_idx_load(&ds, images, labels, 0, &err);
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
