/* run/eval.c - nntrain eval and predict on synthetic data: a checkpoint evaluated on the
 * test and validation splits gives its run's CSV figures to the last printed digit; a
 * model that always says class 0 puts every sample in column 0 of the confusion matrix;
 * predict on a PNG and on an IDX file gives eval's argmax; the command line's errors
 * have their exit codes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/safetensors.h"
#include "data/export.h"
#include "data/image_file.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "run/eval.h"
#include "run/train.h"
#include "suites.h"

enum { N_TRAIN = 200, N_TEST = 60, SIDE = 8, CLASSES = 5 };

/* The data of every run here. */
static void data(nn_dataset *train, nn_dataset *test)
{
    ck_assert_int_eq(th_synthetic(train, N_TRAIN, SIDE, CLASSES, 3), 0);
    ck_assert_int_eq(th_synthetic(test, N_TEST, SIDE, CLASSES, 4), 0);
}

/* A PReLU network trained 2 epochs on data(), holding out validation samples, with a
 * checkpoint at ck and its CSV at csv. data_json: the "data" object's paths. */
static void train_run(const char *ck, const char *csv, int validation, const char *data_json)
{
    char json[4096];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"seed\": 7, \"data\": {\"format\": \"idx\", %s,"
             " \"validation\": %d, \"normalize\": \"standard\"},"
             " \"model\": [{\"type\": \"dense\", \"units\": 12}, {\"type\": \"prelu\"},"
             " {\"type\": \"dense\", \"units\": 10}, {\"type\": \"relu\"},"
             " {\"type\": \"dense\", \"units\": %d}],"
             " \"optimizer\": {\"lr\": 0.002, \"momentum\": 0.9},"
             " \"train\": {\"epochs\": 2, \"batch_size\": 20},"
             " \"output\": {\"checkpoint\": \"%s\"}}",
             data_json, validation, CLASSES, ck);
    nn_config cfg;
    nn_error err;
    ck_assert_msg(nn_config_parse(&cfg, json, "t.json", NULL, 0, &err) == NN_OK, "%s", err.msg);
    ck_assert_int_eq(nn_config_set_csv(&cfg, csv, NULL), NN_OK);
    nn_dataset train, test;
    data(&train, &test);
    ck_assert_msg(nn_train_on(&cfg, &train, &test, NULL, &err) == NN_OK, "%s", err.msg);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
}

static const char *const dash_paths =
    "\"train_images\": \"-\", \"train_labels\": \"-\", \"test_images\": \"-\", "
    "\"test_labels\": \"-\"";

/* The field of column name in the last row of the CSV at path, into out. */
static void csv_field(const char *path, const char *name, char *out, size_t n)
{
    char *text = th_slurp(path);
    ck_assert_ptr_nonnull(text);
    size_t len = strlen(text);
    if (len && text[len - 1] == '\n')
        text[len - 1] = '\0';
    char *nl = strchr(text, '\n');
    ck_assert_ptr_nonnull(nl);
    *nl = '\0';
    char *last = strrchr(nl + 1, '\n');
    last = last ? last + 1 : nl + 1;
    size_t want = 0;
    const char *h = text;
    for (; strncmp(h, name, strlen(name)) != 0 || (h[strlen(name)] != ',' && h[strlen(name)]);
         want++) {
        h = strchr(h, ',');
        ck_assert_msg(h != NULL, "no column %s in %s", name, path);
        h++;
    }
    char *f = last;
    for (size_t k = 0; k < want; k++)
        f = strchr(f, ',') + 1;
    snprintf(out, n, "%.*s", (int)strcspn(f, ","), f);
    free(text);
}

/* The sums of r agree with each other: counts, the diagonal, the rows. */
static void check_consistent(const nn_eval_result *r)
{
    size_t samples = 0, right = 0;
    for (size_t t = 0; t < r->classes; t++) {
        size_t row = 0;
        for (size_t p = 0; p < r->classes; p++)
            row += r->confusion[t * r->classes + p];
        ck_assert_uint_eq(row, r->count[t]);
        ck_assert_uint_eq(r->confusion[t * r->classes + t], r->correct[t]);
        samples += r->count[t];
        right += r->correct[t];
    }
    ck_assert_uint_eq(samples, r->samples);
    ck_assert_double_eq_tol((double)right / (double)r->samples, r->acc, 1e-12);
}

/* r's loss and accuracy (%.6f, as the CSV prints them) against the CSV's columns. */
static void check_against(const nn_eval_result *r, const char *csv, const char *loss_col,
                          const char *acc_col)
{
    char loss[64], acc[64], mine[64];
    csv_field(csv, loss_col, loss, sizeof loss);
    csv_field(csv, acc_col, acc, sizeof acc);
    snprintf(mine, sizeof mine, "%.6f", r->loss);
    ck_assert_str_eq(mine, loss);
    snprintf(mine, sizeof mine, "%.6f", r->acc);
    ck_assert_str_eq(mine, acc);
}

START_TEST(test_eval_matches_csv)
{
    char *dir = th_tmpdir(), ck[600], csv[600], dead[64];
    snprintf(ck, sizeof ck, "%s/t.safetensors", dir);
    snprintf(csv, sizeof csv, "%s/t.csv", dir);
    train_run(ck, csv, 40, dash_paths);
    nn_ckpt_info c;
    nn_error err;
    ck_assert_msg(nn_ckpt_info_read(&c, ck, NULL, &err) == NN_OK, "%s", err.msg);
    ck_assert(c.has_norm && c.has_epoch);
    ck_assert_uint_eq(c.epoch, 2);
    ck_assert_uint_eq(c.input_dim, SIDE * SIDE);
    nn_dataset train, test;
    data(&train, &test);
    for (int threads = 0; threads <= 1; threads++) { /* the same figures on any count */
        c.cfg.train.threads = threads;
        nn_eval_result r;
        ck_assert_msg(nn_eval_on(&c, &train, &test, NN_SPLIT_TEST, &r, &err) == NN_OK, "%s",
                      err.msg);
        ck_assert_uint_eq(r.samples, N_TEST);
        check_against(&r, csv, "test_loss", "test_acc");
        check_consistent(&r);
        csv_field(csv, "dead", dead, sizeof dead); /* the run probed the whole test set */
        ck_assert_uint_eq(r.dead_total, strtoul(dead, NULL, 10));
        ck_assert_uint_eq(r.units_total, 22);
        ck_assert_str_eq(r.act[1], "prelu");
        ck_assert_ptr_null(r.act[2]);
        nn_eval_result_free(&r);
        /* The held-out samples, chosen as the run chose them. */
        ck_assert_msg(nn_eval_on(&c, &train, &test, NN_SPLIT_VAL, &r, &err) == NN_OK, "%s",
                      err.msg);
        ck_assert_uint_eq(r.samples, 40);
        check_against(&r, csv, "val_loss", "val_acc");
        check_consistent(&r);
        nn_eval_result_free(&r);
        ck_assert_msg(nn_eval_on(&c, &train, &test, NN_SPLIT_TRAIN, &r, &err) == NN_OK, "%s",
                      err.msg);
        ck_assert_uint_eq(r.samples, N_TRAIN - 40);
        nn_eval_result_free(&r);
    }
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_ckpt_info_free(&c);
    th_rmdir(dir);
    free(dir);
}
END_TEST

/* Dense 3 (all weights 0), ReLU, dense 2 with weights 0 and biases (1, 0): the logits are
 * (1, 0) for every sample, so every sample is predicted class 0, and the ReLU's inputs
 * are all 0: its 3 units are dead. */
START_TEST(test_eval_confusion_all_class_0)
{
    char *dir = th_tmpdir(), ck[600];
    snprintf(ck, sizeof ck, "%s/c.safetensors", dir);
    const char *config =
        "{\"name\": \"c\", \"data\": {\"format\": \"idx\", \"train_images\": \"-\", "
        "\"train_labels\": \"-\", \"test_images\": \"-\", \"test_labels\": \"-\"}, "
        "\"model\": [{\"type\": \"dense\", \"units\": 3}, {\"type\": \"relu\"}, "
        "{\"type\": \"dense\", \"units\": 2}], \"optimizer\": {\"lr\": 0.1}}";
    float w0[3 * 16] = {0}, b0[3] = {0}, w2[2 * 3] = {0}, b2[2] = {1.0f, 0.0f};
    nn_tensor t[] = {{.name = "0.weight", .ndim = 2, .shape = {3, 16}, .n = 48, .data = w0},
                     {.name = "0.bias", .ndim = 1, .shape = {3}, .n = 3, .data = b0},
                     {.name = "2.weight", .ndim = 2, .shape = {2, 3}, .n = 6, .data = w2},
                     {.name = "2.bias", .ndim = 1, .shape = {2}, .n = 2, .data = b2}};
    const char *keys[] = {"config", "normalize.mean", "normalize.std", "epoch"};
    const char *vals[] = {config, "0", "1", "3"};
    nn_error err;
    ck_assert_int_eq(nn_st_write(ck, t, 4, keys, vals, 4, &err), NN_OK);
    nn_ckpt_info c;
    ck_assert_msg(nn_ckpt_info_read(&c, ck, NULL, &err) == NN_OK, "%s", err.msg);
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 20, 4, 2, 1), 0);
    ck_assert_int_eq(th_synthetic(&test, 30, 4, 2, 2), 0); /* labels 0, 1, 0, 1, ... */
    nn_eval_result r;
    ck_assert_msg(nn_eval_on(&c, &train, &test, NN_SPLIT_TEST, &r, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(r.classes, 2);
    ck_assert_uint_eq(r.confusion[0], 15); /* true 0, predicted 0 */
    ck_assert_uint_eq(r.confusion[1], 0);
    ck_assert_uint_eq(r.confusion[2], 15); /* true 1, predicted 0 */
    ck_assert_uint_eq(r.confusion[3], 0);
    ck_assert_uint_eq(r.correct[0], 15);
    ck_assert_uint_eq(r.correct[1], 0);
    ck_assert_double_eq_tol(r.acc, 0.5, 1e-15);
    /* -log softmax: log(1 + e^-1) for class 0, log(1 + e) for class 1. */
    ck_assert_double_eq_tol(r.loss, 0.5 * (log1p(exp(-1.0)) + log1p(exp(1.0))), 1e-12);
    ck_assert_uint_eq(r.units[1], 3);
    ck_assert_uint_eq(r.dead[1], 3);
    ck_assert_int_eq(r.constant_output, 1);
    nn_eval_result_free(&r);
    /* No validation split to evaluate. */
    ck_assert_int_eq(nn_eval_on(&c, &train, &test, NN_SPLIT_VAL, &r, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "data.validation is 0"), "%s", err.msg);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_ckpt_info_free(&c);
    th_rmdir(dir);
    free(dir);
}
END_TEST

/* The class eval predicts for sample i of test (a test set of that sample alone). */
static size_t eval_class(const nn_ckpt_info *c, const nn_dataset *train, const nn_dataset *test,
                         size_t i)
{
    nn_dataset one = *test;
    one.n = 1;
    one.pixels = test->pixels + i * test->dim;
    one.labels = test->labels + i;
    nn_eval_result r;
    nn_error err;
    ck_assert_msg(nn_eval_on(c, train, &one, NN_SPLIT_TEST, &r, &err) == NN_OK, "%s", err.msg);
    size_t y = (size_t)test->labels[i], p = 0;
    while (r.confusion[y * r.classes + p] == 0)
        p++;
    nn_eval_result_free(&r);
    return p;
}

/* Runs args (through the shell) with the binary under test in dir; stdout to out.txt, stderr
 * to err.txt there. */
static int run_nntrain(const char *dir, const char *args)
{
    return th_sh_in(dir, "\"$B\" %s", args);
}

START_TEST(test_predict_matches_eval)
{
    char *dir = th_tmpdir(), ck[600], csv[600], png[700], images[600], labels[600], args[2400];
    snprintf(ck, sizeof ck, "%s/t.safetensors", dir);
    snprintf(csv, sizeof csv, "%s/t.csv", dir);
    train_run(ck, csv, 0, dash_paths);
    nn_ckpt_info c;
    nn_predictor p;
    nn_error err;
    ck_assert_msg(nn_ckpt_info_read(&c, ck, NULL, &err) == NN_OK, "%s", err.msg);
    ck_assert_msg(nn_predictor_open(&p, &c, &err) == NN_OK, "%s", err.msg);
    nn_dataset train, test, in;
    data(&train, &test);
    /* One PNG, written by the export code: sample 7 (label 2). */
    snprintf(png, sizeof png, "%s/png", dir);
    ck_assert_msg(nn_export_png(&test, png, 1, NULL, NULL, &err) == NN_OK, "%s", err.msg);
    snprintf(png, sizeof png, "%s/png/%d/00007.png", dir, test.labels[7]);
    ck_assert_msg(nn_image_file_load(png, 1, &in, &err) == NN_OK, "%s", err.msg);
    double probs[N_TEST * CLASSES];
    ck_assert_msg(nn_predict(&p, &in, png, probs, &err) == NN_OK, "%s", err.msg);
    size_t want = eval_class(&c, &train, &test, 7);
    ck_assert_uint_eq(nn_argmax_d(probs, CLASSES), want);
    nn_dataset_free(&in);
    /* The same through the binary. */
    snprintf(args, sizeof args, "predict '%s' '%s' --top 2", ck, png);
    ck_assert_int_eq(run_nntrain(dir, args), 0);
    char out_path[700], line[900];
    snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
    char *out = th_slurp(out_path);
    snprintf(line, sizeof line, "%s[0]: class %zu (p=", png, want);
    ck_assert_msg(strncmp(out, line, strlen(line)) == 0 && strstr(out, "; top 2: "), "%s", out);
    free(out);
    /* Every image of an IDX file: the predictions make eval's confusion matrix. */
    snprintf(images, sizeof images, "%s/t-images.gz", dir);
    snprintf(labels, sizeof labels, "%s/t-labels.gz", dir);
    ck_assert_int_eq(th_write_idx(&test, images, labels, 1), 0);
    ck_assert_msg(nn_image_file_load(images, 1, &in, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(in.n, N_TEST);
    ck_assert_msg(nn_predict(&p, &in, images, probs, &err) == NN_OK, "%s", err.msg);
    nn_eval_result r;
    ck_assert_msg(nn_eval_on(&c, &train, &test, NN_SPLIT_TEST, &r, &err) == NN_OK, "%s", err.msg);
    size_t confusion[CLASSES * CLASSES] = {0};
    for (size_t i = 0; i < N_TEST; i++)
        confusion[(size_t)test.labels[i] * CLASSES + nn_argmax_d(probs + i * CLASSES, CLASSES)]++;
    for (size_t k = 0; k < CLASSES * CLASSES; k++)
        ck_assert_uint_eq(confusion[k], r.confusion[k]);
    nn_eval_result_free(&r);
    nn_dataset_free(&in);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_predictor_free(&p);
    nn_ckpt_info_free(&c);
    th_rmdir(dir);
    free(dir);
}
END_TEST

/* The binary's exit codes: 3 for an image of the wrong size or a file that is no image,
 * 2 for bad usage or a split the config does not have. */
START_TEST(test_predict_errors)
{
    char *dir = th_tmpdir(), ck[600], csv[600], big[600], args[2400], path[700];
    snprintf(ck, sizeof ck, "%s/t.safetensors", dir);
    snprintf(csv, sizeof csv, "%s/t.csv", dir);
    train_run(ck, csv, 0, dash_paths);
    nn_dataset ds;
    nn_error err;
    ck_assert_int_eq(th_synthetic(&ds, 1, 10, 1, 1), 0); /* 10x10: the model takes 8x8 */
    snprintf(big, sizeof big, "%s/big", dir);
    ck_assert_msg(nn_export_png(&ds, big, 1, NULL, NULL, &err) == NN_OK, "%s", err.msg);
    nn_dataset_free(&ds);
    snprintf(args, sizeof args, "predict '%s' '%s/0/00000.png'", ck, big);
    ck_assert_int_eq(run_nntrain(dir, args), 3);
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *msg = th_slurp(path);
    ck_assert_msg(strstr(msg, "10x10") && strstr(msg, "the model takes 64 values"), "%s", msg);
    free(msg);
    snprintf(args, sizeof args, "predict '%s' '%s'", ck, csv); /* a CSV is no image */
    ck_assert_int_eq(run_nntrain(dir, args), 3);
    snprintf(args, sizeof args, "predict '%s'", ck);
    ck_assert_int_eq(run_nntrain(dir, args), 2);
    snprintf(args, sizeof args, "predict '%s' x.png --top 0", ck);
    ck_assert_int_eq(run_nntrain(dir, args), 2);
    snprintf(args, sizeof args, "eval '%s' --split val", ck);
    ck_assert_int_eq(run_nntrain(dir, args), 2);
    snprintf(args, sizeof args, "eval '%s/none.safetensors'", dir);
    ck_assert_int_eq(run_nntrain(dir, args), 3);
    th_rmdir(dir);
    free(dir);
}
END_TEST

/* nntrain eval on a run whose config names IDX files: the table and the CSV. */
START_TEST(test_eval_cli)
{
    char *dir = th_tmpdir(), ck[600], csv[600], paths[1024], args[2400], f[700];
    const char *names[4] = {"tr-i.gz", "tr-l.gz", "te-i.gz", "te-l.gz"};
    char p[4][128];
    for (int k = 0; k < 4; k++)
        snprintf(p[k], sizeof p[k], "%s/%s", dir, names[k]);
    nn_dataset train, test;
    data(&train, &test);
    ck_assert_int_eq(th_write_idx(&train, p[0], p[1], 1), 0);
    ck_assert_int_eq(th_write_idx(&test, p[2], p[3], 1), 0);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    snprintf(paths, sizeof paths,
             "\"train_images\": \"%s\", \"train_labels\": \"%s\", \"test_images\": \"%s\", "
             "\"test_labels\": \"%s\"",
             p[0], p[1], p[2], p[3]);
    snprintf(ck, sizeof ck, "%s/t.safetensors", dir);
    snprintf(csv, sizeof csv, "%s/t.csv", dir);
    train_run(ck, csv, 0, paths);
    snprintf(args, sizeof args, "eval '%s' --csv '%s/e.csv' --threads 1 --quiet", ck, dir);
    ck_assert_int_eq(run_nntrain(dir, args), 0);
    char loss[64], acc[64], want[200];
    csv_field(csv, "test_loss", loss, sizeof loss);
    csv_field(csv, "test_acc", acc, sizeof acc);
    snprintf(f, sizeof f, "%s/out.txt", dir);
    char *out = th_slurp(f);
    snprintf(want, sizeof want, "loss        %s\naccuracy    %s\n", loss, acc);
    ck_assert_msg(strstr(out, want) && strstr(out, "confusion matrix"), "%s", out);
    free(out);
    snprintf(f, sizeof f, "%s/e.csv", dir);
    out = th_slurp(f);
    snprintf(want, sizeof want, "kind,row,col,value\nepoch,,,2\nsamples,,,%d\nloss,,,%s\n", N_TEST,
             loss);
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
    ck_assert_msg(strstr(out, "\ndead,1,prelu,") && strstr(out, "\nconfusion,4,4,"), "%s", out);
    free(out);
    th_rmdir(dir);
    free(dir);
}
END_TEST

Suite *eval_suite(void)
{
    Suite *s = suite_create("eval");
    TCase *tc = tcase_create("eval");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_eval_matches_csv);
    tcase_add_test(tc, test_eval_confusion_all_class_0);
    tcase_add_test(tc, test_predict_matches_eval);
    tcase_add_test(tc, test_predict_errors);
    tcase_add_test(tc, test_eval_cli);
    suite_add_tcase(s, tc);
    return s;
}
