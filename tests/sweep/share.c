/* sweep/share.c - one output folder shared by several sweep processes: two nntrain sweep
 * processes started together on one folder, 20 times, each time every run done exactly
 * once and the summary complete; claims of live, dead, remote and unreadable holders;
 * --print-jobs and --collect beside a running sweep. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/csv_read.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "suites.h"
#include "sweep/claim.h"
#include "sweep/files.h"
#include "sweep/fixture.h"

/* The runs a sweep process says it did ("sweep: N runs in"; 0 for "nothing to do"), or -1. */
static long runs_done(const char *err)
{
    const char *p = strstr(err, "sweep: ");
    for (; p; p = strstr(p + 1, "sweep: ")) {
        long n;
        char word[8];
        if (sscanf(p, "sweep: %ld runs i%1[n]", &n, word) == 2)
            return n;
        if (strncmp(p, "sweep: nothing to do", 20) == 0)
            return 0;
    }
    return -1;
}

/* Whether a file under dir has a name that matches the pattern (grep's). */
static int any_file(const char *dir, const char *pattern)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q -- '%s'", dir, pattern);
    return th_run(cmd) == 0;
}

/* Acceptance 3 of issue 23: two sweeps started together on one folder finish (exit 0)
 * with every run done exactly once (the runs each says it did add up to the sweep's, and
 * every run is complete) and the summary complete (every combination with all its seeds),
 * no claim or temporary file left; 20 times in a row, each on a fresh folder. */
START_TEST(test_sweep_two_processes)
{
    fixture f;
    fx_open(&f, 1);
    char out[700], axes[1000];
    size_t both = 0;
    for (int round = 0; round < 20; round++) {
        snprintf(out, sizeof out, "%s/out%d", f.dir, round);
        snprintf(axes, sizeof axes,
                 "\"activations\": [\"relu\", \"leaky_relu\", \"elu\"], \"grid\": "
                 "{\"optimizer.lr\": [0.05, 0.1]}, \"seeds\": [1, 2, 3, 4], \"jobs\": 2, "
                 "\"out\": \"%s\"",
                 out);
        char json[2048];
        snprintf(json, sizeof json, "{\"base\": \"%s\", %s}", f.base, axes);
        fx_write(f.sweep, json);
        ck_assert_int_eq(th_sh_in(f.dir, "(\"$B\" sweep sweep.json > o1 2> e1; echo $? > c1) & "
                                          "(\"$B\" sweep sweep.json > o2 2> e2; echo $? > c2) & "
                                          "wait"),
                         0);
        char *e1 = th_read_in(f.dir, "e1"), *e2 = th_read_in(f.dir, "e2");
        char *c1 = th_read_in(f.dir, "c1"), *c2 = th_read_in(f.dir, "c2");
        long n1 = runs_done(e1), n2 = runs_done(e2);
        ck_assert_msg(atoi(c1) == 0 && atoi(c2) == 0, "round %d: exit %s/%s\n%s\n%s", round, c1,
                      c2, e1, e2);
        ck_assert_msg(n1 >= 0 && n2 >= 0 && n1 + n2 == 24,
                      "round %d: %ld + %ld runs done, for 24\n%s\n%s", round, n1, n2, e1, e2);
        both += n1 > 0 && n2 > 0;
        nn_sweep s;
        nn_error err;
        ck_assert_msg(nn_sweep_load(&s, f.sweep, NULL, 0, &err) == NN_OK, "%s", err.msg);
        for (size_t r = 0; r < nn_sweep_runs(&s); r++)
            ck_assert_msg(nn_sweep_run_complete(&s, r), "round %d: run %zu", round, r);
        nn_sweep_free(&s);
        char path[800];
        snprintf(path, sizeof path, "%s/summary.csv", out);
        nn_csv_table t;
        ck_assert_msg(nn_csv_table_read(&t, path, &err) == NN_OK, "%s", err.msg);
        ck_assert_uint_eq(t.rows, 7);
        long seeds = nn_csv_col(&t, "seeds");
        for (size_t r = 1; r < t.rows; r++)
            ck_assert_msg(nn_csv_num(&t, r, (size_t)seeds) == 4, "round %d: summary row %zu",
                          round, r);
        nn_csv_table_free(&t);
        ck_assert_msg(!any_file(out, "claim") && !any_file(out, "\\.tmp"),
                      "round %d: a claim or temporary file left", round);
        free(e1);
        free(e2);
        free(c1);
        free(c2);
    }
    /* The two must have shared the work, not run one after the other. */
    ck_assert_msg(both >= 10, "only %zu of 20 rounds had both processes run", both);
    fx_close(&f);
}
END_TEST

/* A claim file for run r naming o. */
static void write_claim(const nn_sweep *s, size_t r, const nn_sweep_owner *o)
{
    char *path = nn_sweep_run_file(s, r, ".claim"), text[600];
    snprintf(text, sizeof text, "{\"host\":\"%s\",\"pid\":%ld,\"start\":%llu,\"boot\":\"%s\"}",
             o->host, o->pid, o->start, o->boot);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    ck_assert_int_eq(fclose(fp), 0);
    free(path);
}

/* A child that claims run r as itself and waits (or, with wait 0, exits at once). */
static pid_t child_claim(const nn_sweep *s, size_t r, int wait)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        nn_sweep_owner o;
        nn_sweep_owner_self(&o);
        write_claim(s, r, &o);
        if (wait)
            pause();
        _exit(0);
    }
    char *path = nn_sweep_run_file(s, r, ".claim");
    struct timespec ms = {0, 1000000};
    for (int i = 0; access(path, F_OK) != 0 || i < 10; i++)
        nanosleep(&ms, NULL); /* there, and 10 ms more: written whole */
    free(path);
    return pid;
}

static nn_sweep_outcome exec_outcome(const nn_sweep *s)
{
    nn_sweep_hooks h = {0};
    nn_sweep_outcome o;
    nn_error err = {0};
    ck_assert_msg(nn_sweep_exec(s, &h, &o, &err) == NN_OK, "%s", err.msg);
    return o;
}

/* Claims that are not ours: a live process of this host and one of another host keep
 * their runs (left, reported as running by --collect, left out of --print-jobs); one whose
 * holder died, whose pid now names a process started later, or of another boot is taken
 * over and its run done; a run whose claim cannot be read is left alone. */
START_TEST(test_sweep_claims)
{
    fixture f;
    fx_open(&f, 1);
    fx_sweep(&f, "\"activations\": [\"relu\", \"elu\"], \"seeds\": [1, 2, 3], \"jobs\": 2");
    nn_sweep s;
    fx_load(&s, &f);
    ck_assert_int_eq(mkdir(f.out, 0777), 0);
    nn_sweep_owner me, other;
    nn_sweep_owner_self(&me);
    pid_t live = child_claim(&s, 0, 1);
    pid_t dead = child_claim(&s, 1, 0);
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
    other = me;
    memcpy(other.host + strnlen(me.host, 200), "-elsewhere", 11);
    write_claim(&s, 2, &other); /* another host */
    other = me;
    other.start = me.start + 1; /* this pid, but a process started later holds it now */
    write_claim(&s, 3, &other);
    other = me;
    snprintf(other.boot, sizeof other.boot, "another-boot");
    write_claim(&s, 4, &other);
    char *bad = nn_sweep_run_file(&s, 5, ".claim");
    fx_write(bad, "{\"host\": 1");
    nn_sweep_outcome o = exec_outcome(&s);
    ck_assert_uint_eq(o.ran, 3); /* runs 1, 3, 4 */
    ck_assert_uint_eq(o.busy, 3);
    for (size_t r = 0; r < 6; r++)
        ck_assert_int_eq(nn_sweep_run_complete(&s, r), r == 1 || r == 3 || r == 4);
    nn_sweep_tally t;
    nn_error err;
    ck_assert_int_eq(nn_sweep_summarize(&s, NULL, NULL, &t, &err), NN_OK);
    ck_assert_uint_eq(t.running, 3);
    ck_assert_uint_eq(t.complete, 3);
    FILE *null = fopen("/dev/null", "w");
    size_t printed, held;
    ck_assert_int_eq(nn_sweep_print_jobs(&s, th_nntrain(), null, &printed, &held, &err), NN_OK);
    fclose(null);
    ck_assert_uint_eq(printed, 0);
    ck_assert_uint_eq(held, 3);
    /* The live holder dies: its claim is stale, and its run done by the next sweep. */
    kill(live, SIGKILL);
    ck_assert_int_eq(waitpid(live, NULL, 0), live);
    remove(bad);
    free(bad);
    o = exec_outcome(&s);
    ck_assert_uint_eq(o.ran, 2);
    ck_assert_uint_eq(o.busy, 1);
    ck_assert(nn_sweep_run_complete(&s, 0) && !nn_sweep_run_complete(&s, 2));
    nn_sweep_free(&s);
    fx_close(&f);
}
END_TEST

Suite *sweep_share_suite(void)
{
    Suite *s = suite_create("sweep_share");
    TCase *tc = tcase_create("sweep_share");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sweep_two_processes);
    tcase_add_test(tc, test_sweep_claims);
    suite_add_tcase(s, tc);
    return s;
}
