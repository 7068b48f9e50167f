/* e2e/outputs.c - outputs never overwrite inputs: the binary refuses (exit 2, one line
 * naming both paths) every run, export and sweep whose output is one of its inputs (the
 * same file, a symlink or hard link to it, or a file inside an input folder), and leaves
 * the input byte-identical; legitimate runs, and --resume X with output.checkpoint X,
 * still work. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "support/fixture.h"

/* The tiny run (fixture.h) in the test's folder. */
static void setup(void)
{
    ft_setup();
    th_tiny_run(ft_dir(), "");
}

/* Runs cmd (a shell line) inside the test's folder; stdout to out.txt, stderr to err.txt;
 * "$B" is the binary under test. */
static int in_dir(const char *cmd)
{
    return th_sh_in(ft_dir(), "%s", cmd);
}

/* cmd must exit 2 with a message naming out and in, and leave the file input (in the test's folder)
 * byte-identical. */
static void refused(const char *cmd, const char *out, const char *in, const char *input)
{
    size_t n0, n1;
    char *before = th_read_bytes(ft_at("%s", input), &n0);
    ck_assert_ptr_nonnull(before);
    ck_assert_int_eq(in_dir(cmd), 2);
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, out) && strstr(err, in) && strstr(err, "would"),
                  "%s: the message should name %s and %s: %s", cmd, out, in, err);
    char *after = th_read_bytes(ft_at("%s", input), &n1);
    ck_assert_ptr_nonnull(after);
    ck_assert_msg(n0 == n1 && memcmp(before, after, n0) == 0, "%s: %s changed", cmd, input);
    free(err);
    free(before);
    free(after);
}

/* check-data makes the run's checks: outputs against inputs, and init.from's weights. */
START_TEST(test_check_data_checks_outputs)
{
    refused("\"$B\" check-data tiny.json --csv tiny.json", "tiny.json (output.csv)",
            "the config file tiny.json", "tiny.json");
    ck_assert_int_eq(in_dir("! \"$B\" check-data tiny.json --set init.from=nope.st 2>e.txt && "
                            "grep -q 'nope.st: cannot read' e.txt"),
                     0);
}
END_TEST

START_TEST(test_csv_is_config)
{
    refused("\"$B\" tiny.json --csv tiny.json", "tiny.json (output.csv)",
            "the config file tiny.json", "tiny.json");
}
END_TEST

START_TEST(test_csv_is_label_file)
{
    refused("\"$B\" tiny.json --csv train-labels.gz", "train-labels.gz (output.csv)",
            "the training labels train-labels.gz", "train-labels.gz");
}
END_TEST

START_TEST(test_csv_symlink_to_images)
{
    ck_assert_int_eq(in_dir("ln -s train-images.gz link.csv"), 0);
    refused("\"$B\" tiny.json --csv link.csv", "link.csv",
            "the training images train-images.gz (the same file)", "train-images.gz");
}
END_TEST

START_TEST(test_csv_hard_link_to_test_labels)
{
    ck_assert_int_eq(in_dir("ln test-labels hard.csv"), 0);
    refused("\"$B\" tiny.json --csv hard.csv", "hard.csv",
            "the test labels test-labels (the same file)", "test-labels");
}
END_TEST

START_TEST(test_units_is_config)
{
    refused("\"$B\" tiny.json --set output.units=tiny.json", "tiny.json (output.units)",
            "the config file tiny.json", "tiny.json");
}
END_TEST

START_TEST(test_checkpoint_is_test_images)
{
    refused("\"$B\" tiny.json --set output.checkpoint=test-images",
            "test-images (output.checkpoint)", "the test images test-images", "test-images");
}
END_TEST

START_TEST(test_sibling_is_input)
{
    /* The status file beside x.csv is x.status.json: here, the config. */
    ck_assert_int_eq(in_dir("cp tiny.json x.status.json"), 0);
    refused("\"$B\" x.status.json --csv x.csv", "x.status.json (the run's status file)",
            "the config file x.status.json", "x.status.json");
}
END_TEST

START_TEST(test_temporary_copies_are_outputs)
{
    /* Whole-file writes go through <file>.tmp: that name is an output too. */
    ck_assert_int_eq(in_dir("cp tiny.json x.status.json.tmp && cp tiny.json ck.tmp"), 0);
    refused("\"$B\" x.status.json.tmp --csv x.csv",
            "x.status.json.tmp (the status file's temporary copy)",
            "the config file x.status.json.tmp", "x.status.json.tmp");
    refused("\"$B\" ck.tmp --set output.checkpoint=ck", "ck.tmp (the checkpoint's temporary copy)",
            "the config file ck.tmp", "ck.tmp");
}
END_TEST

/* An image-folder run over png/train and png/test (exported from the IDX sets). */
static void image_folders(void)
{
    ck_assert_int_eq(in_dir("\"$B\" export-images train-images.gz train-labels.gz png/train 2>x.err "
                            "&& \"$B\" export-images test-images test-labels png/test 2>x.err"),
                     0);
    ft_write_text(ft_at("folder.json"),
                  "{\"name\": \"folder\", \"seed\": 1,\n"
                  " \"data\": {\"format\": \"image_folder\", \"train_dir\": \"png/train\",\n"
                  "          \"test_dir\": \"png/test\"},\n"
                  " \"model\": [{\"type\": \"dense\", \"units\": 8}, {\"type\": \"relu\"},\n"
                  "           {\"type\": \"dense\", \"units\": 4}],\n"
                  " \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.05},\n"
                  " \"train\": {\"epochs\": 1, \"batch_size\": 16},\n"
                  " \"output\": {\"csv\": \"out/folder.csv\"}}\n");
}

/* cmd (two outputs of one run on the same file) must exit 2 with one line naming both
 * (a, b) and write nothing: the folder's listing is the same after it. */
static void collides(const char *cmd, const char *a, const char *b)
{
    const char *list = "ls -A | grep -v -x -e out.txt -e err.txt -e before.txt -e after.txt";
    ck_assert_int_eq(th_sh_in(ft_dir(), "%s > before.txt", list), 0);
    ck_assert_int_eq(in_dir(cmd), 2);
    char *err = th_read_in(ft_dir(), "err.txt");
    ck_assert_msg(strstr(err, a) && strstr(err, b) && strstr(err, "the same file") &&
                      strchr(err, '\n') == err + strlen(err) - 1,
                  "%s: one line naming %s and %s expected: %s", cmd, a, b, err);
    free(err);
    ck_assert_msg(th_sh_in(ft_dir(), "%s > after.txt && cmp -s before.txt after.txt", list) == 0,
                  "%s wrote a file", cmd);
}

/* Outputs against each other: the checkpoint on the CSV, on the status file, on the
 * per-unit CSV; a symlink and a hard link between two outputs. */
START_TEST(test_outputs_collide)
{
    collides("\"$B\" tiny.json --csv x.csv --set output.checkpoint=x.csv",
             "x.csv (output.checkpoint) would overwrite x.csv (output.csv)",
             "give output.checkpoint a path of its own");
    collides("\"$B\" tiny.json --csv x.csv --set output.checkpoint=x.status.json",
             "x.status.json (output.checkpoint)", "x.status.json (the run's status file)");
    collides("\"$B\" tiny.json --csv x.csv --set output.units=u.csv --set output.checkpoint=u.csv",
             "u.csv (output.checkpoint)", "u.csv (output.units)");
    collides("\"$B\" tiny.json --csv x.csv --set output.units=./sub/../x.csv",
             "./sub/../x.csv (output.units)", "x.csv (output.csv)");
    /* The checkpoint's temporary copy on the status file's: both x.status.json.tmp. */
    collides("\"$B\" tiny.json --csv x.csv --set output.checkpoint=x.status.json.tmp",
             "x.status.json.tmp (output.checkpoint)", "x.status.json.tmp");
    ck_assert_int_eq(in_dir("ln -s x.csv dangling.csv && touch h1.csv && ln h1.csv h2.csv"), 0);
    collides("\"$B\" tiny.json --csv x.csv --set output.units=dangling.csv",
             "dangling.csv (output.units)", "x.csv (output.csv)");
    collides("\"$B\" tiny.json --csv h1.csv --set output.units=h2.csv", "h2.csv (output.units)",
             "h1.csv (output.csv)");
    collides("\"$B\" check-data tiny.json --csv h1.csv --set output.checkpoint=h2.csv",
             "h2.csv (output.checkpoint)", "h1.csv (output.csv)");
    /* Distinct outputs still run. */
    ck_assert_int_eq(in_dir("\"$B\" tiny.json --quiet --csv x.csv --set output.units=u.csv "
                            "--set output.checkpoint=x.safetensors && test -s x.csv && "
                            "test -s u.csv && test -s x.safetensors"),
                     0);
}
END_TEST

START_TEST(test_csv_inside_train_folder)
{
    image_folders();
    refused("\"$B\" folder.json --csv png/train/0/00000.png", "png/train/0/00000.png",
            "inside the training image folder png/train", "png/train/0/00000.png");
    /* A file not there yet is refused too: it would land in the folder. */
    refused("\"$B\" folder.json --csv png/test/new/x.csv", "png/test/new/x.csv",
            "inside the test image folder png/test", "folder.json");
    ck_assert_int_eq(in_dir("test ! -e png/test/new"), 0);
    ck_assert_int_eq(in_dir("\"$B\" folder.json --quiet"), 0);
}
END_TEST

START_TEST(test_export_into_input_folder)
{
    ck_assert_int_eq(in_dir("mkdir exp && cp train-images.gz train-labels.gz exp/"), 0);
    refused("\"$B\" export-images exp/train-images.gz exp/train-labels.gz exp", "exp would hold",
            "the images exp/train-images.gz", "exp/train-images.gz");
    refused("\"$B\" export-images train-images.gz train-labels.gz .", ". would hold",
            "the images train-images.gz", "train-images.gz");
    refused("\"$B\" export-images train-images.gz train-labels.gz train-labels.gz",
            "train-labels.gz would hold", "the labels train-labels.gz", "train-labels.gz");
}
END_TEST

START_TEST(test_sweep_out_holds_base)
{
    ck_assert_int_eq(in_dir("mkdir cfgs && cp tiny.json cfgs/base.json"), 0);
    ft_write_text(ft_at("sweep.json"),
                  "{\"base\": \"cfgs/base.json\", \"out\": \"cfgs\", \"seeds\": [1, 2]}\n");
    refused("\"$B\" sweep sweep.json --quiet", "cfgs (the sweep's out folder) would hold",
            "the base config cfgs/base.json", "cfgs/base.json");
    refused("\"$B\" sweep sweep.json --print-jobs", "cfgs (the sweep's out folder)",
            "cfgs/base.json", "cfgs/base.json");
    refused("\"$B\" sweep sweep.json --out . --quiet", ". (the sweep's out folder) would hold",
            "sweep.json", "sweep.json");
}
END_TEST

START_TEST(test_legitimate_run)
{
    ck_assert_int_eq(in_dir("\"$B\" tiny.json --quiet && test -s out/tiny.csv"), 0);
    ck_assert_int_eq(in_dir("\"$B\" tiny.json --csv - --quiet"), 0);
}
END_TEST

/* With more than one thread the untrained model is probed while the training set loads
 * (nn_train's early epoch 0); with one it is probed after, as always: the same CSV and
 * status file but for the times and the record of how each was made (its command and
 * config), over 3 epochs and both ways a run can end. */
START_TEST(test_early_epoch0_same)
{
    ck_assert_int_eq(
        in_dir("for t in 1 2; do \"$B\" tiny.json --quiet --epochs 3 --threads $t --csv t$t.csv "
               "&& sed 's/,[^,]*$//' t$t.csv > c$t && sed '/\"nntrain_version\"/,$d' "
               "t$t.status.json > s$t; "
               "done && cmp c1 c2 && cmp s1 s2 && test $(wc -l < c1) -eq 5"),
        0);
    /* A run refused after the early probe (labels past the outputs) writes nothing. */
    ck_assert_int_eq(in_dir("! \"$B\" tiny.json --quiet --threads 2 --set model.2.units=2 "
                            "--csv r.csv 2>r.err && grep -q 'the last dense layer has 2 units' r.err "
                            "&& test ! -e r.csv && test ! -e r.status.json"),
                     0);
}
END_TEST

START_TEST(test_resume_same_checkpoint)
{
    ck_assert_int_eq(in_dir("\"$B\" tiny.json --quiet --set output.checkpoint=out/ck.safetensors"),
                     0);
    ck_assert_int_eq(in_dir("\"$B\" tiny.json --quiet --epochs 2 --resume out/ck.safetensors "
                            "--set output.checkpoint=out/ck.safetensors"),
                     0);
    /* The checkpoint is an input all the same: the CSV may not overwrite it. */
    refused("\"$B\" tiny.json --resume out/ck.safetensors --csv out/ck.safetensors",
            "out/ck.safetensors (output.csv)", "--resume's checkpoint out/ck.safetensors",
            "out/ck.safetensors");
}
END_TEST

Suite *outputs_suite(void)
{
    Suite *s = suite_create("outputs");
    TCase *tc = tcase_create("outputs");
    tcase_add_checked_fixture(tc, setup, ft_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_csv_is_config);
    tcase_add_test(tc, test_csv_is_label_file);
    tcase_add_test(tc, test_csv_symlink_to_images);
    tcase_add_test(tc, test_csv_hard_link_to_test_labels);
    tcase_add_test(tc, test_units_is_config);
    tcase_add_test(tc, test_check_data_checks_outputs);
    tcase_add_test(tc, test_checkpoint_is_test_images);
    tcase_add_test(tc, test_sibling_is_input);
    tcase_add_test(tc, test_temporary_copies_are_outputs);
    tcase_add_test(tc, test_outputs_collide);
    tcase_add_test(tc, test_csv_inside_train_folder);
    tcase_add_test(tc, test_export_into_input_folder);
    tcase_add_test(tc, test_sweep_out_holds_base);
    tcase_add_test(tc, test_legitimate_run);
    tcase_add_test(tc, test_early_epoch0_same);
    tcase_add_test(tc, test_resume_same_checkpoint);
    suite_add_tcase(s, tc);
    return s;
}
