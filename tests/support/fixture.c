/* support/fixture.c - see fixture.h. */
#include "support/fixture.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/helpers.h"

static char *dir; /* the current test's temporary directory (ft_setup) */

char *th_tmpdir(void)
{
    char *d = strdup("/tmp/nntrain-test-XXXXXX");
    ck_assert_ptr_nonnull(d);
    ck_assert_msg(mkdtemp(d) != NULL, "cannot make a folder %s", d);
    return d;
}

void th_rmdir(const char *d)
{
    char cmd[512];
    if (strncmp(d, "/tmp/nntrain-test-", 18) != 0)
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", d);
}

void ft_setup(void)
{
    dir = th_tmpdir();
}

void ft_teardown(void)
{
    th_rmdir(dir);
    free(dir);
    dir = NULL;
}

const char *ft_dir(void)
{
    return dir;
}

const char *ft_at(const char *fmt, ...)
{
    static char buf[2][512];
    static int k;
    char rel[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, rel);
    return buf[k];
}

void ft_mkdirs(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    ck_assert_int_eq(th_run(cmd), 0);
}

void ft_write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

void ft_write_text(const char *path, const char *text)
{
    ft_write_bytes(path, text, strlen(text));
}

char *th_read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 12, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap) {
            char *more = realloc(buf, (cap *= 2) + 1);
            if (!more)
                free(buf);
            buf = more;
        }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *th_slurp(const char *path)
{
    return th_read_bytes(path, NULL);
}

char *th_read_in(const char *d, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", d, name);
    char *s = th_slurp(path);
    ck_assert_msg(s != NULL, "cannot read %s", path);
    return s;
}

size_t th_count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

int th_run(const char *cmdline)
{
    int st = system(cmdline);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

const char *th_nntrain(void)
{
    const char *p = getenv("NNTRAIN");
    return p && *p ? p : "build/nntrain";
}

/* The shell line of th_sh_in (malloc'ed). */
static char *sh_line(const char *d, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    ck_assert_int_ge(n, 0);
    char *cmds = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(cmds);
    vsnprintf(cmds, (size_t)n + 1, fmt, ap);
    /* B is set before the cd, so that a relative binary is taken from here; the braces
     * send every command's output to the two files, opened in d. */
    const char *bin = th_nntrain(), *from = bin[0] == '/' ? "" : "'\"$(pwd)\"'/";
    size_t len = strlen(from) + strlen(bin) + strlen(d) + (size_t)n + 64;
    char *line = malloc(len);
    ck_assert_ptr_nonnull(line);
    snprintf(line, len, "B='%s%s'; cd '%s' && { %s\n} > out.txt 2> err.txt", from, bin, d, cmds);
    free(cmds);
    return line;
}

int th_sh_in(const char *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = sh_line(d, fmt, ap);
    va_end(ap);
    int rc = th_run(line);
    free(line);
    return rc;
}

int ft_nntrain(const char *args)
{
    return th_sh_in(dir, "\"$B\" %s", args);
}

pid_t th_sh_start(const char *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = sh_line(d, fmt, ap);
    va_end(ap);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", line, (char *)NULL);
        _exit(127);
    }
    free(line);
    ck_assert_int_gt(pid, 0);
    return pid;
}

void th_tiny_run(const char *d, const char *train_extra)
{
    static const char *const files[3][2] = {{"train-images.gz", "train-labels.gz"},
                                            {"test-images", "test-labels"},
                                            {"test-images.gz", "test-labels.gz"}};
    char images[1024], labels[1024];
    for (int k = 0; k < 3; k++) {
        nn_dataset ds;
        ck_assert_int_eq(th_synthetic(&ds, k == 0 ? 64 : 32, 8, 4, k == 0 ? 1 : 2), 0);
        snprintf(images, sizeof images, "%s/%s", d, files[k][0]);
        snprintf(labels, sizeof labels, "%s/%s", d, files[k][1]);
        ck_assert_int_eq(th_write_idx(&ds, images, labels, k != 1), 0);
        nn_dataset_free(&ds);
    }
    char path[1024], json[1024];
    snprintf(json, sizeof json,
             "{\"name\": \"tiny\", \"seed\": 1,\n"
             " \"data\": {\"format\": \"idx\", \"train_images\": \"train-images.gz\",\n"
             "          \"train_labels\": \"train-labels.gz\", \"test_images\": \"test-images\",\n"
             "          \"test_labels\": \"test-labels\"},\n"
             " \"model\": [{\"type\": \"dense\", \"units\": 8}, {\"type\": \"relu\"},\n"
             "           {\"type\": \"dense\", \"units\": 4}],\n"
             " \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.05},\n"
             " \"train\": {\"epochs\": 1, \"batch_size\": 16%s},\n"
             " \"output\": {\"csv\": \"out/tiny.csv\"}}\n",
             train_extra);
    snprintf(path, sizeof path, "%s/tiny.json", d);
    ft_write_text(path, json);
}
