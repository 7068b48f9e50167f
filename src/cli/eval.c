/* eval.c - nntrain eval (a checkpoint on a split of its data: a table on stdout, and
 * optionally a CSV) and nntrain predict (a checkpoint's classes for image files). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/image_file.h"
#include "run/eval.h"
#include "run/status.h"
#include "sys/fs.h"

static const char eval_usage[] =
    "usage: nntrain eval CHECKPOINT [--config CONFIG] [--split test|train|val] [--csv PATH]\n"
    "                    [--threads N] [--quiet]\n"
    "\n"
    "Evaluates the checkpoint CHECKPOINT (output.checkpoint) on a split of the data its\n"
    "config names, normalized as its run normalized it, and prints on stdout the samples,\n"
    "the loss and the accuracy, the accuracy per class, the confusion matrix (rows: true\n"
    "class, columns: predicted) and the dead units per activation module on that split.\n"
    "With --split test, the loss and accuracy are the run's test_loss and test_acc of the\n"
    "checkpoint's epoch (docs/checkpoints.md).\n"
    "\n"
    "  --config CONFIG  the config to use instead of the checkpoint's own (needed for\n"
    "                   PyTorch weights); its model must be the checkpoint's\n"
    "  --split S        test (default), train (the samples trained on), or val (those\n"
    "                   held out: data.validation > 0)\n"
    "  --csv PATH       also write the figures as CSV rows kind,row,col,value ('-' =\n"
    "                   stdout, instead of the table), with how they were made; missing\n"
    "                   folders are created\n"
    "  --threads N      threads for the matrix products (0 = all cores; same results)\n"
    "  --quiet          no progress on stderr (errors are still printed)\n"
    "\n"
    "Exit codes: 0 done, 1 a value is NaN or Inf, 2 usage or config error, 3 bad\n"
    "checkpoint or data file, 4 system error.\n";

static const char predict_usage[] =
    "usage: nntrain predict CHECKPOINT INPUT... [--top K] [--config CONFIG]\n"
    "\n"
    "Classifies the images of each INPUT with the checkpoint CHECKPOINT: an image file\n"
    "(PNG, JPEG, BMP, PGM/PPM, GIF, TGA) of the model's input size, or an IDX image file\n"
    "(every image in it). Pixels are normalized as the checkpoint's run normalized them.\n"
    "One line per image: PATH[INDEX]: class C (p=P), P the softmax probability; classes\n"
    "are label indices (0, 1, ...).\n"
    "\n"
    "  --top K          also the K most probable classes, as C:P pairs\n"
    "  --config CONFIG  the config to use instead of the checkpoint's own (the same model)\n"
    "\n"
    "Exit codes: 0 done, 2 usage or config error, 3 bad checkpoint or input file (wrong\n"
    "size, undecodable), 4 system error. Inputs are read in order; the first bad one\n"
    "stops the command.\n";

enum { OPT_CONFIG = 256, OPT_SPLIT, OPT_CSV, OPT_THREADS, OPT_TOP };

typedef struct eval_args {
    const char *ckpt, *config, *csv;
    const char **inputs;
    size_t n_inputs;
    nn_eval_split split;
    int threads; /* -1: the config's */
    size_t top;
    int quiet;
} eval_args;

/* A whole number in [lo, hi]; 0 when s is not one. */
static int parse_num(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v = s[0] >= '0' && s[0] <= '9' ? strtol(s, &end, 10) : -1;
    *out = v;
    return end && *end == '\0' && v >= lo && v <= hi;
}

/* The value of option opt; 0 after a message. */
static int take_opt(const char *cmd, int opt, eval_args *a)
{
    long v;
    if (opt == OPT_CONFIG)
        a->config = optarg;
    else if (opt == OPT_CSV)
        a->csv = optarg;
    else if (opt == OPT_SPLIT && strcmp(optarg, "test") == 0)
        a->split = NN_SPLIT_TEST;
    else if (opt == OPT_SPLIT && strcmp(optarg, "train") == 0)
        a->split = NN_SPLIT_TRAIN;
    else if (opt == OPT_SPLIT && strcmp(optarg, "val") == 0)
        a->split = NN_SPLIT_VAL;
    else if (opt == OPT_THREADS && parse_num(optarg, 0, 64, &v))
        a->threads = (int)v;
    else if (opt == OPT_TOP && parse_num(optarg, 1, 1L << 30, &v))
        a->top = (size_t)v;
    else {
        const char *want = opt == OPT_SPLIT     ? "test, train or val"
                           : opt == OPT_THREADS ? "an integer in [0, 64]"
                                                : "an integer >= 1";
        cli_usage_error("%s: '%s': expected %s (see nntrain %s --help)", cmd, optarg, want, cmd);
        return 0;
    }
    return 1;
}

/* Fills a from argv (argv[0] is the subcommand); -1 to go on, else the exit code. */
static int parse(int argc, char **argv, int predict, eval_args *a)
{
    static const struct option eval_opts[] = {{"help", no_argument, NULL, 'h'},
                                              {"quiet", no_argument, NULL, 'q'},
                                              {"config", required_argument, NULL, OPT_CONFIG},
                                              {"split", required_argument, NULL, OPT_SPLIT},
                                              {"csv", required_argument, NULL, OPT_CSV},
                                              {"threads", required_argument, NULL, OPT_THREADS},
                                              {NULL, 0, NULL, 0}};
    static const struct option predict_opts[] = {{"help", no_argument, NULL, 'h'},
                                                 {"config", required_argument, NULL, OPT_CONFIG},
                                                 {"top", required_argument, NULL, OPT_TOP},
                                                 {NULL, 0, NULL, 0}};
    const char *cmd = predict ? "predict" : "eval";
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "-:h", predict ? predict_opts : eval_opts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(predict ? predict_usage : eval_usage, stdout);
            return 0;
        } else if (opt == 'q') {
            a->quiet = 1;
        } else if (opt == 1 && !a->ckpt) {
            a->ckpt = optarg;
        } else if (opt == 1 && predict) {
            a->inputs[a->n_inputs++] = optarg;
        } else if (opt != 1 && opt != '?' && opt != ':' && strncmp(optarg, "--", 2) != 0) {
            if (!take_opt(cmd, opt, a))
                return NN_ECONFIG;
        } else {
            const char *what = opt == 1     ? "is a second CHECKPOINT (one expected)"
                               : opt == '?' ? "is not an option"
                                            : "needs a value";
            cli_usage_error("%s: '%s' %s (see nntrain %s --help)", cmd,
                            opt == 1 ? optarg : argv[optind - 1], what, cmd);
            return NN_ECONFIG;
        }
    }
    for (; optind < argc && predict; optind++) /* after "--" */
        a->inputs[a->n_inputs++] = argv[optind];
    if (!a->ckpt || (predict && !a->n_inputs) || optind < argc) {
        cli_usage_error("%s: %s (usage: nntrain %s CHECKPOINT%s; see --help)", cmd,
                        !a->ckpt        ? "no CHECKPOINT given"
                        : optind < argc ? "one CHECKPOINT expected"
                                        : "no INPUT given",
                        cmd, predict ? " INPUT..." : "");
        return NN_ECONFIG;
    }
    return -1;
}

/* Digits of the largest of v[0..n) (at least min). */
static int width_of(const size_t *v, size_t n, int min)
{
    size_t mx = 0;
    for (size_t i = 0; i < n; i++)
        mx = v[i] > mx ? v[i] : mx;
    int w = snprintf(NULL, 0, "%zu", mx);
    return w > min ? w : min;
}

static const char *split_name(nn_eval_split s)
{
    return s == NN_SPLIT_TEST ? "test" : s == NN_SPLIT_TRAIN ? "train" : "val";
}

static void print_classes(FILE *f, const nn_eval_result *r)
{
    int wc = width_of(r->count, r->classes, 7), wk = snprintf(NULL, 0, "%zu", r->classes);
    wk = wk > 5 ? wk : 5;
    fprintf(f, "\n%*s  %*s  %*s  accuracy%s\n", wk, "class", wc, "count", wc, "correct",
            r->class_names ? "  name" : "");
    for (size_t k = 0; k < r->classes; k++) {
        fprintf(f, "%*zu  %*zu  %*zu  ", wk, k, wc, r->count[k], wc, r->correct[k]);
        if (r->count[k])
            fprintf(f, "%.6f", (double)r->correct[k] / (double)r->count[k]);
        else
            fprintf(f, "%-8s", "-");
        fprintf(f, "%s%s\n", r->class_names ? "  " : "", r->class_names ? r->class_names[k] : "");
    }
    size_t c = r->classes;
    int w = width_of(r->confusion, c * c, snprintf(NULL, 0, "%zu", c));
    fprintf(f, "\nconfusion matrix (rows: true class, columns: predicted class)\n%*s", wk, "");
    for (size_t p = 0; p < c; p++)
        fprintf(f, "  %*zu", w, p);
    for (size_t t = 0; t < c; t++) {
        fprintf(f, "\n%*zu", wk, t);
        for (size_t p = 0; p < c; p++)
            fprintf(f, "  %*zu", w, r->confusion[t * c + p]);
    }
    fputc('\n', f);
}

/* "nntrain 0.1.0, GEMM kernel avx512: COMMAND", with what is known. */
static void print_made(FILE *f, const char *label, const char *version, const char *kernel,
                       const char *command)
{
    if (!version && !kernel && !command)
        return;
    fprintf(f, "%-11s", label);
    if (version)
        fprintf(f, " nntrain %s", version);
    if (kernel)
        fprintf(f, "%s GEMM kernel %s", version ? "," : "", kernel);
    if (command)
        fprintf(f, "%s %s", version || kernel ? ":" : "", command);
    fputc('\n', f);
}

static void print_table(FILE *f, const nn_ckpt_info *c, nn_eval_split split,
                        const nn_eval_result *r)
{
    fprintf(f, "checkpoint  %s", c->path);
    if (c->has_epoch)
        fprintf(f, " (epoch %zu)", c->epoch);
    fputc('\n', f);
    print_made(f, "trained by", c->run_version, c->run_kernel, c->run_command);
    print_made(f, "evaluated", NNTRAIN_VERSION, r->kernel, NULL);
    fprintf(f, "split       %s\nsamples     %zu\nloss        %.6f\naccuracy    %.6f\n",
            split_name(split), r->samples, r->loss, r->acc);
    print_classes(f, r);
    fprintf(f, "\ndead units (pre-activation <= 0 on every sample of the split)\n");
    int wu = width_of(r->units, r->n_modules, 5);
    fprintf(f, "module  activation  %*s  %*s  dead_frac\n", wu, "units", wu, "dead");
    for (size_t i = 0; i < r->n_modules; i++)
        if (r->act[i])
            fprintf(f, "%6zu  %-10s  %*zu  %*zu  %.6f\n", i, r->act[i], wu, r->units[i], wu,
                    r->dead[i], r->units[i] ? (double)r->dead[i] / (double)r->units[i] : 0.0);
    fprintf(f, "%-6s  %-10s  %*zu  %*zu  %.6f\n", "all", "", wu, r->units_total, wu, r->dead_total,
            r->units_total ? (double)r->dead_total / (double)r->units_total : 0.0);
    fprintf(f, "constant output: %s\n", r->constant_output ? "yes" : "no");
}

/* One CSV field, quoted as RFC 4180 says when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *v)
{
    if (!strpbrk(v, ",\"\r\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

/* The rows made_by,WHO,KEY,VALUE of what is known. */
static void print_made_rows(FILE *f, const char *who, const char *version, const char *kernel,
                            const char *command)
{
    const char *key[] = {"nntrain_version", "gemm_kernel", "command"};
    const char *val[] = {version, kernel, command};
    for (size_t i = 0; i < 3; i++)
        if (val[i]) {
            fprintf(f, "made_by,%s,%s,", who, key[i]);
            csv_field(f, val[i]);
            fputc('\n', f);
        }
}

/* The long format of docs/checkpoints.md: kind,row,col,value; cmd: this evaluation's
 * command line. */
static void print_csv(FILE *f, const nn_ckpt_info *c, const nn_eval_result *r, const char *cmd)
{
    fputs("kind,row,col,value\n", f);
    if (c->has_epoch)
        fprintf(f, "epoch,,,%zu\n", c->epoch);
    fprintf(f, "samples,,,%zu\nloss,,,%.6f\naccuracy,,,%.6f\n", r->samples, r->loss, r->acc);
    for (size_t k = 0; k < r->classes; k++) {
        fprintf(f, "class,%zu,count,%zu\nclass,%zu,correct,%zu\n", k, r->count[k], k,
                r->correct[k]);
        if (r->count[k])
            fprintf(f, "class,%zu,accuracy,%.6f\n", k, (double)r->correct[k] / (double)r->count[k]);
    }
    for (size_t t = 0; t < r->classes; t++)
        for (size_t p = 0; p < r->classes; p++)
            fprintf(f, "confusion,%zu,%zu,%zu\n", t, p, r->confusion[t * r->classes + p]);
    for (size_t i = 0; i < r->n_modules; i++)
        if (r->act[i])
            fprintf(f, "units,%zu,%s,%zu\ndead,%zu,%s,%zu\n", i, r->act[i], r->units[i], i,
                    r->act[i], r->dead[i]);
    fprintf(f, "units,all,,%zu\ndead,all,,%zu\nconstant_output,,,%d\n", r->units_total,
            r->dead_total, r->constant_output);
    fputs("checkpoint,,,", f);
    csv_field(f, c->path);
    fputs("\nconfig,,,", f);
    csv_field(f, c->cfg.resolved ? c->cfg.resolved : "");
    fputc('\n', f);
    print_made_rows(f, "run", c->run_version, c->run_kernel, c->run_command);
    print_made_rows(f, "eval", NNTRAIN_VERSION, r->kernel, cmd);
}

/* What print_csv writes into a file through nn_write_whole. */
typedef struct csv_out {
    const nn_ckpt_info *c;
    const nn_eval_result *r;
    const char *cmd;
} csv_out;

static int fill_csv(void *ctx, FILE *f)
{
    const csv_out *o = ctx;
    print_csv(f, o->c, o->r, o->cmd);
    return ferror(f) != 0;
}

/* The CSV to stdout ("-"), or to path whole (a temporary file renamed over it, so a
 * failure leaves what was there). */
static nn_status write_csv(const char *path, const nn_ckpt_info *c, const nn_eval_result *r,
                           const char *cmd, nn_error *err)
{
    if (strcmp(path, "-") == 0) {
        print_csv(stdout, c, r, cmd);
        return fflush(stdout) == 0 ? NN_OK : nn_fail(err, NN_ESYS, "stdout: write failed");
    }
    csv_out o = {c, r, cmd};
    int e = nn_write_whole(path, fill_csv, &o);
    return e ? nn_fail(err, NN_ESYS, "%s: cannot write the CSV (--csv): %s", path, strerror(e))
             : NN_OK;
}

/* Before any work: --csv's missing folders are created, and the file it is written
 * through can be: a path that cannot be written is a usage error (exit 2), as a run's
 * CSV is, not a failure after the evaluation. */
static nn_status csv_writable(const char *csv, nn_error *err)
{
    if (strcmp(csv, "-") == 0)
        return NN_OK;
    nn_status st = nn_mkdirs_for(csv, "the folder of the CSV (--csv)", err);
    struct stat sb;
    if (st == NN_OK && stat(csv, &sb) == 0 && S_ISDIR(sb.st_mode))
        return nn_fail(err, NN_ECONFIG, "%s: cannot write the CSV (--csv): %s", csv,
                       strerror(EISDIR));
    char *tmp = st == NN_OK ? nn_write_whole_tmp(csv) : NULL;
    if (st == NN_OK && !tmp)
        return nn_fail(err, NN_ESYS, "out of memory");
    FILE *f = tmp ? fopen(tmp, "w") : NULL;
    if (tmp && !f)
        st = nn_fail(err, NN_ECONFIG, "%s: cannot write the CSV (--csv): %s", csv, strerror(errno));
    if (f) {
        fclose(f);
        remove(tmp);
    }
    free(tmp);
    return st;
}

/* --csv may name no file eval reads: the checkpoint, --config, the data. */
static nn_status check_csv_path(const char *csv, const eval_args *a, const nn_config *cfg,
                                nn_error *err)
{
    const char *in[] = {a->ckpt,
                        a->config,
                        cfg->data.train_images,
                        cfg->data.train_labels,
                        cfg->data.test_images,
                        cfg->data.test_labels,
                        cfg->data.train_dir,
                        cfg->data.test_dir};
    static const char *const what[] = {
        "the checkpoint",  "the config file", "the training images",       "the training labels",
        "the test images", "the test labels", "the training image folder", "the test image folder"};
    for (size_t i = 0; strcmp(csv, "-") != 0 && i < sizeof in / sizeof in[0]; i++) {
        if (in[i] && i < 6 && nn_same_file(csv, in[i]))
            return nn_fail(err, NN_ECONFIG,
                           "%s (--csv) would overwrite %s %s (the same file); give --csv a path "
                           "of its own",
                           csv, what[i], in[i]);
        if (in[i] && i >= 6 && nn_inside_dir(csv, in[i]))
            return nn_fail(err, NN_ECONFIG,
                           "%s (--csv) would be written inside %s %s; give --csv a path "
                           "outside it",
                           csv, what[i], in[i]);
    }
    return NN_OK;
}

/* The same for the CSV and the temporary file it is written through. */
static nn_status check_csv(const char *csv, const eval_args *a, const nn_config *cfg, nn_error *err)
{
    nn_status st = check_csv_path(csv, a, cfg, err);
    char *tmp = st == NN_OK && strcmp(csv, "-") != 0 ? nn_write_whole_tmp(csv) : NULL;
    if (st == NN_OK && strcmp(csv, "-") != 0)
        st = tmp ? check_csv_path(tmp, a, cfg, err) : nn_fail(err, NN_ESYS, "out of memory");
    free(tmp);
    return st == NN_OK ? csv_writable(csv, err) : st;
}

/* "nntrain eval ARGS..." as one line (argv[0] is "eval"); NULL when out of memory. */
static char *eval_command(int argc, char **argv)
{
    const char **words = calloc((size_t)argc + 1, sizeof *words);
    if (!words)
        return NULL;
    words[0] = "nntrain";
    for (int i = 0; i < argc; i++)
        words[i + 1] = argv[i];
    char *text = nn_command_text((size_t)argc + 1, words);
    free(words);
    return text;
}

int cli_eval(int argc, char **argv)
{
    eval_args a = {.threads = -1};
    int code = parse(argc, argv, 0, &a);
    if (code >= 0)
        return code;
    cli_display d = {.quiet = a.quiet, .tty = isatty(STDERR_FILENO)};
    nn_hooks hooks = cli_hooks(&d);
    nn_ckpt_info c;
    nn_eval_result r = {0};
    nn_error err = {0};
    char *cmd = eval_command(argc, argv);
    nn_status st = cmd ? nn_ckpt_info_read(&c, a.ckpt, a.config, &err)
                       : nn_fail(&err, NN_ESYS, "out of memory");
    if (st == NN_OK) {
        if (a.threads >= 0)
            c.cfg.train.threads = a.threads;
        nn_data_env env = cli_data_env();
        st = nn_config_locate_data(&c.cfg, &env, &err);
        if (st == NN_OK && a.csv)
            st = check_csv(a.csv, &a, &c.cfg, &err);
        if (st == NN_OK)
            st = nn_eval(&c, a.split, &hooks, &r, &err);
        if (st == NN_OK && (!a.csv || strcmp(a.csv, "-") != 0)) {
            print_table(stdout, &c, a.split, &r);
            if (fflush(stdout) != 0)
                st = nn_fail(&err, NN_ESYS, "stdout: write failed");
        }
        if (st == NN_OK && a.csv)
            st = write_csv(a.csv, &c, &r, cmd, &err);
        nn_eval_result_free(&r);
        nn_ckpt_info_free(&c);
    }
    free(cmd);
    if (st != NN_OK)
        cli_error(&d, &err);
    return (int)st;
}

/* The k most probable classes of probs[0..c) into best[0..k), highest first (the lower
 * index on a tie); taken marks the classes chosen. */
static void top_classes(const double *probs, size_t c, size_t k, size_t *best, char *taken)
{
    memset(taken, 0, c);
    for (size_t j = 0; j < k; j++) {
        size_t arg = c;
        for (size_t i = 0; i < c; i++)
            if (!taken[i] && (arg == c || probs[i] > probs[arg]))
                arg = i;
        taken[arg] = 1;
        best[j] = arg;
    }
}

/* One line per image of the input path. */
static nn_status predict_input(nn_predictor *p, const char *path, size_t top, size_t *best,
                               char *taken, nn_error *err)
{
    nn_dataset ds;
    const size_t c = p->model.output_dim, k = top < c ? top : c;
    nn_status st = nn_image_file_load(path, p->channels, &ds, err);
    if (st != NN_OK)
        return st;
    double *probs = malloc((ds.n ? ds.n : 1) * c * sizeof *probs);
    st = probs ? nn_predict(p, &ds, path, probs, err) : nn_fail(err, NN_ESYS, "out of memory");
    for (size_t i = 0; st == NN_OK && i < ds.n; i++) {
        const double *pr = probs + i * c;
        top_classes(pr, c, k ? k : 1, best, taken);
        printf("%s[%zu]: class %zu (p=%.4f)", path, i, best[0], pr[best[0]]);
        if (top) {
            printf("; top %zu:", k);
            for (size_t j = 0; j < k; j++)
                printf(" %zu:%.4f", best[j], pr[best[j]]);
        }
        putchar('\n');
    }
    if (st == NN_OK && fflush(stdout) != 0)
        st = nn_fail(err, NN_ESYS, "stdout: write failed");
    free(probs);
    nn_dataset_free(&ds);
    return st;
}

int cli_predict(int argc, char **argv)
{
    eval_args a = {.inputs = calloc((size_t)argc, sizeof *a.inputs)};
    if (!a.inputs) {
        fputs("nntrain: out of memory\n", stderr);
        return NN_ESYS;
    }
    int code = parse(argc, argv, 1, &a);
    if (code >= 0) {
        free(a.inputs);
        return code;
    }
    cli_display d = {.tty = isatty(STDERR_FILENO)};
    nn_ckpt_info c;
    nn_predictor p;
    nn_error err = {0};
    nn_status st = nn_ckpt_info_read(&c, a.ckpt, a.config, &err);
    if (st == NN_OK) {
        st = nn_predictor_open(&p, &c, &err);
        size_t classes = st == NN_OK ? p.model.output_dim : 0;
        size_t *best = st == NN_OK ? malloc(classes * sizeof *best) : NULL;
        char *taken = st == NN_OK ? malloc(classes) : NULL;
        if (st == NN_OK && (!best || !taken))
            st = nn_fail(&err, NN_ESYS, "out of memory");
        for (size_t i = 0; st == NN_OK && i < a.n_inputs; i++)
            st = predict_input(&p, a.inputs[i], a.top, best, taken, &err);
        free(best);
        free(taken);
        nn_predictor_free(&p); /* zeroed when it did not open */
        nn_ckpt_info_free(&c);
    }
    if (st != NN_OK)
        cli_error(&d, &err);
    free(a.inputs);
    return (int)st;
}
