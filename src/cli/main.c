/* main.c - the command line: options (getopt_long), subcommands, exit codes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "math/gemm/gemm.h"

#ifndef NNTRAIN_VERSION
#error "NNTRAIN_VERSION comes from the file VERSION (the Makefile passes it)"
#endif

static const char usage[] =
    "usage: nntrain CONFIG [--epochs N] [--seed N] [--threads N] [--csv PATH] [--resume CKPT]\n"
    "               [--set KEY=VALUE]... [--quiet] [--help] [--version]\n"
    "       nntrain check-data CONFIG [the same options]\n"
    "       nntrain export-images IDX_IMAGES IDX_LABELS OUT_DIR\n"
    "       nntrain sweep SWEEP.json [--jobs N] [--out DIR] [--print-jobs | --collect | --combo K]\n"
    "                    [--quiet]\n"
    "       nntrain plot OUT_DIR [--units FILE] [--module I]\n"
    "       nntrain eval CHECKPOINT [--config CONFIG] [--split test|train|val] [--csv PATH]\n"
    "                    [--threads N] [--quiet]\n"
    "       nntrain predict CHECKPOINT INPUT... [--top K] [--config CONFIG]\n"
    "       nntrain fetch mnist [--source DIR|URL] [--dest DIR]\n"
    "       nntrain tables\n"
    "\n"
    "Trains the network described by the JSON file CONFIG and writes one CSV row per\n"
    "epoch (loss, accuracy, dead units per activation module).\n"
    "check-data loads the data sets CONFIG names, makes every check a run makes before\n"
    "its first step (the model against the data, the validation split, the outputs\n"
    "against the inputs, init.from's weights; not --resume's checkpoint), reports what\n"
    "was loaded with the load times, and trains nothing. export-images writes an IDX data set\n"
    "as PNG files OUT_DIR/<label>/<index>.png (OUT_DIR: new or empty). plot draws a\n"
    "sweep's output folder with gnuplot into OUT_DIR/plots/ (see nntrain plot --help).\n"
    "eval evaluates a checkpoint on the test (train, val) split of its config's data: loss,\n"
    "accuracy, per-class accuracy, confusion matrix, dead units (nntrain eval --help).\n"
    "predict prints a checkpoint's class for each image of PNG/JPEG/... or IDX image files\n"
    "(nntrain predict --help). fetch puts MNIST, verified, in the data root. tables prints\n"
    "every layer type, activation and optimizer with its keys and its PyTorch equivalent,\n"
    "as JSON (what scripts/nntrain_torch.py rebuilds models in PyTorch from).\n"
    "\n"
    "A config's data/... path that the current directory does not have is looked up in\n"
    "the data root: $NNTRAIN_DATA, else $XDG_DATA_HOME/nntrain, else ~/.local/share/nntrain\n"
    "(data/mnist/x -> <root>/mnist/x; docs/data.md).\n"
    "\n"
    "  --epochs N        same as --set train.epochs=N\n"
    "  --seed N          same as --set seed=N\n"
    "  --threads N       same as --set train.threads=N (0 = all cores, the default);\n"
    "                    results are bit-identical for any N\n"
    "  --csv PATH        write the CSV to PATH ('-' = stdout) instead of output.csv\n"
    "  --resume CKPT     continue the run saved in the checkpoint CKPT (output.checkpoint):\n"
    "                    its CSV keeps the rows up to the checkpoint's epoch, then goes on\n"
    "                    (a CSV not there starts at that epoch); outputs may move, and\n"
    "                    --epochs N may extend it (docs/checkpoints.md)\n"
    "  --set KEY=VALUE   override a config value by dotted path, array indices as numbers\n"
    "                    (--set model.1.negative_slope=0.2); VALUE is JSON, or a string\n"
    "  --quiet           no progress on stderr (errors are still printed)\n"
    "  --help, --version\n"
    "\n"
    "Exit codes: 0 done, 1 training diverged or exploded, 2 usage or config error,\n"
    "3 data error, 4 system error (out of memory, cannot write output), 130 interrupted\n"
    "(SIGINT or SIGTERM: the run stops before its next batch, the CSV keeps the rows\n"
    "written; a second Ctrl-C kills at once).\n";

enum { OPT_VERSION = 256, OPT_EPOCHS, OPT_SEED, OPT_THREADS, OPT_CSV, OPT_SET, OPT_RESUME };

static const struct option options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"quiet", no_argument, NULL, 'q'},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"csv", required_argument, NULL, OPT_CSV},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"set", required_argument, NULL, OPT_SET},
    {NULL, 0, NULL, 0},
};

/* --epochs N, --seed N, --threads N: digits only, at most 2^53 (exact in a JSON number). */
static int parse_count(const char *flag, const char *s, char *out, size_t out_len, const char *key)
{
    const unsigned long long max = 1ULL << 53;
    unsigned long long v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9' && v <= max; p++)
        v = v * 10 + (unsigned long long)(*p - '0');
    if (p == s || *p || v > max) {
        cli_usage_error("%s: expected an integer in [0, 2^53], found '%s'", flag, s);
        return 0;
    }
    snprintf(out, out_len, "%s=%llu", key, v);
    return 1;
}

/* The value (optarg) of options[which]: --csv PATH, --set KEY=VALUE, or a count that
 * becomes an override. 0 after a message on stderr. */
static int take_value(char **argv, int which, cli_args *a)
{
    int opt = options[which].val;
    /* A value never starts with "--": "--csv --quiet" is a mistake ("--csv=--x" is not). */
    if (optarg == argv[optind - 1] && strncmp(optarg, "--", 2) == 0) {
        cli_usage_error("'%s' needs a value (see nntrain --help)", argv[optind - 2]);
        return 0;
    }
    if (opt == OPT_CSV) {
        a->csv = optarg;
    } else if (opt == OPT_RESUME) {
        a->resume = optarg;
    } else if (opt == OPT_SET) {
        a->sets[a->n_sets++] = optarg;
    } else {
        const char *key = opt == OPT_EPOCHS ? "train.epochs"
                          : opt == OPT_SEED ? "seed"
                                            : "train.threads";
        char flag[16];
        snprintf(flag, sizeof flag, "--%s", options[which].name);
        if (!parse_count(flag, optarg, a->owned[a->n_sets], sizeof a->owned[a->n_sets], key))
            return 0;
        a->sets[a->n_sets] = a->owned[a->n_sets];
        a->n_sets++;
    }
    return 1;
}

/* What a long option that is not one could have meant, after "(typed) is not an option":
 * the options it abbreviates (getopt_long's ambiguity: --se is --seed or --set), a config
 * key of that name (--lr: --set optimizer.lr=VALUE, with the value given, if any), or a
 * near option (--seeds: --seed). value: the next argument (NULL: none). */
static void long_hint(const char *typed, const char *value, char *buf, size_t n)
{
    char name[NN_CONFIG_KEY_LEN], joined[512] = "";
    const char *eq = strchr(typed + 2, '=');
    size_t len = eq ? (size_t)(eq - typed - 2) : strlen(typed + 2), used = 0, found = 0;
    snprintf(name, sizeof name, "%.*s", (int)len, typed + 2);
    const char *names[sizeof options / sizeof options[0]], *abbreviates[3];
    for (size_t i = 0; options[i].name; i++) {
        names[i] = options[i].name;
        names[i + 1] = NULL;
        if (len && strncmp(options[i].name, name, len) == 0 && found < 3)
            abbreviates[found++] = options[i].name;
    }
    for (size_t i = 0; found > 1 && i < found; i++)
        used += (size_t)snprintf(joined + used, sizeof joined - used, "%s--%s",
                                 i == 0 ? "" : i + 1 == found ? " or " : ", ", abbreviates[i]);
    if (found > 1 || (found == 1 && eq)) { /* one it abbreviates: given a value it takes none */
        if (found > 1)
            snprintf(buf, n, "is ambiguous: it could be %s", joined);
        else
            snprintf(buf, n, "is not an option: --%s takes no value", abbreviates[0]);
        return;
    }
    for (char *p = name; *p; p++) /* --batch-size names batch_size */
        *p = *p == '-' ? '_' : *p;
    char keys[3][NN_CONFIG_KEY_LEN];
    size_t k = nn_config_keys_named(name, keys, 3);
    const char *v = eq ? eq + 1 : value && strncmp(value, "--", 2) != 0 ? value : "VALUE";
    used = 0;
    for (size_t i = 0; i < k && i < 3 && used < sizeof joined; i++)
        used += (size_t)snprintf(joined + used, sizeof joined - used, "%s--set %s=%s",
                                 i == 0 ? "" : i + 1 == k || i == 2 ? " or " : ", ", keys[i], v);
    const char *near = k ? NULL : nn_config_closest(names, name);
    if (k)
        snprintf(buf, n, "is not an option; did you mean %s?", joined);
    else if (near)
        snprintf(buf, n, "is not an option; did you mean --%s?", near);
    else
        snprintf(buf, n, "is not an option");
}

/* The option getopt_long could not take, as typed: a long one whole (with what it could
 * have meant), a short one alone. */
static void bad_option(int argc, char **argv, int missing)
{
    const char *typed = argv[optind - 1];
    char why[800] = "needs a value";
    if (optopt && strncmp(typed, "--", 2) != 0) {
        cli_usage_error("'-%c' %s (see nntrain --help)", optopt,
                        missing ? why : "is not an option");
        return;
    }
    if (!missing)
        long_hint(typed, optind < argc ? argv[optind] : NULL, why, sizeof why);
    cli_usage_error("'%s' %s (see nntrain --help)", typed, why);
}

static int take_config(const char *path, cli_args *a)
{
    if (!a->config) {
        a->config = path;
        return 1;
    }
    cli_usage_error("one CONFIG expected, found a second one: '%s'", path);
    return 0;
}

/* nntrain --version: the version, then what this build computes matrix products with. */
static void print_version(void)
{
    printf("nntrain %s\nGEMM kernels:", NNTRAIN_VERSION);
    for (size_t i = 0; nn_gemm_kernel_name(i); i++)
        printf("%s %s", i ? "," : "", nn_gemm_kernel_name(i));
    const char *forced = getenv("NNTRAIN_GEMM");
    printf(" (this CPU: %s%s%s)\n", nn_gemm_kernel_default(),
           forced && *forced ? "; NNTRAIN_GEMM=" : "", forced && *forced ? forced : "");
    if (nn_gemm_blas())
        printf("BLAS: %s (cblas_sgemm; built with BLAS=%s)\n", nn_gemm_blas(), nn_gemm_blas());
    else
        puts("BLAS: none (the built-in GEMM; make BLAS=openblas for cblas_sgemm)");
}

/* Fills a from argv, in command-line order. -1 to go on, else the exit code (--help,
 * --version: 0; bad usage: 2, after one line on stderr). */
static int parse_args(int argc, char **argv, cli_args *a)
{
    int opt, which = 0, ok = 1;
    opterr = 0; /* our messages, not getopt's */
    /* "-": CONFIG comes back in its place (as 1); ":": a missing value is told apart. */
    while (ok && (opt = getopt_long(argc, argv, "-:hq", options, &which)) != -1) {
        switch (opt) {
        case 1:
            ok = take_config(optarg, a);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_VERSION:
            print_version();
            return 0;
        case 'q':
            a->quiet = 1;
            break;
        case '?':
        case ':':
            bad_option(argc, argv, opt == ':');
            ok = 0;
            break;
        default:
            ok = take_value(argv, which, a);
        }
    }
    for (; ok && optind < argc; optind++) /* after "--" */
        ok = take_config(argv[optind], a);
    if (ok && !a->config) {
        fputs("nntrain: no CONFIG given (usage: nntrain CONFIG [options]; see --help)\n", stderr);
        ok = 0;
    }
    return ok ? -1 : NN_ECONFIG;
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
        return NN_ECONFIG;
    }
    return cli_export_images(argv[1], argv[2], argv[3]);
}

/* nntrain tables: the layer, activation and optimizer tables as JSON on stdout. */
static int tables(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 1) {
        cli_usage_error("tables takes no arguments, found '%s' (see nntrain --help)", argv[1]);
        return NN_ECONFIG;
    }
    nn_error err;
    nn_status st = nn_config_write_tables(stdout, &err);
    if (st == NN_OK && fflush(stdout) != 0)
        st = nn_fail(&err, NN_ESYS, "cannot write the tables to stdout");
    if (st != NN_OK)
        fprintf(stderr, "nntrain: %s\n", err.msg);
    return st;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "tables") == 0)
        return tables(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "sweep") == 0)
        return cli_sweep(argc - 1, argv + 1, "/proc/self/exe");
    if (argc > 1 && strcmp(argv[1], "export-images") == 0)
        return export_images(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "fetch") == 0)
        return cli_fetch(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "plot") == 0)
        return cli_plot(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "eval") == 0)
        return cli_eval(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "predict") == 0)
        return cli_predict(argc - 1, argv + 1);
    /* nntrain check-data CONFIG [options]: the options of a run, parsed after the word. */
    int check = argc > 1 && strcmp(argv[1], "check-data") == 0;
    cli_args a = {.argc = argc, .argv = argv};
    a.sets = calloc((size_t)argc, sizeof *a.sets);
    a.owned = calloc((size_t)argc, sizeof *a.owned);
    int code = NN_ESYS;
    if (!a.sets || !a.owned)
        fputs("nntrain: out of memory\n", stderr);
    else
        code = parse_args(argc - check, argv + check, &a);
    if (code < 0)
        code = cli_run(&a, check ? nn_check_data : cli_train);
    free(a.sets);
    free(a.owned);
    return code;
}
