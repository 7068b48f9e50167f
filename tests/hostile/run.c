/* hostile/run.c - runs a case of the hostile-input catalogue: a fresh folder with a tiny
 * data set, the binary under test spawned in it (with a timeout), and the checks every
 * case shares (see hostile.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/helpers.h"
#include "hostile.h"

enum { HX_TIMEOUT_S = 60 };

static char *root; /* the case's temporary folder; the work folder is root/w */
/* The binary; the folder the suite started in; the MNIST folder ("" when absent). */
static char bin[PATH_MAX], home[PATH_MAX], mnist[PATH_MAX];

void hx_setup(void)
{
    ck_assert_ptr_nonnull(getcwd(home, sizeof home));
    ck_assert_msg(realpath(th_nntrain(), bin) != NULL, "no binary at %s", th_nntrain());
    const char *m = th_mnist_dir(NULL, 0);
    if (!m || !realpath(m, mnist))
        mnist[0] = '\0';
    root = th_tmpdir();
    ck_assert_ptr_nonnull(root);
    char work[PATH_MAX];
    snprintf(work, sizeof work, "%s/w", root);
    ck_assert_int_eq(mkdir(work, 0777), 0);
    ck_assert_int_eq(chdir(work), 0);
    th_tiny_run(".", ", \"threads\": 1");
}

void hx_teardown(void)
{
    if (chdir(home) != 0)
        perror(home);
    th_rmdir(root);
    free(root);
    root = NULL;
}

const char *hx_mnist(void)
{
    return mnist;
}

const char *hx_bin(void)
{
    return bin;
}

void hx_sh(const char *cmd)
{
    ck_assert_msg(th_run(cmd) == 0, "fixture command failed: %s", cmd);
}

/* Appends fmt to the growing string *s. */
static void append(char **s, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char **s, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *s = realloc(*s, *len + (size_t)k + 1);
    ck_assert_ptr_nonnull(*s);
    va_start(ap, fmt);
    vsnprintf(*s + *len, (size_t)k + 1, fmt, ap);
    va_end(ap);
    *len += (size_t)k;
}

/* FNV-1a of a regular file's bytes. */
static uint64_t file_hash(const char *path)
{
    uint64_t h = 1469598103934665603ULL;
    size_t n;
    char *b = th_read_bytes(path, &n);
    for (size_t i = 0; b && i < n; i++)
        h = (h ^ (unsigned char)b[i]) * 1099511628211ULL;
    free(b);
    return h;
}

/* One line per entry under dir, sorted, symlinks not followed: type, size, mtime, content
 * hash or link target. Equal snapshots: nothing created, changed or rewritten. */
static void snapshot_dir(const char *dir, char **s, size_t *len)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX], target[PATH_MAX];
        const char *name = names[i]->d_name;
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && lstat(path, &sb) == 0) {
            append(s, len, "%s %o %lld %lld.%09ld", path, (unsigned)sb.st_mode,
                   (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
            ssize_t k = S_ISLNK(sb.st_mode) ? readlink(path, target, sizeof target - 1) : -1;
            if (k >= 0)
                append(s, len, " -> %.*s", (int)k, target);
            if (S_ISREG(sb.st_mode))
                append(s, len, " %016llx", (unsigned long long)file_hash(path));
            append(s, len, "\n");
            if (S_ISDIR(sb.st_mode))
                snapshot_dir(path, s, len);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

static char *snapshot(void)
{
    char *s = NULL;
    size_t len = 0;
    append(&s, &len, "%s", "");
    snapshot_dir(".", &s, &len);
    return s;
}

/* The child's side of hx_exec / hx_start: never returns. */
static void child(const char *const *argv, size_t argc, long fsize_limit, const char *err_path)
{
    char **args = calloc(argc + 2, sizeof *args);
    int in = open("/dev/null", O_RDONLY), out = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null_out = open("/dev/null", O_WRONLY);
    if (!args || in < 0 || out < 0 || null_out < 0)
        _exit(125);
    dup2(in, 0), dup2(null_out, 1), dup2(out, 2);
    if (fsize_limit > 0) {
        struct rlimit rl = {(rlim_t)fsize_limit, (rlim_t)fsize_limit};
        signal(SIGXFSZ, SIG_IGN); /* stays ignored through exec: a write fails with EFBIG */
        setrlimit(RLIMIT_FSIZE, &rl);
    }
    args[0] = bin;
    for (size_t i = 0; i < argc; i++)
        args[i + 1] = (char *)argv[i];
    execv(bin, args);
    _exit(126);
}

static void err_path(char *buf, size_t n)
{
    snprintf(buf, n, "%s/stderr.txt", root);
}

pid_t hx_start(const char *const *argv)
{
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char ep[PATH_MAX];
    err_path(ep, sizeof ep);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child(argv, argc, 0, ep);
    ck_assert_int_gt(pid, 0);
    return pid;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void hx_exec(const char *const *argv, size_t argc, long fsize_limit, hx_result *r)
{
    char ep[PATH_MAX];
    err_path(ep, sizeof ep);
    memset(r, 0, sizeof *r);
    double t0 = now();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child(argv, argc, fsize_limit, ep);
    ck_assert_int_gt(pid, 0);
    int status = 0;
    const struct timespec tick = {0, 2 * 1000 * 1000};
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now() - t0 > HX_TIMEOUT_S) {
            r->timed_out = 1;
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        nanosleep(&tick, NULL);
    }
    r->seconds = now() - t0;
    r->exited = WIFEXITED(status);
    r->code = r->exited ? WEXITSTATUS(status) : -1;
    r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    size_t n;
    r->err = th_read_bytes(ep, &n);
    ck_assert_ptr_nonnull(r->err);
}

void hx_assert_line(const char *name, const hx_result *r, int code, const char *needle)
{
    const char *e = r->err;
    ck_assert_msg(!r->timed_out, "%s: hung (killed after %d s)", name, HX_TIMEOUT_S);
    ck_assert_msg(r->exited, "%s: died by signal %d; stderr: %s", name, r->signal, e);
    ck_assert_msg(r->code == code, "%s: exit code %d, expected %d; stderr: %s", name, r->code, code,
                  e);
    size_t len = strlen(e);
    ck_assert_msg(len > 0 && e[len - 1] == '\n' && strchr(e, '\n') == e + len - 1,
                  "%s: stderr is not exactly one line: '%s'", name, e);
    for (size_t i = 0; i + 1 < len; i++)
        ck_assert_msg((unsigned char)e[i] >= 0x20 && e[i] != 0x7f,
                      "%s: raw control byte 0x%02x in the message: %s", name, (unsigned char)e[i],
                      e);
    ck_assert_msg(!needle || strstr(e, needle), "%s: the message lacks '%s': %s", name, needle, e);
}

/* ck.safetensors: a checkpoint of tiny.json after one epoch (no CSV file). */
static void make_ckpt(void)
{
    const char *argv[] = {"tiny.json", "--quiet", "--csv",
                          "-",         "--set",   "output.checkpoint=ck.safetensors"};
    hx_result r;
    hx_exec(argv, 6, 0, &r);
    ck_assert_msg(r.code == 0, "making the checkpoint: %s", r.err);
    free(r.err);
}

/* png/train and png/test exported from the IDX sets, and folder.json training on them. */
static void make_folders(void)
{
    const char *a[] = {"export-images", "train-images.gz", "train-labels.gz", "png/train"};
    const char *b[] = {"export-images", "test-images", "test-labels", "png/test"};
    hx_result r;
    hx_exec(a, 4, 0, &r);
    ck_assert_msg(r.code == 0, "export: %s", r.err);
    free(r.err);
    hx_exec(b, 4, 0, &r);
    ck_assert_msg(r.code == 0, "export: %s", r.err);
    free(r.err);
    ft_write_text("folder.json",
                  "{\"name\": \"folder\", \"seed\": 1,\n"
                  " \"data\": {\"format\": \"image_folder\", \"train_dir\": \"png/train\",\n"
                  "          \"test_dir\": \"png/test\"},\n"
                  " \"model\": [{\"type\": \"dense\", \"units\": 8}, {\"type\": \"relu\"},\n"
                  "           {\"type\": \"dense\", \"units\": 4}],\n"
                  " \"train\": {\"epochs\": 1, \"batch_size\": 16, \"threads\": 1},\n"
                  " \"output\": {\"csv\": \"out/folder.csv\"}}\n");
}

void hx_run_case(const hx_table *t, size_t i)
{
    const hx_case *c = &t->cases[i];
    char name[128];
    snprintf(name, sizeof name, "%s/%s", t->kind, c->name);
    if (c->flags & HX_CKPT)
        make_ckpt();
    if (c->flags & HX_FOLDERS)
        make_folders();
    if (c->setup)
        c->setup();
    if (c->run) {
        c->run(c);
        return;
    }
    size_t argc = 0;
    while (argc < HX_MAX_ARGS && c->argv[argc])
        argc++;
    char *before = snapshot();
    hx_result r;
    hx_exec(c->argv, argc, 0, &r);
    if (c->flags & HX_SILENT) {
        ck_assert_msg(r.exited && r.code == c->code && r.err[0] == '\0',
                      "%s: exit %d (signal %d), expected %d and a silent stderr: %s", name, r.code,
                      r.signal, c->code, r.err);
    } else {
        hx_assert_line(name, &r, c->code, c->needle);
    }
    char *after = snapshot();
    ck_assert_msg((c->flags & HX_WRITES) || strcmp(before, after) == 0,
                  "%s: the folder changed (an input changed or an output was created)\n"
                  "before:\n%s\nafter:\n%s",
                  name, before, after);
    if (c->post)
        c->post();
    free(before);
    free(after);
    free(r.err);
}
