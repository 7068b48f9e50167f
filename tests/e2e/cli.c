/* e2e/cli.c - the nntrain binary end to end on small generated IDX files: CSV layout,
 * exit codes and one-line messages for bad configs and bad data, divergence,
 * determinism across runs. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/fixture.h"
#include "support/helpers.h"
#include "suites.h"

/* The config template: 8x8 synthetic images, 4 classes, the model given as JSON. */
static const char config_fmt[] =
    "{\"name\": \"tiny\", \"seed\": %d,\n"
    " \"data\": {\"format\": \"idx\", \"train_images\": \"%s/train-images.gz\",\n"
    "          \"train_labels\": \"%s/train-labels.gz\", \"test_images\": \"%s/test-images\",\n"
    "          \"test_labels\": \"%s/test-labels\"},\n"
    " \"model\": %s,\n"
    " \"optimizer\": {\"type\": \"sgd\", \"lr\": %s, \"momentum\": 0.9},\n"
    " \"train\": {\"epochs\": 3, \"batch_size\": 16},\n"
    " \"output\": {\"csv\": \"%s/out/tiny.csv\"}}\n";

static void write_model_config(const char *name, int seed, const char *model, const char *lr)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", ft_dir(), name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, config_fmt, seed, ft_dir(), ft_dir(), ft_dir(), ft_dir(), model, lr, ft_dir());
    fclose(f);
}

/* A small net: dense 16, the activation act, dense 4. */
static void write_config(const char *name, int seed, const char *act, const char *lr)
{
    char model[256];
    snprintf(model, sizeof model,
             "[{\"type\": \"dense\", \"units\": 16}, {\"type\": \"%s\"},\n"
             "           {\"type\": \"dense\", \"units\": 4}]",
             act);
    write_model_config(name, seed, model, lr);
}

/* Writes n synthetic images of side x side in n_classes classes as dir/<name>-images and
 * dir/<name>-labels. */
static void write_set(const char *name, size_t n, size_t side, size_t n_classes, unsigned seed,
                      int gz)
{
    nn_dataset ds;
    ck_assert_int_eq(th_synthetic(&ds, n, side, n_classes, seed), 0);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/%s-images%s", ft_dir(), name, gz ? ".gz" : "");
    snprintf(b, sizeof b, "%s/%s-labels%s", ft_dir(), name, gz ? ".gz" : "");
    ck_assert_int_eq(th_write_idx(&ds, a, b, gz), 0);
    nn_dataset_free(&ds);
}

static void setup(void)
{
    ft_setup();
    write_set("train", 400, 8, 4, 1, 1);
    write_set("test", 100, 8, 4, 2, 0);
    write_config("tiny.json", 1, "relu", "0.05");
}

/* The start of the last line of s (s ends with a newline). */
static const char *last_line(const char *s)
{
    const char *last = s + strlen(s);
    if (last > s)
        last--;
    while (last > s && last[-1] != '\n')
        last--;
    return last;
}

/* stderr ends with exactly one error line ("nntrain: ...") holding every needle; lines
 * before it may only be progress information (what was loaded). */
static void assert_one_line(const char *needle1, const char *needle2)
{
    char *err = th_read_in(ft_dir(), "err.txt");
    size_t n = th_count_lines(err), errors = 0;
    ck_assert_msg(n >= 1 && err[strlen(err) - 1] == '\n', "no error line on stderr:\n%s", err);
    const char *last = last_line(err);
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
    ck_assert_int_eq(ft_nntrain("tiny.json --quiet"), 0);
    char *csv = th_read_in(ft_dir(), "out/tiny.csv");
    ck_assert_uint_eq(th_count_lines(csv), 1 + 4); /* header + epochs 0..3 */
    const char *header = "epoch,step,lr,train_loss,train_acc,test_loss,test_acc,dead,dead_frac,"
                         "dead_1,constant_output,seconds\n";
    ck_assert_msg(strncmp(csv, header, strlen(header)) == 0, "header: %s", csv);
    const char *row0 = strchr(csv, '\n') + 1;
    ck_assert_msg(strncmp(row0, "0,0,0.05,,,", 11) == 0, "epoch-0 row: %s", row0);
    /* The loss falls and the model learns: the last row's test accuracy is high. */
    const char *last = last_line(csv);
    size_t epoch, step;
    double lr, tl, ta, vl, va;
    ck_assert_int_eq(
        sscanf(last, "%zu,%zu,%lf,%lf,%lf,%lf,%lf", &epoch, &step, &lr, &tl, &ta, &vl, &va), 7);
    ck_assert_uint_eq(epoch, 3);
    ck_assert_uint_eq(step, 3 * 25);
    ck_assert_msg(va > 0.9, "test accuracy %g after 3 epochs", va);
    free(csv);
}
END_TEST

START_TEST(test_epochs_zero_and_stdout)
{
    ck_assert_int_eq(ft_nntrain("tiny.json --quiet --epochs 0 --csv -"), 0);
    char *out = th_read_in(ft_dir(), "out.txt");
    ck_assert_uint_eq(th_count_lines(out), 2);
    ck_assert_ptr_nonnull(strstr(out, "\n0,0,0.05,,,"));
    free(out);
}
END_TEST

START_TEST(test_prelu_columns)
{
    write_config("p.json", 1, "prelu", "0.05");
    ck_assert_int_eq(ft_nntrain("p.json --quiet --epochs 1 --set model.1.num_parameters=16"), 0);
    char *csv = th_read_in(ft_dir(), "out/tiny.csv");
    ck_assert_ptr_nonnull(strstr(csv, ",dead_1,slope_1,constant_output,seconds\n"));
    ck_assert_ptr_nonnull(strstr(csv, ",0.250000,")); /* the epoch-0 mean slope */
    free(csv);
}
END_TEST

START_TEST(test_deterministic)
{
    ck_assert_int_eq(ft_nntrain("tiny.json --quiet --csv a.csv"), 0);
    ck_assert_int_eq(ft_nntrain("tiny.json --quiet --csv b.csv"), 0);
    ck_assert_int_eq(ft_nntrain("tiny.json --quiet --csv c.csv --seed 2"), 0);
    char *a = th_read_in(ft_dir(), "a.csv"), *b = th_read_in(ft_dir(), "b.csv"),
         *c = th_read_in(ft_dir(), "c.csv");
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
        ck_assert_int_eq(ft_nntrain(args), 0);
    }
    char *a = th_read_in(ft_dir(), "t1.csv"), *b = th_read_in(ft_dir(), "t2.csv");
    th_strip_last_column(a);
    th_strip_last_column(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_bad_config)
{
    ck_assert_int_eq(ft_nntrain("tiny.json --set optimizer.momentun=0.5"), 2);
    assert_one_line("optimizer.momentun", "momentum");
    ck_assert_int_eq(ft_nntrain("tiny.json --set model.1.type=\\\"not_an_activation\\\""), 2);
    assert_one_line("model[1].type", "not_an_activation");
    ck_assert_int_eq(ft_nntrain("tiny.json --set optimizer.lr=-1"), 2);
    assert_one_line("optimizer.lr", "-1");
    ck_assert_int_eq(ft_nntrain("tiny.json --set model.2.units=5"), 2);
    assert_one_line("model[2].units", "4");
    ck_assert_int_eq(ft_nntrain("missing.json"), 2);
    assert_one_line("missing.json", NULL);
    ck_assert_int_eq(ft_nntrain("tiny.json --bogus"), 2);
    assert_one_line("--bogus", NULL);
    ck_assert_int_eq(ft_nntrain(""), 2);
    assert_one_line("CONFIG", NULL);
}
END_TEST

START_TEST(test_bad_data)
{
    ck_assert_int_eq(ft_nntrain("tiny.json --set data.test_images=nope.idx"), 3);
    assert_one_line("nope.idx", NULL);
    /* Truncate the test images to 100 bytes. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "truncate -s 100 '%s/test-images'", ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    ck_assert_int_eq(ft_nntrain("tiny.json"), 3);
    assert_one_line("test-images", "truncated");
    /* A label file with another count. */
    ck_assert_int_eq(
        ft_nntrain("tiny.json --set data.test_labels=train-labels.gz "
                   "--set data.test_images=train-images.gz --set data.train_labels=test-labels"),
        3);
    assert_one_line("labels", NULL);
}
END_TEST

START_TEST(test_divergence)
{
    write_config("hot.json", 1, "leaky_relu", "1000"); /* ReLU would just die */
    ck_assert_int_eq(ft_nntrain("hot.json"), 1);
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, "diverged at epoch 1"), "stderr: %s", err);
    free(err);
    char *csv = th_read_in(ft_dir(), "out/tiny.csv");
    ck_assert_uint_eq(th_count_lines(csv), 2); /* header and the epoch-0 row are kept */
    free(csv);
}
END_TEST

/* SIGINT or SIGTERM once the CSV has rows: the run stops before its next batch, exit code
 * 130, one line saying where, the status file says "interrupted". */
START_TEST(test_interrupt_signal)
{
    static const int sigs[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
        char csv_path[512];
        snprintf(csv_path, sizeof csv_path, "%s/out/tiny.csv", ft_dir());
        remove(csv_path);
        pid_t pid = th_sh_start(ft_dir(), "exec \"$B\" tiny.json --epochs 1000000");
        const struct timespec tick = {0, 10 * 1000 * 1000};
        size_t lines = 0;
        for (int t = 0; t < 2000 && lines < 3; t++) { /* up to 20 s */
            nanosleep(&tick, NULL);
            char *csv = th_slurp(csv_path);
            lines = csv ? th_count_lines(csv) : 0;
            free(csv);
        }
        ck_assert_int_eq(kill(pid, sigs[i]), 0);
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(lines >= 3, "the CSV never got 2 rows");
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 130, "signal %d: status %#x",
                      sigs[i], status);
        assert_one_line("nntrain: interrupted at epoch ",
                        "out/tiny.csv keeps the rows of epochs 0..");
        char *json = th_read_in(ft_dir(), "out/tiny.status.json");
        ck_assert_msg(strstr(json, "\"interrupted\""), "%s", json);
        free(json);
    }
}
END_TEST

START_TEST(test_help_version)
{
    ck_assert_int_eq(ft_nntrain("--help"), 0);
    char *out = th_read_in(ft_dir(), "out.txt");
    ck_assert_ptr_nonnull(strstr(out, "--set KEY=VALUE"));
    free(out);
    ck_assert_int_eq(ft_nntrain("--version"), 0);
}
END_TEST

START_TEST(test_validation_split)
{
    /* 100 of the 400 training samples held out: columns after train_acc, filled on row 0
     * too; 300 samples trained on (19 steps of 16 an epoch); the probe may use them. */
    const char *args = "tiny.json --quiet --set data.validation=100 --set dead_units.probe=val";
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s --csv v1.csv", args);
    ck_assert_int_eq(ft_nntrain(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s --csv v2.csv", args);
    ck_assert_int_eq(ft_nntrain(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s --csv v3.csv --seed 2", args);
    ck_assert_int_eq(ft_nntrain(cmd), 0);
    char *a = th_read_in(ft_dir(), "v1.csv"), *b = th_read_in(ft_dir(), "v2.csv"),
         *c = th_read_in(ft_dir(), "v3.csv");
    const char *header = "epoch,step,lr,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,"
                         "dead,dead_frac,dead_1,constant_output,seconds\n";
    ck_assert_msg(strncmp(a, header, strlen(header)) == 0, "header: %s", a);
    const char *row0 = strchr(a, '\n') + 1;
    double vl = 0, va = -1;
    ck_assert_msg(sscanf(row0, "0,0,0.05,,,%lf,%lf,", &vl, &va) == 2, "row 0: %s", row0);
    ck_assert(vl > 0 && va >= 0 && va <= 1);
    const char *last = last_line(a);
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
    ck_assert_int_eq(ft_nntrain("tiny.json --set data.validation=400"), 2);
    assert_one_line("data.validation: holding out 400 samples leaves none to train on",
                    "400 training samples");
    ck_assert_int_eq(ft_nntrain("tiny.json --set dead_units.probe=val"), 2);
    assert_one_line("dead_units.probe", "data.validation is 0");
    ck_assert_int_eq(ft_nntrain("tiny.json --set data.validation=399 --epochs 1 --quiet"), 0);
}
END_TEST

/* Bad usage: exit 2 and one line naming what is wrong. */
START_TEST(test_usage_errors)
{
    static const struct {
        const char *args, *needle;
    } cases[] = {
        {"tiny.json --csv", "'--csv' needs a value"},
        {"tiny.json --csv --quiet", "'--csv' needs a value"},
        {"tiny.json --set", "'--set' needs a value"},
        {"tiny.json --epochs abc", "--epochs: expected an integer in [0, 2^53], found 'abc'"},
        {"tiny.json --threads=-1", "--threads: expected an integer"},
        {"tiny.json --seed 9007199254740993", "--seed: expected an integer"},
        {"tiny.json other.json", "found a second one: 'other.json'"},
        {"-x tiny.json", "'-x' is not an option"},
        {"tiny.json --bogus=1", "'--bogus=1' is not an option"},
        {"tiny.json --quiet=1", "'--quiet=1' is not an option"},
        {"tiny.json check-data", "found a second one: 'check-data'"},
        {"check-data", "no CONFIG given"},
        {"check-data tiny.json other.json", "found a second one: 'other.json'"},
        {"export-images a b", "three arguments"},
        {"export-images -a b c", "three arguments"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(ft_nntrain(cases[i].args) == 2, "%s: not exit 2", cases[i].args);
        assert_one_line(cases[i].needle, NULL);
    }
    /* The same help text wherever it is asked for. */
    ck_assert_int_eq(ft_nntrain("--help"), 0);
    char *help = th_read_in(ft_dir(), "out.txt");
    const char *asks[] = {"-h", "tiny.json --quiet --help", "check-data --help",
                          "export-images --help"};
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        ck_assert_int_eq(ft_nntrain(asks[i]), 0);
        char *out = th_read_in(ft_dir(), "out.txt");
        ck_assert_str_eq(out, help);
        free(out);
    }
    free(help);
}
END_TEST

/* check-data and a training run given the same arguments fail alike: the same exit code
 * and the same error line (both make their checks through nn_check_run). */
static void assert_check_agrees(const char *args, int code, const char *needle)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "check-data %s", args);
    ck_assert_int_eq(ft_nntrain(cmd), code);
    assert_one_line(needle, NULL);
    char *check = th_read_in(ft_dir(), "err.txt");
    ck_assert_int_eq(ft_nntrain(args), code);
    assert_one_line(needle, NULL);
    char *train = th_read_in(ft_dir(), "err.txt");
    ck_assert_str_eq(last_line(check), last_line(train));
    free(check);
    free(train);
}

/* Issue 10's bug: check-data said "data ok" (exit 0) when the last dense layer did not fit
 * the classes, which a training run refuses (exit 2). */
START_TEST(test_check_data_model_vs_data)
{
    write_model_config("deep.json", 1,
                       "[{\"type\": \"dense\", \"units\": 16}, {\"type\": \"relu\"},"
                       " {\"type\": \"dense\", \"units\": 16}, {\"type\": \"relu\"},"
                       " {\"type\": \"dense\", \"units\": 4}]",
                       "0.05");
    assert_check_agrees("deep.json --set model.4.units=7", 2, "model[4].units");
    assert_one_line("has 7 units", "set it to 4");
}
END_TEST

START_TEST(test_check_data_agrees)
{
    write_set("five", 100, 8, 5, 3, 0);  /* labels up to 4 */
    write_set("wide", 100, 10, 4, 4, 0); /* 10x10 images */
    /* A PReLU on the input: its width (64) is known only from the data. */
    write_model_config("p.json", 1,
                       "[{\"type\": \"prelu\", \"num_parameters\": 7},"
                       " {\"type\": \"dense\", \"units\": 4}]",
                       "0.05");
    static const struct {
        const char *args;
        int code;
        const char *needle;
    } cases[] = {
        {"tiny.json --set data.validation=400", 2, "data.validation"},
        {"tiny.json --set dead_units.probe=val", 2, "dead_units.probe"},
        {"tiny.json --set data.test_images=five-images --set data.test_labels=five-labels", 3,
         "test labels go up to 4"},
        {"tiny.json --set data.test_images=wide-images --set data.test_labels=wide-labels", 3,
         "100 features"},
        {"p.json", 2, "model[0]"},
        {"tiny.json --set data.test_images=nope.idx", 3, "nope.idx"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_check_agrees(cases[i].args, cases[i].code, cases[i].needle);
}
END_TEST

START_TEST(test_check_data_ok)
{
    ck_assert_int_eq(ft_nntrain("check-data tiny.json --set data.validation=100"), 0);
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_str_eq(last_line(err), "data ok: 400 training (100 held out for validation) and "
                                     "100 test samples, 4 classes\n");
    free(err);
    char path[512];
    snprintf(path, sizeof path, "%s/out/tiny.csv", ft_dir());
    char *csv = th_slurp(path);
    ck_assert_msg(csv == NULL, "check-data wrote %s", path);
    ck_assert_int_eq(ft_nntrain("check-data tiny.json --quiet"), 0);
    err = th_read_in(ft_dir(), "err.txt");
    ck_assert_str_eq(err, "");
    free(err);
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("binary");
    tcase_add_checked_fixture(tc, setup, ft_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_run_writes_csv);
    tcase_add_test(tc, test_epochs_zero_and_stdout);
    tcase_add_test(tc, test_prelu_columns);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_threads_identical_csv);
    tcase_add_test(tc, test_bad_config);
    tcase_add_test(tc, test_bad_data);
    tcase_add_test(tc, test_divergence);
    tcase_add_test(tc, test_interrupt_signal);
    tcase_add_test(tc, test_help_version);
    tcase_add_test(tc, test_validation_split);
    tcase_add_test(tc, test_validation_errors);
    tcase_add_test(tc, test_usage_errors);
    tcase_add_test(tc, test_check_data_model_vs_data);
    tcase_add_test(tc, test_check_data_agrees);
    tcase_add_test(tc, test_check_data_ok);
    suite_add_tcase(s, tc);
    return s;
}
