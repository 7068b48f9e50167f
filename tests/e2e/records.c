/* e2e/records.c - a run says how it was made and never destroys another: the status file
 * records the resolved config (--set applied), the command line, the version and the GEMM
 * kernel, and that config redoes the run; checkpoints carry the same and nntrain eval
 * carries them on; a second run of a config keeps the first's files under a new number;
 * eval refuses a --config of another model and checks its --csv before any work. */
#include <check.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/safetensors.h"
#include "suites.h"
#include "support/fixture.h"
#include "sys/version.h"

/* The tiny run (fixture.h) in the test's folder. */
static void setup(void)
{
    ft_setup();
    th_tiny_run(ft_dir(), "");
}

static int in_dir(const char *cmd)
{
    return th_sh_in(ft_dir(), "%s", cmd);
}

/* The JSON file name in the test's folder (cJSON_Delete it). */
static cJSON *read_json(const char *name)
{
    char *text = th_read_in(ft_dir(), name);
    cJSON *j = cJSON_Parse(text);
    ck_assert_msg(j != NULL, "%s is not JSON: %s", name, text);
    free(text);
    return j;
}

static const char *str_at(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsString(v), "no string \"%s\"", key);
    return v->valuestring;
}

/* The CSV name without its last column (seconds), malloc'ed. */
static char *rows_of(const char *name)
{
    char *csv = th_read_in(ft_dir(), name);
    th_strip_last_column(csv);
    return csv;
}

/* The status file holds the version, the kernel, the command and the resolved config;
 * that config, run again, gives the same rows. */
START_TEST(test_status_records_how_made)
{
    ck_assert_int_eq(in_dir("NNTRAIN_GEMM=portable \"$B\" tiny.json --quiet --epochs 2 --set "
                            "optimizer.lr=0.1 --csv r/x.csv"),
                     0);
    cJSON *st = read_json("r/x.status.json");
    ck_assert_str_eq(str_at(st, "nntrain_version"), nn_version());
    ck_assert_str_eq(str_at(st, "gemm_kernel"), "portable");
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(st, "command");
    static const char *const words[] = {"tiny.json", "--quiet",          "--epochs", "2",
                                        "--set",     "optimizer.lr=0.1", "--csv",    "r/x.csv"};
    ck_assert_int_eq(cJSON_GetArraySize(cmd), 9);
    for (int i = 0; i < 8; i++)
        ck_assert_str_eq(cJSON_GetArrayItem(cmd, i + 1)->valuestring, words[i]);
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(st, "config");
    const cJSON *lr =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cfg, "optimizer"), "lr");
    ck_assert_double_eq(cJSON_GetNumberValue(lr), 0.1);
    ck_assert_str_eq(str_at(cJSON_GetObjectItemCaseSensitive(cfg, "output"), "csv"), "r/x.csv");
    char *text = cJSON_Print(cfg);
    ft_write_text(ft_at("again.json"), text);
    free(text);
    cJSON_Delete(st);
    /* The recorded config alone redoes the run: the same rows. */
    ck_assert_int_eq(in_dir("NNTRAIN_GEMM=portable \"$B\" again.json --quiet --csv r/y.csv"), 0);
    char *first = rows_of("r/x.csv"), *again = rows_of("r/y.csv");
    ck_assert_str_eq(first, again);
    ck_assert_uint_eq(th_count_lines(again), 4);
    free(first);
    free(again);
}
END_TEST

/* A checkpoint records the same, and eval shows it and its own in the table and the CSV;
 * eval's --csv folders are created. */
START_TEST(test_checkpoint_and_eval_carry_it)
{
    ck_assert_int_eq(in_dir("NNTRAIN_GEMM=portable \"$B\" tiny.json --quiet --set "
                            "output.checkpoint=ck.st --set optimizer.lr='0.1'"),
                     0);
    nn_st_file f;
    nn_error err;
    ck_assert_int_eq(nn_st_read(ft_at("ck.st"), &f, &err), NN_OK);
    ck_assert_str_eq(nn_st_meta(&f, "nntrain_version"), nn_version());
    ck_assert_str_eq(nn_st_meta(&f, "gemm_kernel"), "portable");
    ck_assert_ptr_nonnull(
        strstr(nn_st_meta(&f, "command"),
               "\"tiny.json\",\"--quiet\",\"--set\",\"output.checkpoint=ck.st\""));
    nn_st_free(&f);
    ck_assert_int_eq(in_dir("\"$B\" eval ck.st --csv new/sub/e.csv --quiet"), 0);
    char *out = th_read_in(ft_dir(), "out.txt"), want[512];
    snprintf(want, sizeof want, "\ntrained by  nntrain %s, GEMM kernel portable: ", nn_version());
    ck_assert_msg(strstr(out, want) &&
                      strstr(out, " tiny.json --quiet --set output.checkpoint=ck.st "
                                  "--set optimizer.lr=0.1\nevaluated   nntrain "),
                  "%s", out);
    free(out);
    char *csv = th_read_in(ft_dir(), "new/sub/e.csv");
    snprintf(want, sizeof want,
             "\nmade_by,run,nntrain_version,%s\nmade_by,run,gemm_kernel,portable\n", nn_version());
    ck_assert_msg(strstr(csv, want) && strstr(csv, "\ncheckpoint,,,ck.st\n") &&
                      strstr(csv, "\nconfig,,,\"{\"\"name\"\":\"\"tiny\"\"") &&
                      strstr(csv, "\nmade_by,eval,command,nntrain eval ck.st --csv new/sub/e.csv "
                                  "--quiet\n"),
                  "%s", csv);
    free(csv);
}
END_TEST

/* Before any work: an eval --csv that cannot be written is exit 2, and nothing is printed. */
START_TEST(test_eval_csv_checked_first)
{
    ck_assert_int_eq(in_dir("\"$B\" tiny.json --quiet --set output.checkpoint=ck.st"), 0);
    ck_assert_int_eq(in_dir("mkdir adir && \"$B\" eval ck.st --csv adir"), 2);
    char *out = th_read_in(ft_dir(), "out.txt"), *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(!*out && strstr(err, "adir: cannot write the CSV (--csv): Is a directory"),
                  "%s%s", out, err);
    free(out);
    free(err);
    ck_assert_int_eq(in_dir("\"$B\" eval ck.st --csv /proc/none/e.csv"), 2);
    out = th_read_in(ft_dir(), "out.txt");
    err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(!*out && strstr(err, "/proc/none: cannot create") && th_count_lines(err) == 1,
                  "%s%s", out, err);
    free(out);
    free(err);
}
END_TEST

/* eval --config of another model is refused, naming the first difference; the same model
 * written otherwise (explicit defaults, other data limits) is taken. */
START_TEST(test_eval_config_of_another_model)
{
    ck_assert_int_eq(in_dir("\"$B\" tiny.json --quiet --set output.checkpoint=ck.st"), 0);
    ck_assert_int_eq(in_dir("sed 's/\"relu\"/\"selu\"/' tiny.json > selu.json && "
                            "\"$B\" eval ck.st --config selu.json"),
                     2);
    char *out = th_read_in(ft_dir(), "out.txt"), *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(!*out && strstr(err, "--config selu.json describes another model: "
                                       "model[1].type is \"relu\" in the checkpoint's config, "
                                       "\"selu\" in selu.json"),
                  "%s%s", out, err);
    free(err);
    free(out);
    ck_assert_int_eq(in_dir("sed 's/\"units\": 4}/\"units\": 4, \"bias\": true}/' tiny.json > "
                            "same.json && grep -q '\"bias\": true' same.json && "
                            "\"$B\" eval ck.st --config same.json --quiet"),
                     0);
}
END_TEST

/* A second run of a config keeps the first's files (CSV, status, per-unit CSV, checkpoint)
 * under the next free number, byte for byte; a resumed run appends and keeps nothing. */
START_TEST(test_rerun_keeps_earlier_files)
{
    const char *run = "\"$B\" tiny.json --set output.units=out/tiny.units.csv "
                      "--set output.checkpoint=out/tiny.safetensors";
    ck_assert_int_eq(th_sh_in(ft_dir(), "%s --quiet && mkdir first && cp out/* first/", run), 0);
    ck_assert_int_eq(th_sh_in(ft_dir(), "%s", run), 0);
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, "kept the earlier run's files as out/tiny.1.csv, "
                              "out/tiny.1.status.json, out/tiny.1.units.csv, "
                              "out/tiny.1.safetensors"),
                  "%s", err);
    free(err);
    ck_assert_int_eq(in_dir("for f in csv status.json units.csv safetensors; do "
                            "cmp first/tiny.$f out/tiny.1.$f || exit 1; test -s out/tiny.$f || "
                            "exit 1; done"),
                     0);
    ck_assert_int_eq(th_sh_in(ft_dir(),
                              "%s --quiet && test -e out/tiny.2.csv && "
                              "test -e out/tiny.2.safetensors && cmp first/tiny.csv "
                              "out/tiny.1.csv",
                              run),
                     0);
    /* --resume goes on in its files: nothing kept, nothing renamed. */
    ck_assert_int_eq(th_sh_in(ft_dir(),
                              "%s --quiet --epochs 2 --resume out/tiny.safetensors && "
                              "test ! -e out/tiny.3.csv && test $(wc -l < out/tiny.csv) "
                              "-eq 4",
                              run),
                     0);
    /* Only regular files are kept: a CSV on /dev/null is written as it is. */
    ck_assert_int_eq(in_dir("\"$B\" tiny.json --quiet --csv /dev/null && \"$B\" tiny.json "
                            "--quiet --csv /dev/null && test -c /dev/null && test ! -e "
                            "/dev/null.1.csv && test ! -e /dev/null.1"),
                     0);
}
END_TEST

Suite *records_suite(void)
{
    Suite *s = suite_create("records");
    TCase *tc = tcase_create("records");
    tcase_add_checked_fixture(tc, setup, ft_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_status_records_how_made);
    tcase_add_test(tc, test_checkpoint_and_eval_carry_it);
    tcase_add_test(tc, test_eval_csv_checked_first);
    tcase_add_test(tc, test_eval_config_of_another_model);
    tcase_add_test(tc, test_rerun_keeps_earlier_files);
    suite_add_tcase(s, tc);
    return s;
}
