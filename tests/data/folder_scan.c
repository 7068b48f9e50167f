/* data/folder_scan.c - listing image folders: what is ignored and counted, the layout
 * and class errors, the same-classes check between two folders, and balanced limits. */
#include <check.h>
#include <string.h>

#include "support/images.h"
#include "suites.h"

START_TEST(bad_unknown_extension_is_ignored)
{
    /* Not an image extension: counted and ignored in both modes, never decoded. */
    ft_make_base("r");
    ft_put_png(ft_at("r/a/real-png.webp"), 9, 9, 1, 3);
    ft_write_bytes(ft_at("r/b/x.xyz"), "junk", 4);
    for (int mode = 0; mode < 2; mode++) {
        nn_folder f;
        nn_dataset ds;
        nn_folder_report rep;
        ft_load_ok(ft_at("r"), ft_opts(1, (nn_bad_file)mode, 0), &ds, &f, &rep);
        ck_assert_uint_eq(f.n_other_ext, 2);
        ck_assert_uint_eq(ds.n, 7);
        ck_assert_uint_eq(rep.skipped, 0);
        nn_dataset_free(&ds);
        nn_folder_report_free(&rep);
        nn_folder_free(&f);
    }
}
END_TEST

START_TEST(bad_empty_class_folder)
{
    /* An error in both modes: dropping the class would shift every later label. */
    ft_make_base("r");
    ft_mkdirs(ft_at("r/c_empty"));
    ft_write_bytes(ft_at("r/c_empty/notes.txt"), "x", 1);
    for (int mode = 0; mode < 2; mode++)
        ft_load_fails(ft_at("r"), ft_opts(1, (nn_bad_file)mode, 0), ft_at("r/c_empty"),
                      "no image files");
    /* A class whose only image is bad is the same error with skip. */
    ft_make_base("s");
    ft_mkdirs(ft_at("s/c"));
    ft_write_bytes(ft_at("s/c/x.png"), "junk", 4);
    ft_load_fails(ft_at("s"), ft_opts(1, NN_BAD_FILE_SKIP, 0), ft_at("s/c"),
                  "at least one good image");
    ft_load_fails(ft_at("s"), ft_opts(1, NN_BAD_FILE_ERROR, 0), ft_at("s/c/x.png"),
                  "stb_image says");
}
END_TEST

START_TEST(bad_folder_layout)
{
    nn_folder f;
    nn_error err = {0};
    ck_assert_int_eq(nn_folder_scan(&f, ft_at("missing"), &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "missing") && strstr(err.msg, "No such file"), "%s", err.msg);
    ft_mkdirs(ft_at("flat"));
    ft_put_png(ft_at("flat/x.png"), 2, 2, 1, 1);
    ck_assert_int_eq(nn_folder_scan(&f, ft_at("flat"), &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "no class folders") && strstr(err.msg, "directly in ROOT"), "%s",
                  err.msg);
    ck_assert_int_eq(nn_folder_scan(&f, ft_at("flat/x.png"), &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "not a folder"), "%s", err.msg);
    ck_assert_ptr_null(f.files);
}
END_TEST

START_TEST(bad_class_names_differ)
{
    ft_make_base("train");
    ft_make_base("test");
    ft_mkdirs(ft_at("test/c"));
    ft_put_png(ft_at("test/c/0.png"), 4, 4, 1, 1);
    nn_folder a, b;
    nn_error err = {0};
    ck_assert_int_eq(nn_folder_scan(&a, ft_at("train"), &err), NN_OK);
    ck_assert_int_eq(nn_folder_scan(&b, ft_at("test"), &err), NN_OK);
    ck_assert_int_eq(nn_folder_same_classes(&a, &a, &err), NN_OK);
    ck_assert_int_eq(nn_folder_same_classes(&a, &b, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "\"c\" is a class folder of") && strstr(err.msg, "test") &&
                      strstr(err.msg, "(2 vs 3 classes)"),
                  "%s", err.msg);
    ck_assert_int_eq(nn_folder_same_classes(&b, &a, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "\"c\""), "%s", err.msg);
    nn_folder_free(&a);
    nn_folder_free(&b);
}
END_TEST

START_TEST(limit_round_robin)
{
    /* Classes of 3, 1 and 2 files; 4 kept: a round takes one of each (3), then a's next. */
    ft_mkdirs(ft_at("q/a"));
    ft_mkdirs(ft_at("q/b"));
    ft_mkdirs(ft_at("q/c"));
    const char *files[] = {"q/a/1.png", "q/a/2.png", "q/a/3.png",
                           "q/b/1.png", "q/c/1.png", "q/c/2.png"};
    for (int i = 0; i < 6; i++)
        ft_put_png(ft_at("%s", files[i]), 2, 2, 1, (unsigned)i);
    nn_folder f;
    nn_error err = {0};
    ck_assert_int_eq(nn_folder_scan(&f, ft_at("q"), &err), NN_OK);
    nn_folder_limit(&f, 4);
    ck_assert_uint_eq(f.n_files, 4);
    ck_assert_str_eq(f.files[0], ft_at("q/a/1.png"));
    ck_assert_str_eq(f.files[1], ft_at("q/a/2.png"));
    ck_assert_str_eq(f.files[2], ft_at("q/b/1.png"));
    ck_assert_str_eq(f.files[3], ft_at("q/c/1.png"));
    ck_assert_uint_eq(f.class_start[1], 2);
    ck_assert_uint_eq(f.class_start[2], 3);
    ck_assert_uint_eq(f.class_start[3], 4);
    nn_folder_limit(&f, 0); /* 0: all (of what is left) */
    ck_assert_uint_eq(f.n_files, 4);
    nn_folder_free(&f);
    ck_assert_int_eq(nn_folder_scan(&f, ft_at("q"), &err), NN_OK);
    nn_folder_limit(&f, 5); /* a, b, c, a, c */
    ck_assert_uint_eq(f.class_start[1], 2);
    ck_assert_uint_eq(f.class_start[3], 5);
    nn_folder_free(&f);
}
END_TEST

Suite *folder_scan_suite(void)
{
    Suite *s = suite_create("folder_scan");
    TCase *tc = tcase_create("scan");
    tcase_add_checked_fixture(tc, ft_setup, ft_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, bad_unknown_extension_is_ignored);
    tcase_add_test(tc, bad_empty_class_folder);
    tcase_add_test(tc, bad_folder_layout);
    tcase_add_test(tc, bad_class_names_differ);
    tcase_add_test(tc, limit_round_robin);
    suite_add_tcase(s, tc);
    return s;
}
