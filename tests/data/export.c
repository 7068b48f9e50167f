/* data/export.c - a data set written as PNGs (nn_export_png and `nntrain export-images`)
 * loads back as the same samples, in (label, index) order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support/images.h"
#include "support/helpers.h"
#include "suites.h"

START_TEST(export_then_load)
{
    nn_dataset src;
    ck_assert_int_eq(th_synthetic(&src, 60, 8, 4, 5), 0);
    for (size_t i = 0; i < src.n; i++) /* labels out of order, like a real IDX file */
        src.labels[i] = (int32_t)((i * 7) % 4);
    nn_error err = {0};
    ck_assert_msg(nn_export_png(&src, ft_at("out/deep/x"), 3, NULL, NULL, &err) == NN_OK, "%s",
                  err.msg);
    struct stat st;
    ck_assert_int_eq(stat(ft_at("out/deep/x/1/00059.png"), &st), 0);
    ft_assert_round_trip(ft_at("out/deep/x"), &src);

    /* A non-empty folder is refused; nothing is overwritten. */
    ck_assert_int_eq(nn_export_png(&src, ft_at("out/deep/x"), 0, NULL, NULL, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "not empty"), "%s", err.msg);
    /* An existing empty folder is fine. */
    ft_mkdirs(ft_at("empty"));
    ck_assert_int_eq(nn_export_png(&src, ft_at("empty"), 1, NULL, NULL, &err), NN_OK);
    nn_dataset_free(&src);
}
END_TEST

START_TEST(export_many_classes)
{
    /* 12 classes: folders "00".."11", so bytewise order is label order. */
    nn_dataset src;
    ck_assert_int_eq(th_synthetic(&src, 36, 6, 12, 9), 0);
    nn_error err = {0};
    ck_assert_int_eq(nn_export_png(&src, ft_at("e"), 0, NULL, NULL, &err), NN_OK);
    struct stat st;
    ck_assert_int_eq(stat(ft_at("e/02/00002.png"), &st), 0);
    ck_assert_int_eq(stat(ft_at("e/11/00035.png"), &st), 0);
    ft_assert_round_trip(ft_at("e"), &src);
    nn_dataset_free(&src);
}
END_TEST

START_TEST(export_cli_round_trip)
{
    /* The binary: nntrain export-images IDX_IMAGES IDX_LABELS OUT_DIR. */
    nn_dataset src;
    ck_assert_int_eq(th_synthetic(&src, 40, 7, 3, 4), 0);
    ck_assert_int_eq(th_write_idx(&src, ft_at("img.gz"), ft_at("lbl.gz"), 1), 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' export-images '%s/img.gz' '%s/lbl.gz' '%s/png' 2>'%s/err'",
             th_nntrain(), ft_dir(), ft_dir(), ft_dir(), ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    ft_assert_round_trip(ft_at("png"), &src);
    /* Again into the same folder: refused (exit 2), one line naming it. */
    ck_assert_int_eq(th_run(cmd), 2);
    char *err = th_slurp(ft_at("err"));
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "png: the folder is not empty") &&
                      strchr(err, '\n') == strrchr(err, '\n'),
                  "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "'%s' export-images '%s/img.gz' 2>/dev/null", th_nntrain(), ft_dir());
    ck_assert_int_eq(th_run(cmd), 2);
    nn_dataset_free(&src);
}
END_TEST

Suite *export_suite(void)
{
    Suite *s = suite_create("export");
    TCase *exp = tcase_create("export");
    tcase_add_checked_fixture(exp, ft_setup, ft_teardown);
    tcase_set_timeout(exp, 20);
    tcase_add_test(exp, export_then_load);
    tcase_add_test(exp, export_many_classes);
    tcase_add_test(exp, export_cli_round_trip);
    suite_add_tcase(s, exp);
    return s;
}
