/* e2e/fetch.c - the binary as an installed tool uses it: --version names the VERSION
 * file's version, a config's data/ paths are found under NNTRAIN_DATA from an empty
 * folder (runs and sweeps), and "nntrain fetch mnist" copies and verifies the files (a
 * corrupt one refused). The MNIST tests use the source tree's data/mnist as their data
 * and skip without it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "support/fixture.h"

#ifndef NNTRAIN_VERSION
#error "the Makefile passes NNTRAIN_VERSION (the file VERSION) to this test"
#endif

/* snprintf into the array buf, which must hold it all. */
#define FMT(buf, ...) ck_assert_uint_lt((size_t)snprintf(buf, sizeof buf, __VA_ARGS__), sizeof buf)

static const char *const mnist_files[] = {
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
};

static char repo[1024]; /* the source tree the tests run in */
static char bin[2048];  /* the binary under test, absolute */

static void setup(void)
{
    ft_setup();
    ck_assert_ptr_nonnull(getcwd(repo, sizeof repo));
    const char *b = th_nntrain();
    FMT(bin, "%s%s%s", b[0] == '/' ? "" : repo, b[0] == '/' ? "" : "/", b);
}

/* Runs "cd DIR/sub && ENV nntrain ARGS" (sub made first; ENV: VAR=value words; DIR the
 * test's folder) with stdout in DIR/out.txt and stderr in DIR/err.txt; the exit status.
 * NNTRAIN_DATA, XDG_DATA_HOME, NNTRAIN_LIBEXEC and MNIST_SOURCE are unset and HOME is
 * DIR/home unless ENV sets them. */
static int run_in(const char *sub, const char *env, const char *args)
{
    return th_sh_in(ft_dir(),
                    "mkdir -p '%s' && cd '%s' && env -u NNTRAIN_DATA -u XDG_DATA_HOME "
                    "-u NNTRAIN_LIBEXEC -u MNIST_SOURCE HOME='%s/home' %s '%s' %s",
                    sub, sub, ft_dir(), env, bin, args);
}

/* stderr holds each non-NULL needle. */
static void err_has(const char *a, const char *b)
{
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, a), "'%s' not in stderr:\n%s", a, err);
    ck_assert_msg(!b || strstr(err, b), "'%s' not in stderr:\n%s", b, err);
    free(err);
}

START_TEST(test_version)
{
    ck_assert_int_eq(run_in("v", "", "--version"), 0);
    char *out = th_read_in(ft_dir(), "out.txt");
    char want[64];
    FMT(want, "nntrain %s\n", NNTRAIN_VERSION);
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "line 1 is not '%s':\n%s", want, out);
    ck_assert_msg(strstr(out, "\nGEMM kernels: ") && strstr(out, "portable") &&
                      strstr(out, "\nBLAS: "),
                  "%s", out);
    free(out);
    /* The same version as the file VERSION of the source tree (the one source). */
    char *file = th_slurp("VERSION");
    ck_assert_ptr_nonnull(file);
    ck_assert_str_eq(file, NNTRAIN_VERSION "\n");
    free(file);
}
END_TEST

/* A run of configs/mnist_leaky.json (cut short) from an empty folder finds MNIST under
 * NNTRAIN_DATA; without it, one line names where it looked and how to fetch. */
START_TEST(test_data_from_anywhere)
{
    char args[2048], env[1200];
    FMT(args,
             "'%s/configs/mnist_leaky.json' --epochs 1 --threads 1 --quiet --csv out.csv "
             "--set data.train_limit=1000 --set data.test_limit=200",
             repo);
    FMT(env, "NNTRAIN_DATA='%s/data'", repo);
    ck_assert_int_eq(run_in("empty", env, args), 0);
    char *csv = th_read_in(ft_dir(), "empty/out.csv");
    size_t lines = 0;
    for (const char *p = csv; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 3); /* the header, epochs 0 and 1 */
    free(csv);
    ck_assert_int_eq(run_in("empty2", "", args), 3);
    char want[1200];
    FMT(want,
        "data.train_images: data/mnist/train-images-idx3-ubyte.gz not found (looked in "
        "./data/mnist/train-images-idx3-ubyte.gz, %s/home/.local/share/nntrain/mnist/"
        "train-images-idx3-ubyte.gz); run 'nntrain fetch mnist' or set NNTRAIN_DATA",
        ft_dir());
    err_has(want, NULL);
    /* A sweep over the same config (untrained networks: quick) resolves the same way. */
    char sweep[1400];
    FMT(sweep,
        "printf '{\"base\": \"%s/configs/mnist_leaky.json\", \"seeds\": [1], \"out\": "
        "\"sw\", \"set\": {\"train.epochs\": 0, \"data.train_limit\": 500, "
        "\"data.test_limit\": 100}}' > '%s/sweep.json'",
        repo, ft_dir());
    ck_assert_int_eq(th_run(sweep), 0);
    FMT(args, "sweep '%s/sweep.json' --quiet", ft_dir());
    ck_assert_int_eq(run_in("empty3", env, args), 0);
    ck_assert_int_eq(run_in("empty4", "", args), 3);
    err_has("nntrain fetch mnist", NULL);
}
END_TEST

/* DIR/name holds the four files, each the size of the source tree's copy. */
static void assert_fetched(const char *name)
{
    for (size_t i = 0; i < 4; i++) {
        char cmd[2048];
        FMT(cmd, "cmp -s '%s/data/mnist/%s' '%s/%s/%s'", repo, mnist_files[i], ft_dir(), name,
            mnist_files[i]);
        ck_assert_msg(th_run(cmd) == 0, "%s/%s differs or is missing", name, mnist_files[i]);
    }
}

START_TEST(test_fetch)
{
    char cmd[2048], env[1200], args[1200];
    FMT(cmd,
        "mkdir '%s/libexec' && ln -s '%s/scripts/fetch-mnist.sh' "
        "'%s/libexec/fetch-mnist'",
        ft_dir(), repo, ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    FMT(env, "NNTRAIN_LIBEXEC='%s/libexec'", ft_dir());
    FMT(args, "fetch mnist --source '%s/data/mnist' --dest '%s/m1'", repo, ft_dir());
    ck_assert_int_eq(run_in("w", env, args), 0);
    assert_fetched("m1");
    /* Again: verified and kept. */
    ck_assert_int_eq(run_in("w", env, args), 0);
    char *out = th_read_in(ft_dir(), "out.txt");
    ck_assert_msg(strstr(out, "t10k-labels-idx1-ubyte.gz: ok (already present)"), "%s", out);
    free(out);
    /* No --dest: <data root>/mnist. The source tree's script (build/nntrain's parent). */
    FMT(cmd,
        "mkdir -p '%s/tree/build' && cp '%s' '%s/tree/build/nntrain' && "
        "ln -s '%s/scripts' '%s/tree/scripts'",
        ft_dir(), bin, ft_dir(), repo, ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    FMT(bin, "%s/tree/build/nntrain", ft_dir());
    FMT(env, "NNTRAIN_DATA='%s/root'", ft_dir());
    FMT(args, "fetch mnist --source='%s/data/mnist'", repo);
    ck_assert_int_eq(run_in("w", env, args), 0);
    assert_fetched("root/mnist");
    /* NNTRAIN_LIBEXEC without the script: exit 4, naming it. */
    FMT(env, "NNTRAIN_LIBEXEC='%s/w'", ft_dir());
    ck_assert_int_eq(run_in("w", env, "fetch mnist --dest x"), 4);
    err_has("w/fetch-mnist: No such file", "NNTRAIN_LIBEXEC");
}
END_TEST

START_TEST(test_fetch_corrupt)
{
    char cmd[2048], env[1200], args[1200];
    FMT(cmd,
        "mkdir '%s/bad' && for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz "
        "t10k-images-idx3-ubyte.gz; do ln -s '%s/data/mnist/'$f '%s/bad/'$f || exit 1; done "
        "&& printf 'not mnist' > '%s/bad/t10k-labels-idx1-ubyte.gz'",
        ft_dir(), repo, ft_dir(), ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    FMT(env, "NNTRAIN_LIBEXEC='%s/scripts'", ft_dir());
    FMT(cmd,
        "mkdir '%s/scripts' && ln -s '%s/scripts/fetch-mnist.sh' "
        "'%s/scripts/fetch-mnist'",
        ft_dir(), repo, ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    FMT(args, "fetch mnist --source '%s/bad' --dest '%s/m'", ft_dir(), ft_dir());
    ck_assert_int_eq(run_in("w", env, args), 3);
    err_has("error: could not get a verified t10k-labels-idx1-ubyte.gz: ", "wrong SHA-256");
    /* Neither the bad file nor a partial download is left. */
    FMT(cmd, "test -z \"$(ls -A '%s/m' | grep t10k-labels)\"", ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
}
END_TEST

/* --source D --dest D with a damaged file: the user's own file is reported (exit 3) and
 * left byte for byte as it was, the good ones verified in place; the same through a
 * destination whose file is a symlink to the source's. */
START_TEST(test_fetch_source_is_dest)
{
    char cmd[2048], env[1200], args[1200];
    FMT(cmd,
        "mkdir '%s/own' && for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz "
        "t10k-images-idx3-ubyte.gz; do cp '%s/data/mnist/'$f '%s/own/'$f || exit 1; done "
        "&& printf 'mine, damaged' > '%s/own/t10k-labels-idx1-ubyte.gz' && "
        "mkdir '%s/scripts' && ln -s '%s/scripts/fetch-mnist.sh' '%s/scripts/fetch-mnist'",
        ft_dir(), repo, ft_dir(), ft_dir(), ft_dir(), repo, ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    FMT(env, "NNTRAIN_LIBEXEC='%s/scripts'", ft_dir());
    FMT(args, "fetch mnist --source '%s/own' --dest '%s/own'", ft_dir(), ft_dir());
    ck_assert_int_eq(run_in("w", env, args), 3);
    err_has("own/t10k-labels-idx1-ubyte.gz: wrong SHA-256", "left as it is");
    char *kept = th_read_in(ft_dir(), "own/t10k-labels-idx1-ubyte.gz");
    ck_assert_str_eq(kept, "mine, damaged");
    free(kept);
    /* A destination whose file links to the source's: the source's file stays too. */
    FMT(cmd, "mkdir '%s/d2' && ln -s '%s/own/t10k-labels-idx1-ubyte.gz' '%s/d2/'", ft_dir(),
        ft_dir(), ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    FMT(args, "fetch mnist --source '%s/own' --dest '%s/d2'", ft_dir(), ft_dir());
    ck_assert_int_eq(run_in("w", env, args), 3);
    err_has("left as it is", NULL);
    kept = th_read_in(ft_dir(), "own/t10k-labels-idx1-ubyte.gz");
    ck_assert_str_eq(kept, "mine, damaged");
    free(kept);
    /* Repaired, the same command verifies every file in place and leaves them be. */
    FMT(cmd, "cp '%s/data/mnist/t10k-labels-idx1-ubyte.gz' '%s/own/'", repo, ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    FMT(args, "fetch mnist --source '%s/own' --dest '%s/own'", ft_dir(), ft_dir());
    ck_assert_int_eq(run_in("w", env, args), 0);
    assert_fetched("own");
    FMT(cmd, "test -z \"$(ls -A '%s/own' | grep part)\"", ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
}
END_TEST

Suite *fetch_suite(th_skips *sk)
{
    Suite *s = suite_create("fetch");
    TCase *tc = tcase_create("binary");
    tcase_add_checked_fixture(tc, setup, ft_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_version);
    int mnist = 1;
    for (size_t i = 0; i < 4; i++) {
        char path[256];
        snprintf(path, sizeof path, "data/mnist/%s", mnist_files[i]);
        mnist &= access(path, R_OK) == 0;
    }
    if (mnist) {
        tcase_add_test(tc, test_data_from_anywhere);
        tcase_add_test(tc, test_fetch);
        tcase_add_test(tc, test_fetch_corrupt);
        tcase_add_test(tc, test_fetch_source_is_dest);
    } else {
        th_skip(sk, "fetch",
                "test_data_from_anywhere, test_fetch, test_fetch_corrupt, "
                "test_fetch_source_is_dest",
                4,
                "no data/mnist in the source tree (make data fetches it)");
    }
    suite_add_tcase(s, tc);
    return s;
}
