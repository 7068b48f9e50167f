/* sweep.c - "nntrain sweep SWEEP.json": options, the progress line, Ctrl-C, the summary. */
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sweep/sweep.h"
#include "sys/clock.h"

static const char sweep_usage[] =
    "usage: nntrain sweep SWEEP.json [--jobs N] [--out DIR] [--quiet]\n"
    "       nntrain sweep SWEEP.json --print-jobs | --collect\n"
    "\n"
    "Runs every combination of the sweep file's axes (activations, grid, hidden) with every\n"
    "seed, jobs at a time in this process, skipping runs already complete in the output\n"
    "folder, then writes OUT/summary.csv and prints the summary table (docs/sweep.md).\n"
    "  --jobs N       runs at a time (default: the file's \"jobs\", else 1)\n"
    "  --out DIR      output folder (default: the file's \"out\", else runs/<sweep name>)\n"
    "  --print-jobs   print one shell command per run not yet complete (for GNU parallel\n"
    "                 or a Slurm array: scripts/sweep.sbatch); writes the runs' resolved\n"
    "                 configs to the output folder and runs nothing\n"
    "  --collect      build the summary from the files in the output folder, run nothing;\n"
    "                 missing and partial runs are listed\n"
    "  --combo K      run combination K only (what --print-jobs prints for untrained sweeps)\n"
    "  --quiet        no progress on stderr\n"
    "Ctrl-C stops cleanly: run the same command again to continue. Several sweeps, on\n"
    "this machine or others, may work on one output folder at once: each claims a run\n"
    "before doing it (OUT/NAME.claim), and the last to finish writes the whole summary.\n";

typedef struct sweep_display {
    int quiet, tty;
    double last;
} sweep_display;

static void fmt_time(char *buf, size_t n, double s)
{
    if (s < 0)
        snprintf(buf, n, "?");
    else if (s < 60)
        snprintf(buf, n, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

static void on_progress(void *ctx, const nn_sweep_progress *p)
{
    sweep_display *d = ctx;
    if (p->last_failed && !d->quiet)
        fprintf(stderr, "%s%s: %s\n", d->tty ? "\r\033[K" : "", p->last_failed,
                p->last_reason ? p->last_reason : "failed");
    if (d->quiet)
        return;
    double now = nn_now();
    int last = p->done == p->total;
    if (!d->tty && !last && now - d->last < 10.0 && p->done != p->skipped)
        return;
    if (d->tty && !last && now - d->last < 0.1)
        return;
    d->last = now;
    char el[32], eta[32];
    fmt_time(el, sizeof el, p->elapsed);
    fmt_time(eta, sizeof eta, p->eta);
    char others[64] = "";
    if (p->others)
        snprintf(others, sizeof others, ", %zu by other processes", p->others);
    fprintf(stderr,
            "%ssweep: %zu/%zu runs done (%zu skipped as complete%s), %zu stopped early (diverged, "
            "exploded or error), %s, ETA %s%s",
            d->tty ? "\r\033[K" : "", p->done, p->total, p->skipped, others, p->failed, el, eta,
            d->tty && !last ? "" : "\n");
    fflush(stderr);
}

static void on_log(void *ctx, const char *line)
{
    const sweep_display *d = ctx;
    fprintf(stderr, "%s%s\n", d->tty ? "\r\033[K" : "", line);
}

enum { OPT_JOBS = 256, OPT_OUT, OPT_PRINT, OPT_COLLECT, OPT_COMBO };

static const struct option sweep_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"out", required_argument, NULL, OPT_OUT},
    {"print-jobs", no_argument, NULL, OPT_PRINT},
    {"collect", no_argument, NULL, OPT_COLLECT},
    {"combo", required_argument, NULL, OPT_COMBO},
    {NULL, 0, NULL, 0},
};

static int parse_size(const char *flag, const char *s, size_t max, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || s[0] == '-' || v > max) {
        cli_usage_error("sweep %s: expected an integer in [0, %zu], found '%s'", flag, max, s);
        return 0;
    }
    *out = (size_t)v;
    return 1;
}

/* The plots of a summary just written (nntrain plot OUT). A sweep's results do not depend
 * on them: without gnuplot, or when one fails, the sweep still succeeds. */
static void sweep_plots(const char *out)
{
    if (cli_plot_folder(out, NULL, -1) != 0)
        fprintf(stderr,
                "sweep: the plots were not drawn (above); the results are complete; "
                "\"nntrain plot %s\" draws them later\n",
                out);
}

/* What the command line asked for. */
typedef struct sweep_args {
    const char *path, *out;
    size_t jobs, combo;
    int print, collect;
} sweep_args;

/* Fills a from argv; -1 to go on, else the exit code (0 after --help, 2 after a message). */
static int parse_sweep_args(int argc, char **argv, sweep_args *a, sweep_display *d)
{
    int opt, which;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "-:hq", sweep_options, &which)) != -1) {
        int ok = 1;
        switch (opt) {
        case 1:
            if (a->path) {
                cli_usage_error("sweep takes one SWEEP.json, found a second: '%s'", optarg);
                ok = 0;
            }
            a->path = optarg;
            break;
        case 'h':
            fputs(sweep_usage, stdout);
            return 0;
        case 'q':
            d->quiet = 1;
            break;
        case OPT_JOBS:
            ok = parse_size("--jobs", optarg, 256, &a->jobs) &&
                 (a->jobs > 0 || (fputs("nntrain: sweep --jobs: at least 1\n", stderr), 0));
            break;
        case OPT_OUT:
            a->out = optarg;
            break;
        case OPT_PRINT:
        case OPT_COLLECT:
            *(opt == OPT_PRINT ? &a->print : &a->collect) = 1;
            break;
        case OPT_COMBO:
            ok = parse_size("--combo", optarg, SIZE_MAX - 1, &a->combo);
            break;
        default:
            cli_usage_error("sweep: '%s' %s (see nntrain sweep --help)", argv[optind - 1],
                            opt == ':' ? "needs a value" : "is not an option");
            ok = 0;
        }
        if (!ok)
            return NN_ECONFIG;
    }
    if (!a->path) {
        fputs("nntrain: sweep: no SWEEP.json given (see nntrain sweep --help)\n", stderr);
        return NN_ECONFIG;
    }
    if (a->print + a->collect + (a->combo != SIZE_MAX) > 1) {
        fputs("nntrain: sweep: --print-jobs, --collect and --combo go alone\n", stderr);
        return NN_ECONFIG;
    }
    return -1;
}

/* --collect: the summary from the files in out/, with missing and partial runs listed. */
static nn_status collect(const nn_sweep *s, const nn_sweep_hooks *hooks, nn_error *err)
{
    struct stat sb;
    if (stat(s->out, &sb) != 0 || !S_ISDIR(sb.st_mode)) /* a mistyped --out: nothing to collect */
        return nn_fail(err, NN_ECONFIG,
                       "sweep --collect: %s is not a folder (%s); give the folder the sweep's "
                       "runs wrote (its \"out\" or --out)",
                       s->out, stat(s->out, &sb) != 0 ? strerror(errno) : "not a directory");
    nn_sweep_tally t;
    int lock = nn_sweep_lock(s);
    nn_status st = nn_sweep_summarize(s, stdout, hooks, &t, err);
    char running[64] = "";
    if (t.running)
        snprintf(running, sizeof running, ", %zu running", t.running);
    if (st == NN_OK)
        fprintf(stderr,
                "collect: %zu of %zu runs complete (%zu ok, %zu diverged, %zu exploded, %zu "
                "failed), %zu missing, %zu partial%s; wrote %s/summary.csv\n",
                t.complete, t.runs, t.ok, t.diverged, t.exploded, t.failed, t.missing, t.partial,
                running, s->out);
    if (st == NN_OK && t.ok)
        sweep_plots(s->out);
    nn_sweep_unlock(lock);
    return st;
}

/* What a sweep that shared its folder says of the others (nothing when it did not). */
static void say_shared(const nn_sweep *s, const nn_sweep_outcome *o, const sweep_display *d)
{
    if (o->others && !d->quiet)
        fprintf(stderr, "sweep: %zu runs were done meanwhile by other processes sharing %s\n",
                o->others, s->out);
    if (o->busy && !d->quiet)
        fprintf(stderr,
                "sweep: %zu runs are still running in another process (%s); the last one to "
                "finish writes the complete summary\n",
                o->busy, o->busy_who);
}

/* The summary of a sweep just run (its table on stdout when st is NN_OK) and the plots,
 * under the folder lock; NN_OK or what failed. */
static nn_status summary(const nn_sweep *s, nn_status st, const nn_sweep_hooks *hooks,
                         const sweep_display *d, const nn_sweep_outcome *o, double t0,
                         nn_error *err)
{
    int lock = nn_sweep_lock(s);
    /* An interrupted sweep's summary does not list the runs it did not reach. */
    nn_sweep_tally t;
    nn_status sst = nn_sweep_summarize(s, st == NN_OK ? stdout : NULL,
                                       st == NN_OK ? hooks : NULL, &t, err);
    if (sst == NN_OK && st == NN_OK && !d->quiet)
        fprintf(stderr, "sweep: %zu runs in %.1fs; wrote %s/summary.csv\n", o->ran,
                nn_now() - t0, s->out);
    if (sst == NN_OK && st == NN_OK)
        say_shared(s, o, d);
    if (sst == NN_OK && st == NN_OK && t.ok)
        sweep_plots(s->out);
    nn_sweep_unlock(lock);
    return sst;
}

/* Runs the sweep (or one combination), then the summary and the plots. */
static nn_status run(const nn_sweep *s, const sweep_args *a, nn_sweep_hooks *hooks,
                     const sweep_display *d, nn_error *err)
{
    struct sigaction old[2];
    hooks->stop = cli_catch_stop(old); /* runs stop at their next batch, exit 130 */
    size_t runs = a->combo == SIZE_MAX ? nn_sweep_runs(s) : s->n_seeds;
    double t0 = nn_now();
    nn_sweep_outcome o;
    nn_status st = nn_sweep_exec(s, hooks, &o, err);
    if (st == NN_OK && o.pending == 0) {
        fprintf(stderr,
                "sweep: nothing to do: all %zu runs of %s are complete in %s (delete a run's "
                "files to redo it)\n",
                runs, a->path, s->out);
    } else if (a->combo == SIZE_MAX && (st == NN_OK || st == NN_EINTR)) {
        nn_error serr = {0};
        nn_status sst = summary(s, st, hooks, d, &o, t0, &serr);
        if (st == NN_OK && sst != NN_OK) {
            st = sst;
            *err = serr;
        }
    } else if (st == NN_OK) {
        say_shared(s, &o, d);
    }
    cli_restore_stop(old);
    return st;
}

int cli_sweep(int argc, char **argv, const char *self)
{
    sweep_args a = {.combo = SIZE_MAX};
    sweep_display d = {.tty = isatty(STDERR_FILENO)};
    int code = parse_sweep_args(argc, argv, &a, &d);
    if (code >= 0)
        return code;
    nn_sweep s;
    nn_error err = {0};
    nn_status st = nn_sweep_load(&s, a.path, a.out, a.jobs, &err);
    int loaded = st == NN_OK;
    if (st == NN_OK && a.combo != SIZE_MAX && a.combo >= s.n_combos)
        st = nn_fail(&err, NN_ECONFIG, "sweep --combo %zu: %s has %zu combinations (0..%zu)",
                     a.combo, a.path, s.n_combos, s.n_combos - 1);
    nn_data_env env = cli_data_env();
    if (st == NN_OK)
        st = nn_sweep_locate_data(&s, &env, &err);
    /* --collect reads only out/: data found nowhere is no error (nothing to overwrite). */
    if (st == NN_EDATA && a.collect)
        st = NN_OK;
    if (st != NN_OK) {
        fprintf(stderr, "nntrain: %s\n", err.msg);
        if (loaded)
            nn_sweep_free(&s);
        return (int)st;
    }
    s.only = a.combo;
    nn_sweep_hooks hooks = {.ctx = &d, .log = on_log, .progress = on_progress};
    if (a.print) {
        size_t printed, held;
        st = nn_sweep_print_jobs(&s, self, stdout, &printed, &held, &err);
        char claimed[96] = "";
        if (held)
            snprintf(claimed, sizeof claimed, ", and %zu claimed by a running sweep", held);
        if (st == NN_OK && !d.quiet)
            fprintf(stderr, "sweep: %zu commands for %s (%zu runs; complete ones left out%s)\n",
                    printed, a.path, nn_sweep_runs(&s), claimed);
    } else if (a.collect) {
        st = collect(&s, &hooks, &err);
    } else {
        st = run(&s, &a, &hooks, &d, &err);
    }
    if (st != NN_OK)
        fprintf(stderr, "%snntrain: %s\n", d.tty ? "\r\033[K" : "", err.msg);
    nn_sweep_free(&s);
    return (int)st;
}
