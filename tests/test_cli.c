/* test_cli.c - the nntrain binary end to end on small generated IDX files: CSV layout,
 * exit codes and one-line messages for bad configs and bad data, divergence,
 * determinism across runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"

static char *dir;

/* The config template: 8x8 synthetic images, 4 classes, a small ReLU net. */
static const char config_fmt[] =
    "{\"name\": \"tiny\", \"seed\": %d,\n"
    " \"data\": {\"format\": \"idx\", \"train_images\": \"%s/train-images.gz\",\n"
    "          \"train_labels\": \"%s/train-labels.gz\", \"test_images\": \"%s/test-images\",\n"
    "          \"test_labels\": \"%s/test-labels\"},\n"
    " \"model\": [{\"type\": \"dense\", \"units\": 16}, {\"type\": \"%s\"},\n"
    "           {\"type\": \"dense\", \"units\": 4}],\n"
    " \"optimizer\": {\"type\": \"sgd\", \"lr\": %s, \"momentum\": 0.9},\n"
    " \"train\": {\"epochs\": 3, \"batch_size\": 16},\n"
    " \"output\": {\"csv\": \"%s/out/tiny.csv\"}}\n";

static void write_config(const char *name, int seed, const char *act, const char *lr)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, config_fmt, seed, dir, dir, dir, dir, act, lr, dir);
    fclose(f);
}

static void setup(void)
{
    dir = th_tmpdir();
    ck_assert_ptr_nonnull(dir);
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 400, 8, 4, 1), 0);
    ck_assert_int_eq(th_synthetic(&test, 100, 8, 4, 2), 0);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/train-images.gz", dir);
    snprintf(b, sizeof b, "%s/train-labels.gz", dir);
    ck_assert_int_eq(th_write_idx(&train, a, b, 1), 0);
    snprintf(a, sizeof a, "%s/test-images", dir);
    snprintf(b, sizeof b, "%s/test-labels", dir);
    ck_assert_int_eq(th_write_idx(&test, a, b, 0), 0);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    write_config("tiny.json", 1, "relu", "0.05");
}

static void teardown(void)
{
    th_rmdir(dir);
    free(dir);
    dir = NULL;
}

/* Runs nntrain with args inside dir (a relative $NNTRAIN is relative to the directory
 * the tests run in); stdout to dir/out.txt, stderr to dir/err.txt. */
static int nntrain(const char *args)
{
    char cmd[2048];
    const char *bin = th_nntrain();
    snprintf(cmd, sizeof cmd, "B='%s%s'; cd '%s' && \"$B\" %s > out.txt 2> err.txt",
             bin[0] == '/' ? "" : "'\"$(pwd)\"'/", bin, dir, args);
    return th_run(cmd);
}

static char *read_in_dir(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *s = th_slurp(path);
    ck_assert_msg(s != NULL, "cannot read %s", path);
    return s;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* stderr ends with exactly one error line ("nntrain: ...") holding every needle; lines
 * before it may only be progress information (what was loaded). */
static void assert_one_line(const char *needle1, const char *needle2)
{
    char *err = read_in_dir("err.txt");
    size_t n = count_lines(err), errors = 0;
    ck_assert_msg(n >= 1 && err[strlen(err) - 1] == '\n', "no error line on stderr:\n%s", err);
    const char *last = err + strlen(err) - 1;
    while (last > err && last[-1] != '\n')
        last--;
    for (const char *p = err; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        errors += strncmp(p, "nntrain: ", 9) == 0;
    ck_assert_msg(errors == 1 && strncmp(last, "nntrain: ", 9) == 0,
                  "expected one error line, last on stderr, got:\n%s", err);
    ck_assert_msg(strstr(last, needle1), "'%s' not in: %s", needle1, last);
    if (needle2)
        ck_assert_msg(strstr(last, needle2), "'%s' not in: %s", needle2, last);
    free(err);
}

/* a and b are the same CSV apart from the seconds column, c is not; frees all three. */
static void assert_same_and_different(char *a, char *b, char *c)
{
    th_strip_last_column(a);
    th_strip_last_column(b);
    th_strip_last_column(c);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    free(a);
    free(b);
    free(c);
}

START_TEST(test_run_writes_csv)
{
    ck_assert_int_eq(nntrain("tiny.json --quiet"), 0);
    char *csv = read_in_dir("out/tiny.csv");
    ck_assert_uint_eq(count_lines(csv), 1 + 4); /* header + epochs 0..3 */
    const char *header = "epoch,step,lr,train_loss,train_acc,test_loss,test_acc,dead,dead_frac,"
                         "dead_1,seconds\n";
    ck_assert_msg(strncmp(csv, header, strlen(header)) == 0, "header: %s", csv);
    const char *row0 = strchr(csv, '\n') + 1;
    ck_assert_msg(strncmp(row0, "0,0,0.05,,,", 11) == 0, "epoch-0 row: %s", row0);
    /* The loss falls and the model learns: the last row's test accuracy is high. */
    const char *last = csv + strlen(csv) - 1;
    while (last > csv && last[-1] != '\n')
        last--;
    size_t epoch, step;
    double lr, tl, ta, vl, va;
    ck_assert_int_eq(sscanf(last, "%zu,%zu,%lf,%lf,%lf,%lf,%lf", &epoch, &step, &lr, &tl, &ta, &vl,
                            &va),
                     7);
    ck_assert_uint_eq(epoch, 3);
    ck_assert_uint_eq(step, 3 * 25);
    ck_assert_msg(va > 0.9, "test accuracy %g after 3 epochs", va);
    free(csv);
}
END_TEST

START_TEST(test_epochs_zero_and_stdout)
{
    ck_assert_int_eq(nntrain("tiny.json --quiet --epochs 0 --csv -"), 0);
    char *out = read_in_dir("out.txt");
    ck_assert_uint_eq(count_lines(out), 2);
    ck_assert_ptr_nonnull(strstr(out, "\n0,0,0.05,,,"));
    free(out);
}
END_TEST

START_TEST(test_prelu_columns)
{
    write_config("p.json", 1, "prelu", "0.05");
    ck_assert_int_eq(nntrain("p.json --quiet --epochs 1 --set model.1.num_parameters=16"), 0);
    char *csv = read_in_dir("out/tiny.csv");
    ck_assert_ptr_nonnull(strstr(csv, ",dead_1,slope_1,seconds\n"));
    ck_assert_ptr_nonnull(strstr(csv, ",0.250000,")); /* the epoch-0 mean slope */
    free(csv);
}
END_TEST

START_TEST(test_deterministic)
{
    ck_assert_int_eq(nntrain("tiny.json --quiet --csv a.csv"), 0);
    ck_assert_int_eq(nntrain("tiny.json --quiet --csv b.csv"), 0);
    ck_assert_int_eq(nntrain("tiny.json --quiet --csv c.csv --seed 2"), 0);
    char *a = read_in_dir("a.csv"), *b = read_in_dir("b.csv"), *c = read_in_dir("c.csv");
    assert_same_and_different(a, b, c);
}
END_TEST

/* Thread counts change nothing but speed: the CSVs are identical apart from seconds. */
START_TEST(test_threads_identical_csv)
{
    const char *wide = "--set model.0.units=300 --quiet";
    char args[256];
    for (int t = 1; t <= 2; t++) {
        snprintf(args, sizeof args, "tiny.json %s --threads %d --csv t%d.csv", wide, t, t);
        ck_assert_int_eq(nntrain(args), 0);
    }
    char *a = read_in_dir("t1.csv"), *b = read_in_dir("t2.csv");
    th_strip_last_column(a);
    th_strip_last_column(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_bad_config)
{
    ck_assert_int_eq(nntrain("tiny.json --set optimizer.momentun=0.5"), 2);
    assert_one_line("optimizer.momentun", "momentum");
    ck_assert_int_eq(nntrain("tiny.json --set model.1.type=\\\"not_an_activation\\\""), 2);
    assert_one_line("model[1].type", "not_an_activation");
    ck_assert_int_eq(nntrain("tiny.json --set optimizer.lr=-1"), 2);
    assert_one_line("optimizer.lr", "-1");
    ck_assert_int_eq(nntrain("tiny.json --set model.2.units=5"), 2);
    assert_one_line("model[2].units", "4");
    ck_assert_int_eq(nntrain("missing.json"), 2);
    assert_one_line("missing.json", NULL);
    ck_assert_int_eq(nntrain("tiny.json --bogus"), 2);
    assert_one_line("--bogus", NULL);
    ck_assert_int_eq(nntrain(""), 2);
    assert_one_line("CONFIG", NULL);
}
END_TEST

START_TEST(test_bad_data)
{
    ck_assert_int_eq(nntrain("tiny.json --set data.test_images=nope.idx"), 3);
    assert_one_line("nope.idx", NULL);
    /* Truncate the test images to 100 bytes. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "truncate -s 100 '%s/test-images'", dir);
    ck_assert_int_eq(th_run(cmd), 0);
    ck_assert_int_eq(nntrain("tiny.json"), 3);
    assert_one_line("test-images", "truncated");
    /* A label file with another count. */
    ck_assert_int_eq(nntrain("tiny.json --set data.test_labels=train-labels.gz "
                             "--set data.test_images=train-images.gz --set data.train_labels=test-labels"),
                     3);
    assert_one_line("labels", NULL);
}
END_TEST

START_TEST(test_divergence)
{
    write_config("hot.json", 1, "leaky_relu", "1000"); /* ReLU would just die */
    ck_assert_int_eq(nntrain("hot.json"), 1);
    char *err = read_in_dir("err.txt");
    ck_assert_msg(strstr(err, "diverged at epoch 1"), "stderr: %s", err);
    free(err);
    char *csv = read_in_dir("out/tiny.csv");
    ck_assert_uint_eq(count_lines(csv), 2); /* header and the epoch-0 row are kept */
    free(csv);
}
END_TEST

START_TEST(test_help_version)
{
    ck_assert_int_eq(nntrain("--help"), 0);
    char *out = read_in_dir("out.txt");
    ck_assert_ptr_nonnull(strstr(out, "--set KEY=VALUE"));
    free(out);
    ck_assert_int_eq(nntrain("--version"), 0);
}
END_TEST


START_TEST(test_validation_split)
{
    /* 100 of the 400 training samples held out: columns after train_acc, filled on row 0
     * too; 300 samples trained on (19 steps of 16 an epoch); the probe may use them. */
    const char *args = "tiny.json --quiet --set data.validation=100 --set dead_units.probe=val";
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s --csv v1.csv", args);
    ck_assert_int_eq(nntrain(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s --csv v2.csv", args);
    ck_assert_int_eq(nntrain(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s --csv v3.csv --seed 2", args);
    ck_assert_int_eq(nntrain(cmd), 0);
    char *a = read_in_dir("v1.csv"), *b = read_in_dir("v2.csv"), *c = read_in_dir("v3.csv");
    const char *header = "epoch,step,lr,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,"
                         "dead,dead_frac,dead_1,seconds\n";
    ck_assert_msg(strncmp(a, header, strlen(header)) == 0, "header: %s", a);
    const char *row0 = strchr(a, '\n') + 1;
    double vl = 0, va = -1;
    ck_assert_msg(sscanf(row0, "0,0,0.05,,,%lf,%lf,", &vl, &va) == 2, "row 0: %s", row0);
    ck_assert(vl > 0 && va >= 0 && va <= 1);
    const char *last = a + strlen(a) - 1;
    while (last > a && last[-1] != '\n')
        last--;
    size_t epoch = 0, step = 0;
    ck_assert_int_eq(sscanf(last, "%zu,%zu,%*g,%*g,%*g,%lf,%lf", &epoch, &step, &vl, &va), 4);
    ck_assert_uint_eq(epoch, 3);
    ck_assert_uint_eq(step, 3 * 19);
    ck_assert_msg(va > 0.9, "validation accuracy %g", va);
    /* Same seed, same split and run; another seed, another split. */
    assert_same_and_different(a, b, c);
}
END_TEST

START_TEST(test_validation_errors)
{
    ck_assert_int_eq(nntrain("tiny.json --set data.validation=400"), 2);
    assert_one_line("data.validation: holding out 400 samples leaves none to train on",
                    "400 training samples");
    ck_assert_int_eq(nntrain("tiny.json --set dead_units.probe=val"), 2);
    assert_one_line("dead_units.probe", "data.validation is 0");
    ck_assert_int_eq(nntrain("tiny.json --set data.validation=399 --epochs 1 --quiet"), 0);
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("binary");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_run_writes_csv);
    tcase_add_test(tc, test_epochs_zero_and_stdout);
    tcase_add_test(tc, test_prelu_columns);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_threads_identical_csv);
    tcase_add_test(tc, test_bad_config);
    tcase_add_test(tc, test_bad_data);
    tcase_add_test(tc, test_divergence);
    tcase_add_test(tc, test_help_version);
    tcase_add_test(tc, test_validation_split);
    tcase_add_test(tc, test_validation_errors);
    suite_add_tcase(s, tc);
    return s;
}
