/* e2e/messages.c - the binary's one-line messages where the cause used to be lost or the
 * line broken: fetch on a full disk (cp's reason in the line, not beside it) and with a
 * newline in a path; a symlink loop as a sweep's base or a data file (ELOOP named, not
 * "not found"); an option that is not one says what it could have meant. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/fixture.h"
#include "suites.h"

static const char *const mnist_files[4] = {
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
};

/* The test's folder's file name holds exactly lines lines, the first starting with
 * first (NULL: anything) and holding has (NULL: anything). */
static void assert_lines(const char *name, size_t lines, const char *first, const char *has)
{
    char *text = th_read_in(ft_dir(), name);
    ck_assert_msg(th_count_lines(text) == lines, "%s: %zu lines, expected %zu:\n%s", name,
                  th_count_lines(text), lines, text);
    ck_assert_msg(!first || strncmp(text, first, strlen(first)) == 0,
                  "%s does not start with '%s':\n%s", name, first, text);
    ck_assert_msg(!has || strstr(text, has), "'%s' not in %s:\n%s", has, name, text);
    free(text);
}

/* ft_dir()/dir holding the four file names, each of size bytes (not MNIST: they fail the
 * checksum), and ft_dir()/libexec/fetch-mnist, the source tree's script. */
static void fake_source(const char *dir, size_t size)
{
    ck_assert_int_eq(mkdir(ft_at("%s", dir), 0755), 0);
    char *junk = calloc(size, 1);
    ck_assert_ptr_nonnull(junk);
    for (size_t i = 0; i < 4; i++)
        ft_write_bytes(ft_at("%s/%s", dir, mnist_files[i]), junk, size);
    free(junk);
    char script[1100], cwd[1024]; /* the tests run in the source tree */
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(script, sizeof script, "%s/scripts/fetch-mnist.sh", cwd);
    ck_assert_int_eq(mkdir(ft_at("libexec"), 0755), 0);
    ck_assert_int_eq(symlink(script, ft_at("libexec/fetch-mnist")), 0);
}

/* A copy that fails (a file-size limit: EFBIG, what a full disk is to cp): one line on
 * stderr, ours, with cp's reason in it. */
START_TEST(test_fetch_copy_fails)
{
    fake_source("src", 300 * 1024);
    int rc = th_sh_in(ft_dir(),
                      "trap '' XFSZ; ulimit -f 100; NNTRAIN_LIBEXEC=\"$PWD/libexec\" \"$B\" fetch "
                      "mnist --source src --dest dest");
    ck_assert_int_eq(rc, 4);
    assert_lines("err.txt", 1, "fetch-mnist: error: cannot copy ",
                 "/.train-images-idx3-ubyte.gz.part.");
    assert_lines("err.txt", 1, NULL, ": File too large\n");
}
END_TEST

/* Newlines in the source and destination paths and in an argument: each message stays one
 * line, the newline shown as \n. */
START_TEST(test_fetch_newline_paths)
{
    fake_source("src\nnl", 1000);
    int rc = th_sh_in(ft_dir(), "NNTRAIN_LIBEXEC=\"$PWD/libexec\" \"$B\" fetch mnist --source "
                                "'src\nnl' --dest 'dest\nnl'");
    ck_assert_int_eq(rc, 3);
    assert_lines("out.txt", 1, "fetch-mnist: into ", "dest\\nnl (checksums: ");
    assert_lines("err.txt", 1, "fetch-mnist: error: could not get a verified ",
                 "src\\nnl/train-images-idx3-ubyte.gz: wrong SHA-256 ");
    ck_assert_int_eq(th_sh_in(ft_dir(), "\"$B\" fetch 'mn\nist'"), 2);
    assert_lines("err.txt", 1, "nntrain: fetch: 'mn\\nist' is not a data set", NULL);
}
END_TEST

/* loop1 -> loop2 -> loop1 in the test's folder, and data/mnist/l1 <-> l2, root/mnist/r1 <->
 * r2 (under the data root). */
static void make_loops(void)
{
    ft_mkdirs(ft_at("data/mnist/x"));
    ft_mkdirs(ft_at("root/mnist/x"));
    static const char *const pairs[3][2] = {
        {"loop1", "loop2"}, {"data/mnist/l1", "data/mnist/l2"}, {"root/mnist/r1", "root/mnist/r2"}};
    for (int i = 0; i < 3; i++) {
        const char *a = strrchr(pairs[i][0], '/'), *b = strrchr(pairs[i][1], '/');
        ck_assert_int_eq(symlink(b ? b + 1 : pairs[i][1], ft_at("%s", pairs[i][0])), 0);
        ck_assert_int_eq(symlink(a ? a + 1 : pairs[i][0], ft_at("%s", pairs[i][1])), 0);
    }
}

/* A symlink loop where a sweep's base or a data file is looked up: the message says
 * "Too many levels of symbolic links" and names the path that loops, instead of going on
 * to the next place to look and reporting that as missing. */
START_TEST(test_symlink_loops)
{
    make_loops();
    th_tiny_run(ft_dir(), "");
    /* The base next to the sweep file (sub/../loop1) loops; ./../loop1 does not exist. */
    ft_mkdirs(ft_at("sub/x"));
    ft_write_text(ft_at("sub/s.json"), "{\"base\": \"../loop1\", \"seeds\": [1], \"out\": \"o\"}");
    ck_assert_int_eq(th_sh_in(ft_dir(), "\"$B\" sweep sub/s.json"), 2);
    assert_lines("err.txt", 1,
                 "nntrain: sub/../loop1: cannot open base config: Too many levels of symbolic "
                 "links\n",
                 NULL);
    /* A data/ path that loops in the current folder, and one that loops under the root. */
    static const char *const env = "NNTRAIN_DATA=\"$PWD/root\" HOME=\"$PWD\"";
    ck_assert_int_eq(th_sh_in(ft_dir(), "%s \"$B\" tiny.json --set data.train_images=data/mnist/l1",
                              env),
                     3);
    assert_lines("err.txt", 1,
                 "nntrain: data/mnist/l1: cannot open the IDX image file: Too many levels of "
                 "symbolic links\n",
                 NULL);
    ck_assert_int_eq(th_sh_in(ft_dir(), "%s \"$B\" tiny.json --set data.test_labels=data/mnist/r1",
                              env),
                     3);
    assert_lines("err.txt", 1, "nntrain: ", "/root/mnist/r1: cannot open the IDX label file: Too many "
                                            "levels of symbolic links\n");
}
END_TEST

/* A long option that is not one: the options it abbreviates, the --set of a config key of
 * that name (with the value given), a near option. */
START_TEST(test_option_hints)
{
    static const struct {
        const char *args, *line;
    } cases[] = {
        {"--lr 0.1", "'--lr' is not an option; did you mean --set optimizer.lr=0.1?"},
        {"--lr=0.2", "'--lr=0.2' is not an option; did you mean --set optimizer.lr=0.2?"},
        {"--momentum", "'--momentum' is not an option; did you mean --set "
                       "optimizer.momentum=VALUE?"},
        {"--batch-size 32", "'--batch-size' is not an option; did you mean --set "
                            "train.batch_size=32?"},
        {"--optimizer.schedule.gamma 0.5", "'--optimizer.schedule.gamma' is not an option; did "
                                           "you mean --set optimizer.schedule.gamma=0.5?"},
        {"--negative_slope 0.1", "'--negative_slope' is not an option; did you mean --set "
                                 "model.I.negative_slope=0.1?"},
        {"--type relu", "'--type' is not an option; did you mean --set optimizer.type=relu, "
                        "--set optimizer.schedule.type=relu or --set model.I.type=relu?"},
        {"--se 3", "'--se' is ambiguous: it could be --seed or --set"},
        {"--seeds 3", "'--seeds' is not an option; did you mean --seed?"},
        {"--quiet=1", "'--quiet=1' is not an option: --quiet takes no value"},
        {"--bogus", "'--bogus' is not an option"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want[512];
        snprintf(want, sizeof want, "nntrain: %s (see nntrain --help)\n", cases[i].line);
        ck_assert_int_eq(th_sh_in(ft_dir(), "\"$B\" tiny.json %s", cases[i].args), 2);
        char *err = th_read_in(ft_dir(), "err.txt");
        ck_assert_msg(strcmp(err, want) == 0, "%s:\n got  %s want %s", cases[i].args, err, want);
        free(err);
    }
}
END_TEST

Suite *messages_suite(void)
{
    Suite *s = suite_create("messages");
    TCase *tc = tcase_create("binary");
    tcase_add_checked_fixture(tc, ft_setup, ft_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fetch_copy_fails);
    tcase_add_test(tc, test_fetch_newline_paths);
    tcase_add_test(tc, test_symlink_loops);
    tcase_add_test(tc, test_option_hints);
    suite_add_tcase(s, tc);
    return s;
}
