/* main.c - the command line: arguments, progress on stderr, exit codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "data/image_folder.h"
#include "data/load.h"
#include "run/train.h"

#define NNTRAIN_VERSION "0.1.0"

static const char usage[] =
    "usage: nntrain CONFIG [--epochs N] [--seed N] [--threads N] [--csv PATH]\n"
    "               [--set KEY=VALUE]... [--quiet] [--help] [--version]\n"
    "       nntrain check-data CONFIG [--set KEY=VALUE]...\n"
    "       nntrain export-images IDX_IMAGES IDX_LABELS OUT_DIR\n"
    "\n"
    "Trains the network described by the JSON file CONFIG and writes one CSV row per\n"
    "epoch (loss, accuracy, dead units per activation module).\n"
    "check-data loads the data sets CONFIG names, reports what was loaded (and what was\n"
    "not) with the load times, and trains nothing. export-images writes an IDX data set\n"
    "as PNG files OUT_DIR/<label>/<index>.png (OUT_DIR: new or empty).\n"
    "\n"
    "  --epochs N        same as --set train.epochs=N\n"
    "  --seed N          same as --set seed=N\n"
    "  --threads N       same as --set train.threads=N (0 = all cores, the default);\n"
    "                    results are bit-identical for any N\n"
    "  --csv PATH        write the CSV to PATH ('-' = stdout) instead of output.csv\n"
    "  --set KEY=VALUE   override a config value by dotted path, array indices as numbers\n"
    "                    (--set model.1.negative_slope=0.2); VALUE is JSON, or a string\n"
    "  --quiet           no progress on stderr (errors are still printed)\n"
    "  --help, --version\n"
    "\n"
    "Exit codes: 0 done, 1 training diverged, 2 usage or config error, 3 data error,\n"
    "4 system error (out of memory, cannot write output).\n";

typedef struct progress {
    int quiet, tty;
} progress;

static void on_log(void *ctx, const char *line)
{
    const progress *p = ctx;
    if (!p->quiet)
        fprintf(stderr, "%s\n", line);
}

enum { BAR_WIDTH = 30 };

/* A progress bar of BAR_WIDTH characters: '#' for the part done, '.' for the rest. */
static void draw_bar(char bar[BAR_WIDTH + 1], size_t done, size_t total)
{
    size_t fill = total ? done * BAR_WIDTH / total : BAR_WIDTH;
    for (size_t i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
}

static void on_batch(void *ctx, size_t epoch, size_t epochs, size_t done, size_t total,
                     double ips)
{
    const progress *p = ctx;
    if (p->quiet || !p->tty)
        return;
    char bar[BAR_WIDTH + 1];
    draw_bar(bar, done, total);
    fprintf(stderr, "\repoch %zu/%zu [%s] %3zu%%  %.0f img/s ", epoch, epochs, bar,
            total ? done * 100 / total : 100, ips);
    fflush(stderr);
}

static void on_load(void *ctx, const char *what, size_t done, size_t total)
{
    const progress *p = ctx;
    if (p->quiet || !p->tty)
        return;
    char bar[BAR_WIDTH + 1];
    draw_bar(bar, done, total);
    fprintf(stderr, "\rloading %s [%s] %zu/%zu ", what, bar, done, total);
    if (done == total)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static void on_export(void *ctx, size_t done, size_t total)
{
    on_load(ctx, "(writing PNGs)", done, total);
}

/* nntrain export-images IDX_IMAGES IDX_LABELS OUT_DIR */
static int export_images(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 4 || argv[1][0] == '-' || argv[2][0] == '-' || argv[3][0] == '-') {
        fputs("nntrain: export-images takes three arguments: IDX_IMAGES IDX_LABELS OUT_DIR "
              "(see nntrain --help)\n",
              stderr);
        return 2;
    }
    progress prog = {0, isatty(STDERR_FILENO)};
    nn_dataset ds;
    nn_error err = {0};
    nn_status st = nn_idx_load(&ds, argv[1], argv[2], 0, &err);
    if (st == NN_OK)
        st = nn_export_png(&ds, argv[3], 0, on_export, &prog, &err);
    if (st == NN_OK)
        fprintf(stderr, "wrote %zu PNGs (%zux%zu, %zu classes) to %s/<label>/<index>.png\n",
                ds.n, ds.rows, ds.cols, ds.n_classes, argv[3]);
    else
        fprintf(stderr, "nntrain: %s\n", err.msg);
    nn_dataset_free(&ds);
    return (int)st;
}

static void on_epoch(void *ctx, const nn_epoch_report *r)
{
    const progress *p = ctx;
    if (p->quiet)
        return;
    if (p->tty)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "epoch %zu/%zu", r->epoch, r->epochs);
    if (r->has_train)
        fprintf(stderr, "  loss %.4f  train %.2f%%", r->train_loss, 100.0 * r->train_acc);
    if (r->has_val)
        fprintf(stderr, "  val loss %.4f  val %.2f%%", r->val_loss, 100.0 * r->val_acc);
    fprintf(stderr, "  test loss %.4f  test %.2f%%  dead %zu/%zu", r->test_loss,
            100.0 * r->test_acc, r->dead->dead_total, r->dead->total);
    const char *sep = " (";
    for (size_t i = 0; i < r->model->n_modules; i++)
        if (r->model->modules[i].act) {
            fprintf(stderr, "%s%s[%zu] %zu", sep, r->model->modules[i].act->name, i,
                    r->dead->dead[i]);
            sep = ", ";
        }
    if (*sep == ',')
        fputc(')', stderr);
    if (r->has_train)
        fprintf(stderr, "  %.0f img/s", r->images_per_sec);
    fprintf(stderr, "  %.1fs\n", r->seconds);
}

/* --epochs N / --seed N: digits only, at most 2^53 (exact in a JSON number). */
static int parse_count(const char *flag, const char *s, char *out, size_t out_len,
                       const char *key)
{
    const unsigned long long max = 1ULL << 53;
    unsigned long long v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9' && v <= max; p++)
        v = v * 10 + (unsigned long long)(*p - '0');
    if (p == s || *p || v > max) {
        fprintf(stderr, "nntrain: %s: expected an integer in [0, 2^53], found '%s'\n", flag, s);
        return 0;
    }
    snprintf(out, out_len, "%s=%llu", key, v);
    return 1;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL, *csv = NULL;
    progress prog = {0};
    int check_only = 0; /* nntrain check-data CONFIG */
    if (argc > 1 && strcmp(argv[1], "export-images") == 0)
        return export_images(argc - 1, argv + 1);
    /* Overrides in command-line order; --epochs/--seed become overrides too. */
    const char **sets = calloc((size_t)argc, sizeof *sets);
    char (*owned)[64] = calloc((size_t)argc, sizeof *owned);
    size_t n_sets = 0;
    int code = 2;
    if (!sets || !owned) {
        fputs("nntrain: out of memory\n", stderr);
        code = 4;
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* An option's value never starts with "--": "--csv --quiet" is a mistake. */
        int has_value = i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            code = 0;
            goto out;
        } else if (strcmp(a, "--version") == 0) {
            puts("nntrain " NNTRAIN_VERSION);
            code = 0;
            goto out;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            prog.quiet = 1;
        } else if ((strcmp(a, "--epochs") == 0 || strcmp(a, "--seed") == 0 ||
                    strcmp(a, "--threads") == 0) &&
                   has_value) {
            const char *key = a[2] == 'e' ? "train.epochs" : a[2] == 's' ? "seed" : "train.threads";
            if (!parse_count(a, argv[++i], owned[n_sets], sizeof owned[n_sets], key))
                goto out;
            sets[n_sets] = owned[n_sets];
            n_sets++;
        } else if (strcmp(a, "--csv") == 0 && has_value) {
            csv = argv[++i];
        } else if (strcmp(a, "--set") == 0 && has_value) {
            sets[n_sets++] = argv[++i];
        } else if (strncmp(a, "--set=", 6) == 0) {
            sets[n_sets++] = a + 6;
        } else if (a[0] == '-' && a[1] != '\0') {
            const char *why = (strcmp(a, "--epochs") == 0 || strcmp(a, "--seed") == 0 ||
                               strcmp(a, "--threads") == 0 || strcmp(a, "--csv") == 0 ||
                               strcmp(a, "--set") == 0)
                                  ? "needs a value"
                                  : "is not an option";
            fprintf(stderr, "nntrain: '%s' %s (see nntrain --help)\n", a, why);
            goto out;
        } else if (!config_path && !check_only && i == 1 && strcmp(a, "check-data") == 0) {
            check_only = 1;
        } else if (!config_path) {
            config_path = a;
        } else {
            fprintf(stderr, "nntrain: one CONFIG expected, found a second one: '%s'\n", a);
            goto out;
        }
    }
    if (!config_path) {
        fputs("nntrain: no CONFIG given (usage: nntrain CONFIG [options]; see --help)\n",
              stderr);
        goto out;
    }

    nn_config cfg;
    nn_error err = {0};
    nn_status st = nn_config_load(&cfg, config_path, sets, n_sets, &err);
    if (st == NN_OK) {
        if (csv)
            st = nn_config_set_csv(&cfg, csv, &err);
        prog.tty = isatty(STDERR_FILENO);
        nn_hooks hooks = {.ctx = &prog, .log = on_log, .epoch = on_epoch, .batch = on_batch,
                                .load = on_load};
        if (st == NN_OK && check_only)
            st = nn_check_data(&cfg, &hooks, &err);
        else if (st == NN_OK)
            st = nn_train(&cfg, &hooks, &err);
        if (st == NN_OK && !check_only && !prog.quiet && strcmp(cfg.csv, "-") != 0)
            fprintf(stderr, "wrote %s\n", cfg.csv);
        nn_config_free(&cfg);
    }
    if (st != NN_OK) {
        if (prog.tty)
            fputs("\r\033[K", stderr);
        fprintf(stderr, "nntrain: %s\n", err.msg);
    }
    code = (int)st;
out:
    free(sets);
    free(owned);
    return code;
}
