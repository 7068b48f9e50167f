/* e2e/image_folder.c - the binary on image folders: a training run, bad files under both
 * on_bad_file settings, class and limit errors, check-data; and the MNIST test set through
 * PNG files and back. (Listing, decoding and export: data/folder_scan.c,
 * data/folder_decode.c, data/export.c.) */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/images.h"
#include "support/helpers.h"
#include "suites.h"

/* ---------------------------------------------------------------- the binary on folders */

/* train/ and test/ folders of 8x8 synthetic images in classes ant, bee, cat, dog, and a
 * config run.json training on them (CSV in out/run.csv). */
static void make_run(void)
{
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 240, 8, 4, 1), 0);
    ck_assert_int_eq(th_synthetic(&test, 80, 8, 4, 2), 0);
    nn_error err = {0};
    ck_assert_int_eq(nn_export_png(&train, ft_at("train"), 0, NULL, NULL, &err), NN_OK);
    ck_assert_int_eq(nn_export_png(&test, ft_at("test"), 0, NULL, NULL, &err), NN_OK);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && for s in train test; do mv $s/0 $s/ant && mv $s/1 $s/bee && "
             "mv $s/2 $s/cat && mv $s/3 $s/dog; done",
             ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    FILE *f = fopen(ft_at("run.json"), "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"name\": \"run\", \"seed\": 1,\n"
               " \"data\": {\"format\": \"image_folder\", \"train_dir\": \"train\",\n"
               "          \"test_dir\": \"test/\"},\n"
               " \"model\": [{\"type\": \"dense\", \"units\": 16}, {\"type\": \"relu\"},\n"
               "           {\"type\": \"dense\", \"units\": 4}],\n"
               " \"optimizer\": {\"lr\": 0.05, \"momentum\": 0.9},\n"
               " \"train\": {\"epochs\": 3, \"batch_size\": 16},\n"
               " \"output\": {\"csv\": \"out/run.csv\"}}\n");
    ck_assert_int_eq(fclose(f), 0);
}

/* The last line of stderr is the only "nntrain: " line and holds the needles. */
static void assert_error_line(const char *needle1, const char *needle2)
{
    char *err = th_read_in(ft_dir(), "err.txt");
    char *first = strstr(err, "nntrain: ");
    ck_assert_msg(first && strstr(first + 1, "nntrain: ") == NULL &&
                      strchr(first, '\n') == err + strlen(err) - 1,
                  "expected one final error line:\n%s", err);
    ck_assert_msg(strstr(first, needle1), "'%s' not in: %s", needle1, first);
    if (needle2)
        ck_assert_msg(strstr(first, needle2), "'%s' not in: %s", needle2, first);
    free(err);
}

START_TEST(run_on_folder)
{
    make_run();
    ck_assert_int_eq(ft_nntrain("run.json"), 0);
    char *classes = th_read_in(ft_dir(), "out/run.classes.txt");
    ck_assert_str_eq(classes, "ant\nbee\ncat\ndog\n");
    free(classes);
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, "classes: 4, in label order (0 first): ant, bee, cat, dog") &&
                      strstr(err, "train: 240 images in 4 classes from train, 8x8x1") &&
                      strstr(err, "test: 80 images in 4 classes from test"),
                  "%s", err);
    free(err);
    char *csv = th_read_in(ft_dir(), "out/run.csv");
    const char *last = csv + strlen(csv) - 1;
    while (last > csv && last[-1] != '\n')
        last--;
    double acc = 0;
    ck_assert_int_eq(sscanf(last, "3,%*d,%*g,%*g,%*g,%*g,%lf", &acc), 1);
    ck_assert_msg(acc > 0.9, "test accuracy %g", acc);
    free(csv);
    /* CSV on stdout: no class file, the list is still printed. */
    ck_assert_int_eq(ft_nntrain("run.json --epochs 0 --csv - --set name=other"), 0);
    ck_assert_int_ne(access(ft_at("out/other.classes.txt"), F_OK), 0);
    /* A run refused by a check (4 classes, 3 output units) writes no class list. */
    ck_assert_int_eq(ft_nntrain("run.json --set model.2.units=3 --set name=refused"), 2);
    ck_assert_int_ne(access(ft_at("out/refused.classes.txt"), F_OK), 0);
    ck_assert_int_ne(access(ft_at("out/refused.csv"), F_OK), 0);
}
END_TEST

START_TEST(run_bad_file_both_modes)
{
    make_run();
    ft_write_bytes(ft_at("train/bee/00007x.png"), "\x89PNG\r\n\x1a\n garbage", 17);
    ck_assert_int_eq(ft_nntrain("run.json"), 3);
    assert_error_line("train/bee/00007x.png: cannot decode the PNG image", "stb_image says");
    ck_assert_int_eq(ft_nntrain("run.json --epochs 1 --set data.on_bad_file=skip"), 0);
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, "train: skipped 1 bad file") &&
                      strstr(err, "train/bee/00007x.png: cannot decode"),
                  "%s", err);
    free(err);
}
END_TEST

START_TEST(run_class_mismatch_and_limits)
{
    make_run();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mv '%s/test/dog' '%s/test/dogs'", ft_dir(), ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    ck_assert_int_eq(ft_nntrain("run.json"), 3);
    assert_error_line("train and test have different classes",
                      "\"dog\" is a class folder of train");
    snprintf(cmd, sizeof cmd, "mv '%s/test/dogs' '%s/test/dog'", ft_dir(), ft_dir());
    ck_assert_int_eq(th_run(cmd), 0);
    ck_assert_int_eq(ft_nntrain("run.json --set data.train_limit=3"), 2);
    assert_error_line("data.train_limit: 3 keeps fewer images than train has classes (4)", NULL);
    ck_assert_int_eq(ft_nntrain("run.json --epochs 1 --set data.train_limit=10"), 0);
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, "train: 10 images in 4 classes"), "%s", err);
    free(err);
    ck_assert_int_eq(ft_nntrain("run.json --set data.channels=3 --epochs 0"), 0);
    ck_assert_int_eq(ft_nntrain("run.json --set data.channels=3 --set model.0.units=7 --epochs 0"),
                     0);
    ck_assert_int_eq(ft_nntrain("run.json --set model.2.units=5"), 2);
    assert_error_line("model[2].units: the last dense layer has 5 units but train has 4 class "
                      "folders",
                      NULL);
}
END_TEST

START_TEST(check_data_command)
{
    make_run();
    ck_assert_int_eq(ft_nntrain("check-data run.json --set data.validation=40"), 0);
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, "data ok: 240 training (40 held out for validation) and 80 test"),
                  "%s", err);
    free(err);
    ck_assert_int_ne(access(ft_at("out/run.csv"), F_OK), 0); /* nothing trained or written */
    ck_assert_int_eq(ft_nntrain("check-data run.json --set data.validation=240"), 2);
    assert_error_line("data.validation: holding out 240 samples leaves none to train on", NULL);
}
END_TEST

/* ---------------------------------------------------------------- real MNIST */

START_TEST(real_mnist_export_load)
{
    /* The 10,000 MNIST test images through PNG files and back: the very same pixels. */
    nn_dataset src;
    nn_error err = {0};
    ck_assert_msg(th_load_mnist_test(&src, &err) == NN_OK, "%s", err.msg);
    ck_assert_msg(nn_export_png(&src, ft_at("mnist"), 0, NULL, NULL, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(src.n, 10000);
    ft_assert_round_trip(ft_at("mnist"), &src);
    nn_dataset_free(&src);
}
END_TEST

Suite *image_folder_suite(th_skips *sk)
{
    Suite *s = suite_create("image_folder");
    TCase *run = tcase_create("run");
    tcase_add_checked_fixture(run, ft_setup, ft_teardown);
    tcase_set_timeout(run, 30);
    tcase_add_test(run, run_on_folder);
    tcase_add_test(run, run_bad_file_both_modes);
    tcase_add_test(run, run_class_mismatch_and_limits);
    tcase_add_test(run, check_data_command);
    suite_add_tcase(s, run);

    char why[256];
    if (th_mnist_dir(why, sizeof why)) {
        TCase *real = tcase_create("mnist");
        tcase_add_checked_fixture(real, ft_setup, ft_teardown);
        tcase_set_timeout(real, 120);
        tcase_add_test(real, real_mnist_export_load);
        suite_add_tcase(s, real);
    } else {
        th_skip(sk, "image_folder", "real_mnist_export_load", 1, why);
    }
    return s;
}
