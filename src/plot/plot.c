/* plot.c - see plot.h: the set of plots written into OUT_DIR/plots/, and gnuplot run on
 * each script there (its stderr kept for the message when it fails). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot/draw.h"
#include "sys/fs.h"

FILE *nn_plot_open(const nn_plot_set *o, const char *name, const char *ext, nn_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", o->dir, name, ext);
    FILE *f = fopen(path, "w");
    if (!f)
        nn_fail(err, NN_ESYS, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

nn_status nn_plot_close(FILE *f, const nn_plot_set *o, const char *name, const char *ext,
                        nn_status st, nn_error *err)
{
    if (!f)
        return st;
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (st == NN_OK && bad)
        st = nn_fail(err, NN_ESYS, "%s/%s.%s: cannot write (disk full?)", o->dir, name, ext);
    return st;
}

nn_status nn_plot_add(nn_plot_set *o, const char *name, nn_error *err)
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
int nn_plot_have_gnuplot(void)
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

nn_status nn_plot_render(const nn_plot_set *o, size_t i, nn_error *err)
{
    const char *name = o->names[i];
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

/* The units file as given, or under out_dir (as given) when it is not found as given. */
static const char *units_path(const char *out_dir, const char *units, char *buf, size_t len)
{
    if (!units || access(units, F_OK) == 0 || units[0] == '/')
        return units;
    snprintf(buf, len, "%s/%s", out_dir, units);
    return buf;
}

nn_status nn_plot_write(nn_plot_set *o, const char *out_dir, const char *units, long module,
                        nn_error *err)
{
    memset(o, 0, sizeof *o);
    size_t n = strlen(out_dir);
    while (n > 1 && out_dir[n - 1] == '/')
        n--;
    o->out_dir = malloc(n + 1);
    o->dir = malloc(n + sizeof "/plots");
    if (!o->out_dir || !o->dir)
        return nn_fail(err, NN_ESYS, "out of memory");
    snprintf(o->out_dir, n + 1, "%.*s", (int)n, out_dir);
    snprintf(o->dir, n + sizeof "/plots", "%s/plots", o->out_dir);
    struct stat sb;
    if (stat(o->out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return nn_fail(err, NN_EDATA, "%s: not a folder (expected the output folder of a sweep)",
                       o->out_dir);
    char only[4096];
    nn_status st = nn_mkdirs(o->dir, "the plots folder", err);
    if (st == NN_OK)
        st = nn_plot_sweep(o, err);
    if (st == NN_OK)
        st = nn_plot_units(o, units_path(out_dir, units, only, sizeof only), module, err);
    if (st == NN_OK && o->n_names == 0) {
        rmdir(o->dir); /* made for nothing: removed when empty */
        st = nn_fail(err, NN_EDATA,
                     "%s: nothing to plot: no summary.csv, epochs.csv or *.units.csv there",
                     o->out_dir);
    }
    return st;
}

void nn_plot_set_free(nn_plot_set *o)
{
    for (size_t i = 0; i < o->n_names; i++)
        free(o->names[i]);
    free(o->names);
    free(o->out_dir);
    free(o->dir);
    memset(o, 0, sizeof *o);
}
