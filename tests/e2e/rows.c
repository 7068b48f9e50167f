/* e2e/rows.c - the binary's output files under kill -9 and its signals: a run whose rows
 * are longer than 64 KiB, killed at each of its write() calls in turn (strace's fault
 * injection), leaves whole rows only in every file; SIGTERM while a data file (a FIFO)
 * gives no data ends the run with 130. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/fixture.h"
#include "suites.h"

/* PReLU modules (a dead_i and a slope_i column each, about 11 bytes of a row): rows of
 * about 68 KB, a per-unit file of 50,000 rows an epoch. */
#define WIDE_MODULES 6200

/* tiny.json's data with a model of WIDE_MODULES PReLU modules of width 8, two epochs,
 * the per-unit file and the every-2-steps rows: wide.json. */
static void write_wide_config(void)
{
    size_t cap = 512 + 24 * (size_t)WIDE_MODULES, n = 0;
    char *json = malloc(cap);
    ck_assert_ptr_nonnull(json);
    n += (size_t)snprintf(json + n, cap - n,
                          "{\"name\": \"wide\", \"seed\": 1,\n"
                          " \"data\": {\"format\": \"idx\", \"train_images\": \"train-images.gz\","
                          " \"train_labels\": \"train-labels.gz\", \"test_images\": "
                          "\"test-images\", \"test_labels\": \"test-labels\"},\n"
                          " \"model\": [{\"type\": \"dense\", \"units\": 8}");
    for (int i = 0; i < WIDE_MODULES; i++)
        n += (size_t)snprintf(json + n, cap - n, ", {\"type\": \"prelu\"}");
    n += (size_t)snprintf(json + n, cap - n,
                          ", {\"type\": \"dense\", \"units\": 4}],\n"
                          " \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.05},\n"
                          " \"train\": {\"epochs\": 2, \"batch_size\": 16, \"threads\": 1},\n"
                          " \"dead_units\": {\"every_steps\": 2},\n"
                          " \"output\": {\"csv\": \"out/wide.csv\", \"units\": "
                          "\"out/units.csv\"}}\n");
    ck_assert_uint_lt(n, cap);
    ft_write_text(ft_at("wide.json"), json);
    free(json);
}

/* The file name (under the test's folder) holds whole rows only: nothing, or lines that
 * each end in '\n' and have as many fields as the first. The longest line's length goes
 * to *longest (when not NULL); the count of lines is returned. */
static size_t assert_whole_rows(const char *name, int kill_at, size_t *longest)
{
    size_t len = 0, lines = 0, fields = 0, top = 0;
    char *text = th_read_bytes(ft_at("%s", name), &len);
    if (!text)
        return 0; /* not created yet */
    ck_assert_msg(len == 0 || text[len - 1] == '\n',
                  "%s killed at write %d: its last row is torn (%zu bytes, no newline at the end)",
                  name, kill_at, len);
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t commas = 0;
        for (char *p = line; p < end; p++)
            commas += *p == ',';
        if (lines == 0)
            fields = commas;
        ck_assert_msg(commas == fields,
                      "%s killed at write %d: line %zu has %zu fields, the header %zu", name,
                      kill_at, lines + 1, commas + 1, fields + 1);
        top = (size_t)(end - line) > top ? (size_t)(end - line) : top;
        lines++;
        line = end + 1;
    }
    free(text);
    if (longest)
        *longest = top;
    return lines;
}

/* kill -9 at the n-th write() of the run, for n = 1, 2, ... until the run gets through:
 * each time the CSV, the per-unit file and the steps file hold whole rows. */
START_TEST(test_kill_at_every_write)
{
    th_tiny_run(ft_dir(), "");
    write_wide_config();
    int n = 1, rc = -1;
    for (; n <= 400; n++) {
        th_sh_in(ft_dir(), "rm -rf out");
        /* No leak check: LeakSanitizer cannot run under a tracer. */
        rc = th_sh_in(ft_dir(),
                      "ASAN_OPTIONS=detect_leaks=0 strace -f -o /dev/null -e trace=write "
                      "-e inject=write:signal=KILL:when=%d \"$B\" wide.json --quiet",
                      n);
        ck_assert_msg(rc == 0 || rc == 128 + SIGKILL, "write %d: exit status %d", n, rc);
        assert_whole_rows("out/wide.csv", n, NULL);
        assert_whole_rows("out/units.csv", n, NULL);
        assert_whole_rows("out/wide.steps.csv", n, NULL);
        if (rc == 0)
            break;
    }
    ck_assert_msg(rc == 0, "still killed at write %d", n - 1);
    /* The run got through: its rows are what the test says they are, longer than 64 KiB. */
    size_t longest = 0;
    ck_assert_uint_eq(assert_whole_rows("out/wide.csv", n, &longest), 4);
    ck_assert_uint_gt(longest, 65536);
    ck_assert_uint_eq(assert_whole_rows("out/units.csv", n, NULL), 1 + 3 * 8 * WIDE_MODULES);
    ck_assert_uint_eq(assert_whole_rows("out/wide.steps.csv", n, &longest), 1 + 2 * 2);
}
END_TEST

/* Waits up to ms milliseconds for pid to end: its wait status, or -1 when it still runs. */
static int wait_for(pid_t pid, int ms)
{
    const struct timespec tick = {0, 10 * 1000 * 1000};
    int status = 0;
    for (int t = 0; t < ms / 10; t++) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        ck_assert_int_ge(w, 0);
        if (w == pid)
            return status;
        nanosleep(&tick, NULL);
    }
    return -1;
}

/* Whether process pid has the file path open. */
static int has_open(pid_t pid, const char *path)
{
    for (int fd = 0; fd < 64; fd++) {
        char link[64], target[1024];
        snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)pid, fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (strcmp(target, path) == 0)
            return 1;
    }
    return 0;
}

/* SIGTERM while a data file is a FIFO whose writer sends nothing: 130 and "interrupted"
 * at once, for the training images (read on the main thread) with the writer still there,
 * and for the test images (the second loading thread) with the writer gone at the same
 * moment (what a signal to a whole pipeline does), where the read ends in an empty file. */
START_TEST(test_term_while_loading)
{
    static const char *const keys[2] = {"train_images", "test_images"};
    th_tiny_run(ft_dir(), "");
    char fifo[1024];
    snprintf(fifo, sizeof fifo, "%s/fifo", ft_dir());
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    for (int k = 0; k < 2; k++) {
        /* The writer: this process holds the FIFO open and never writes. */
        int hold = open(fifo, O_RDWR | O_CLOEXEC);
        ck_assert_int_ge(hold, 0);
        pid_t pid = th_sh_start(ft_dir(), "exec \"$B\" tiny.json --set data.%s=fifo", keys[k]);
        const struct timespec tick = {0, 10 * 1000 * 1000};
        for (int t = 0; t < 1000 && !has_open(pid, fifo); t++) /* up to 10 s */
            nanosleep(&tick, NULL);
        ck_assert_msg(has_open(pid, fifo), "the run never opened the FIFO");
        nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL); /* now waiting in read */
        ck_assert_int_eq(kill(pid, SIGTERM), 0);
        if (k == 1)
            close(hold);
        int status = wait_for(pid, 5000);
        const char *how = "at once";
        if (status == -1) { /* still waiting for data: let the read end */
            close(hold);
            how = "only after the writer closed the FIFO, 5 s later";
            status = wait_for(pid, 10000);
        } else if (k == 0) {
            close(hold);
        }
        if (status == -1)
            kill(pid, SIGKILL), waitpid(pid, &status, 0);
        char *err = th_read_in(ft_dir(), "err.txt");
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 130 &&
                          strstr(err, "nntrain: interrupted while loading the data\n"),
                      "data.%s a FIFO, SIGTERM: ended %s with status %#x: %s", keys[k], how,
                      status, err);
        free(err);
    }
}
END_TEST

Suite *rows_suite(th_skips *sk)
{
    Suite *s = suite_create("rows");
    TCase *tc = tcase_create("binary");
    tcase_add_checked_fixture(tc, ft_setup, ft_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_term_while_loading);
    if (th_run("strace -f -o /dev/null -e trace=write true >/dev/null 2>&1") == 0)
        tcase_add_test(tc, test_kill_at_every_write);
    else
        th_skip(sk, "rows", "test_kill_at_every_write", 1,
                "strace is missing or cannot trace here (scripts/install-deps.sh installs it)");
    suite_add_tcase(s, tc);
    return s;
}
