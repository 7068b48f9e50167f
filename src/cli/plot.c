/* plot.c - nntrain plot OUT_DIR [--units FILE] [--module I]: the plots of a sweep's output
 * folder. Writes data and gnuplot scripts into OUT_DIR/plots/, runs gnuplot on each
 * script there, and prints the files written, one a line. Without gnuplot on PATH the
 * scripts are still written (exit code 4) for the user to run later. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/plot.h"
#include "sys/fs.h"

FILE *plot_open(const plot_out *o, const char *name, const char *ext, nn_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", o->dir, name, ext);
    FILE *f = fopen(path, "w");
    if (!f)
        nn_fail(err, NN_ESYS, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

nn_status plot_close(FILE *f, const plot_out *o, const char *name, const char *ext, nn_status st,
                     nn_error *err)
{
    if (!f)
        return st;
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (st == NN_OK && bad)
        st = nn_fail(err, NN_ESYS, "%s/%s.%s: cannot write (disk full?)", o->dir, name, ext);
    return st;
}

nn_status plot_add(plot_out *o, const char *name, nn_error *err)
{
    char **bigger = realloc(o->names, (o->n_names + 1) * sizeof *bigger);
    if (!bigger)
        return nn_fail(err, NN_ESYS, "out of memory");
    o->names = bigger;
    if (!(o->names[o->n_names] = strdup(name)))
        return nn_fail(err, NN_ESYS, "out of memory");
    o->n_names++;
    return NN_OK;
}

/* An executable gnuplot in a folder of $PATH. */
static int have_gnuplot(void)
{
    const char *p = getenv("PATH");
    while (p && *p) {
        size_t len = strcspn(p, ":");
        char path[4096];
        snprintf(path, sizeof path, "%.*s/gnuplot", len ? (int)len : 1, len ? p : "."); /* "": . */
        if (access(path, X_OK) == 0)
            return 1;
        p += len + (p[len] == ':');
    }
    return 0;
}

/* The last line of s that holds something: gnuplot's error. */
static const char *last_line(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    char *nl = strrchr(s, '\n');
    return nl ? nl + 1 : s;
}

/* Starts gnuplot SCRIPT in dir, its stderr into a pipe (*out: the reading end). */
static pid_t spawn(const char *dir, const char *script, int *out)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(fd[1], 2) < 0 ||
            chdir(dir) != 0)
            _exit(126);
        close(fd[0]);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    if (pid < 0)
        close(fd[0]);
    *out = fd[0];
    return pid;
}

/* Reads fd to its end, keeping the last cap - 1 bytes in msg (NUL-terminated). */
static void read_tail(int fd, char *msg, size_t cap)
{
    size_t len = 0;
    for (;;) {
        char buf[512];
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        size_t n = (size_t)k;
        if (len + n > cap - 1) {
            size_t drop = len + n - (cap - 1) < len ? len + n - (cap - 1) : len;
            memmove(msg, msg + drop, len - drop);
            len -= drop;
        }
        n = n < cap - 1 - len ? n : cap - 1 - len;
        memcpy(msg + len, buf + (size_t)k - n, n);
        len += n;
    }
    msg[len] = '\0';
}

/* Runs gnuplot NAME.gp in o->dir; its stderr is kept for the message when it fails. */
static nn_status run_gnuplot(const plot_out *o, const char *name, nn_error *err)
{
    char script[512], msg[2048];
    snprintf(script, sizeof script, "%s.gp", name);
    int fd, status = 0;
    pid_t pid = spawn(o->dir, script, &fd);
    if (pid < 0)
        return nn_fail(err, NN_ESYS, "cannot start gnuplot: %s", strerror(errno));
    read_tail(fd, msg, sizeof msg);
    close(fd);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return NN_OK;
    return nn_fail(err, NN_ESYS, "gnuplot failed on %s/%s (exit %d): %s", o->dir, script,
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1, last_line(msg));
}

/* Prints o->dir/NAME.EXT for each plot and each extension. */
static void print_files(const plot_out *o, const char *ext1, const char *ext2)
{
    for (size_t i = 0; i < o->n_names; i++)
        printf("%s/%s.%s\n%s/%s.%s\n", o->dir, o->names[i], ext1, o->dir, o->names[i], ext2);
    fflush(stdout);
}

/* gnuplot on every script; the images written are printed. */
static nn_status render(const plot_out *o, nn_error *err)
{
    nn_status first = NN_OK;
    for (size_t i = 0; i < o->n_names; i++) {
        nn_error e = {0};
        nn_status st = run_gnuplot(o, o->names[i], &e);
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

/* The units file as given, or under OUT_DIR when it is not found as given. */
static const char *units_path(const plot_args *a, char *buf, size_t len)
{
    if (!a->units || access(a->units, F_OK) == 0 || a->units[0] == '/')
        return a->units;
    snprintf(buf, len, "%s/%s", a->out_dir, a->units);
    return buf;
}

/* Writes the data and scripts of every plot whose inputs exist. */
static nn_status write_plots(plot_out *o, const plot_args *a, nn_error *err)
{
    struct stat sb;
    if (stat(o->out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return nn_fail(err, NN_EDATA, "%s: not a folder (expected the output folder of a sweep)",
                       o->out_dir);
    char units[4096];
    nn_status st = nn_mkdirs(o->dir, "the plots folder", err);
    if (st == NN_OK)
        st = plot_sweep(o, err);
    if (st == NN_OK)
        st = plot_units(o, units_path(a, units, sizeof units), a->module, err);
    if (st == NN_OK && o->n_names == 0) {
        rmdir(o->dir); /* made for nothing: removed when empty */
        st = nn_fail(err, NN_EDATA,
                     "%s: nothing to plot: no summary.csv, epochs.csv or *.units.csv there",
                     o->out_dir);
    }
    return st;
}

int cli_plot(int argc, char **argv)
{
    plot_args a = {.module = -1};
    int code = plot_parse(argc, argv, &a);
    if (code >= 0)
        return code;
    char out_dir[4096], dir[4200];
    snprintf(out_dir, sizeof out_dir, "%s", a.out_dir);
    for (size_t n = strlen(out_dir); n > 1 && out_dir[n - 1] == '/'; n--)
        out_dir[n - 1] = '\0';
    snprintf(dir, sizeof dir, "%s/plots", out_dir);
    plot_out o = {.out_dir = out_dir, .dir = dir};
    nn_error err = {0};
    nn_status st = write_plots(&o, &a, &err);
    if (st == NN_OK && !have_gnuplot()) {
        print_files(&o, "gp", "dat");
        fprintf(stderr,
                "nntrain: gnuplot not found; install gnuplot-nox (apt-get install gnuplot-nox) "
                "to plot; the data and scripts are in %s/\n",
                dir);
        st = NN_ESYS;
    } else if (st == NN_OK) {
        st = render(&o, &err);
    }
    if (st != NN_OK && err.msg[0])
        fprintf(stderr, "nntrain: %s\n", err.msg);
    for (size_t i = 0; i < o.n_names; i++)
        free(o.names[i]);
    free(o.names);
    return (int)st;
}
