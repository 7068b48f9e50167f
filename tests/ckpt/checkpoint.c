/* ckpt/checkpoint.c - output.checkpoint and init.from on synthetic data: the file has
 * PyTorch's tensor names and shapes, the optimizer state and the metadata; a run started
 * from it evaluates the trained weights exactly; a wrong or missing tensor is refused
 * before anything is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/safetensors.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "nntrain.h"
#include "suites.h"

/* A PReLU network (a slope tensor) with momentum, 5 classes. */
static void parse(nn_config *cfg, int epochs, const char *extra, const char *csv)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"seed\": 5, \"data\": {\"format\": \"idx\", \"train_images\": "
             "\"-\", \"train_labels\": \"-\", \"test_images\": \"-\", \"test_labels\": \"-\"},"
             " \"model\": [{\"type\": \"dense\", \"units\": 12}, {\"type\": \"prelu\"},"
             " {\"type\": \"dense\", \"units\": 5}],"
             " \"optimizer\": {\"lr\": 0.1, \"momentum\": 0.9},"
             " \"train\": {\"epochs\": %d, \"batch_size\": 20}%s}",
             epochs, extra);
    nn_error err;
    ck_assert_msg(nn_config_parse(cfg, json, "t.json", NULL, 0, &err) == NN_OK, "%s", err.msg);
    ck_assert_int_eq(nn_config_set_csv(cfg, csv, NULL), NN_OK);
}

/* Sets the stop flag once the epoch hook has seen epoch ctx->at. */
typedef struct stopper {
    volatile sig_atomic_t flag;
    size_t at;
} stopper;

static void stop_at_epoch(void *ctx, const struct nn_epoch_report *r)
{
    stopper *s = ctx;
    if (r->epoch == s->at)
        s->flag = 1;
}

static nn_status run_with(int epochs, const char *extra, const char *csv, const char *resume,
                          stopper *stop, int threads, nn_error *err)
{
    nn_config cfg;
    parse(&cfg, epochs, extra, csv);
    cfg.train.threads = threads;
    if (resume)
        ck_assert_int_eq(nn_config_set_resume(&cfg, resume, NULL), NN_OK);
    nn_hooks h = {.ctx = stop, .epoch = stop ? stop_at_epoch : NULL,
                  .stop = stop ? &stop->flag : NULL};
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 200, 8, 5, 3), 0);
    ck_assert_int_eq(th_synthetic(&test, 60, 8, 5, 4), 0);
    nn_status st = nn_train_on(&cfg, &train, &test, &h, err);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
    return st;
}

static nn_status run(int epochs, const char *extra, const char *csv, nn_error *err)
{
    nn_config cfg;
    parse(&cfg, epochs, extra, csv);
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 200, 8, 5, 3), 0);
    ck_assert_int_eq(th_synthetic(&test, 60, 8, 5, 4), 0);
    nn_status st = nn_train_on(&cfg, &train, &test, NULL, err);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
    return st;
}

/* The test_loss,test_acc fields of the last row of a CSV. */
static void last_test_fields(const char *csv, char *out, size_t n)
{
    char *text = th_slurp(csv);
    ck_assert_ptr_nonnull(text);
    char *last = text + strlen(text) - 1;
    *last = '\0';
    last = strrchr(text, '\n') + 1;
    char *f[8];
    size_t k = 0;
    for (char *p = last; k < 8; p++) { /* fields 5 and 6: test_loss, test_acc */
        f[k++] = p;
        p = strchr(p, ',');
        if (!p)
            break;
        *p = '\0';
    }
    snprintf(out, n, "%s,%s", f[5], f[6]);
    free(text);
}

/* A test's folder and its files: checkpoints and CSVs a and b. */
typedef struct files {
    char *dir;
    char ck_a[600], ck_b[600], csv_a[600], csv_b[600];
} files;

static void files_open(files *f)
{
    f->dir = th_tmpdir();
    snprintf(f->ck_a, sizeof f->ck_a, "%s/a.safetensors", f->dir);
    snprintf(f->ck_b, sizeof f->ck_b, "%s/b.safetensors", f->dir);
    snprintf(f->csv_a, sizeof f->csv_a, "%s/a.csv", f->dir);
    snprintf(f->csv_b, sizeof f->csv_b, "%s/b.csv", f->dir);
}

static void files_close(files *f)
{
    th_rmdir(f->dir);
    free(f->dir);
}

/* The config text that writes the checkpoint ck. */
static void ckpt_extra(char *buf, size_t n, const char *ck)
{
    snprintf(buf, n, ", \"output\": {\"checkpoint\": \"%s\"}", ck);
}

/* Two CSVs with the same rows, the seconds column aside. */
static void same_rows(const char *csv_a, const char *csv_b)
{
    char *a = th_slurp(csv_a), *b = th_slurp(csv_b);
    ck_assert(a && b);
    th_strip_last_column(a);
    th_strip_last_column(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}

START_TEST(test_checkpoint_round_trip)
{
    char *dir = th_tmpdir(), ck[600], csv[600], csv0[600], extra[800];
    snprintf(ck, sizeof ck, "%s/sub/t.safetensors", dir);
    snprintf(csv, sizeof csv, "%s/t.csv", dir);
    snprintf(csv0, sizeof csv0, "%s/t0.csv", dir);
    snprintf(extra, sizeof extra, ", \"output\": {\"checkpoint\": \"%s\"}", ck);
    nn_error err;
    ck_assert_msg(run(2, extra, csv, &err) == NN_OK, "%s", err.msg);

    nn_st_file f;
    ck_assert_msg(nn_st_read(ck, &f, &err) == NN_OK, "%s", err.msg);
    const nn_tensor *w0 = nn_st_find(&f, "0.weight"), *b0 = nn_st_find(&f, "0.bias");
    const nn_tensor *p1 = nn_st_find(&f, "1.weight"), *w2 = nn_st_find(&f, "2.weight");
    ck_assert_ptr_nonnull(w0);
    ck_assert_uint_eq(w0->ndim, 2);
    ck_assert_uint_eq(w0->shape[0], 12);
    ck_assert_uint_eq(w0->shape[1], 64);
    ck_assert_uint_eq(b0->shape[0], 12);
    ck_assert_uint_eq(p1->shape[0], 1);
    ck_assert_uint_eq(w2->shape[0], 5);
    ck_assert_ptr_nonnull(nn_st_find(&f, "nntrain.momentum.0.weight"));
    ck_assert_ptr_nonnull(nn_st_find(&f, "nntrain.was_dead.1"));
    ck_assert_str_eq(nn_st_meta(&f, "format"), "nntrain-checkpoint-1");
    ck_assert_str_eq(nn_st_meta(&f, "epoch"), "2");
    ck_assert_str_eq(nn_st_meta(&f, "step"), "20");
    ck_assert_ptr_nonnull(strstr(nn_st_meta(&f, "config"), "\"prelu\""));
    nn_st_free(&f);

    /* Started from the checkpoint, row 0 is the trained model's last row. */
    snprintf(extra, sizeof extra, ", \"init\": {\"from\": \"%s\"}", ck);
    ck_assert_msg(run(0, extra, csv0, &err) == NN_OK, "%s", err.msg);
    char trained[128], started[128];
    last_test_fields(csv, trained, sizeof trained);
    last_test_fields(csv0, started, sizeof started);
    ck_assert_str_eq(trained, started);

    /* A tensor of the wrong shape (transposed) is refused, naming both shapes, and the run
     * writes nothing. */
    char bad[600], csv_bad[600];
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    snprintf(csv_bad, sizeof csv_bad, "%s/bad.csv", dir);
    float wt[64 * 12] = {0}, bias[12] = {0}, slope[1] = {0.25f}, wo[5 * 12] = {0}, b2[5] = {0};
    nn_tensor t[] = {{.name = "0.weight", .ndim = 2, .shape = {64, 12}, .n = 768, .data = wt},
                     {.name = "0.bias", .ndim = 1, .shape = {12}, .n = 12, .data = bias},
                     {.name = "1.weight", .ndim = 1, .shape = {1}, .n = 1, .data = slope},
                     {.name = "2.weight", .ndim = 2, .shape = {5, 12}, .n = 60, .data = wo},
                     {.name = "2.bias", .ndim = 1, .shape = {5}, .n = 5, .data = b2}};
    ck_assert_int_eq(nn_st_write(bad, t, 5, NULL, NULL, 0, &err), NN_OK);
    snprintf(extra, sizeof extra, ", \"init\": {\"from\": \"%s\"}", bad);
    ck_assert_int_eq(run(1, extra, csv_bad, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "\"0.weight\" has shape [64, 12]") &&
                      strstr(err.msg, "expects [12, 64]"),
                  "%s", err.msg);
    ck_assert_int_ne(access(csv_bad, F_OK), 0);
    /* A tensor of another model too. */
    float extra_w[3] = {0};
    nn_tensor more[6];
    memcpy(more, t, sizeof t);
    more[0].shape[0] = 12, more[0].shape[1] = 64;
    more[5] = (nn_tensor){.name = "7.weight", .ndim = 1, .shape = {3}, .n = 3, .data = extra_w};
    ck_assert_int_eq(nn_st_write(bad, more, 6, NULL, NULL, 0, &err), NN_OK);
    ck_assert_int_eq(run(1, extra, csv_bad, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "\"7.weight\" does not belong"), "%s", err.msg);
    /* A missing tensor too. */
    ck_assert_int_eq(nn_st_write(bad, t + 1, 4, NULL, NULL, 0, &err), NN_OK);
    ck_assert_int_eq(run(1, extra, csv_bad, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "no tensor \"0.weight\""), "%s", err.msg);
    th_rmdir(dir);
    free(dir);
}
END_TEST

/* A run stopped after epoch 2 of 4 and resumed (on another thread count) gives the
 * uninterrupted run's CSV rows (seconds aside) and the same final tensors, bit for bit. */
START_TEST(test_checkpoint_resume_identical)
{
    files fs;
    files_open(&fs);
    char extra[800];
    nn_error err;
    ckpt_extra(extra, sizeof extra, fs.ck_a);
    ck_assert_msg(run_with(4, extra, fs.csv_a, NULL, NULL, 0, &err) == NN_OK, "%s", err.msg);
    ckpt_extra(extra, sizeof extra, fs.ck_b);
    stopper stop = {0, 2};
    ck_assert_int_eq(run_with(4, extra, fs.csv_b, NULL, &stop, 0, &err), NN_EINTR);
    ck_assert_msg(run_with(4, extra, fs.csv_b, fs.ck_b, NULL, 1, &err) == NN_OK, "%s", err.msg);
    same_rows(fs.csv_a, fs.csv_b);
    nn_st_file fa, fb;
    ck_assert_int_eq(nn_st_read(fs.ck_a, &fa, &err), NN_OK);
    ck_assert_int_eq(nn_st_read(fs.ck_b, &fb, &err), NN_OK);
    ck_assert_uint_eq(fa.n, fb.n);
    for (size_t i = 0; i < fa.n; i++) {
        const nn_tensor *tb = nn_st_find(&fb, fa.tensors[i].name);
        ck_assert_ptr_nonnull(tb);
        ck_assert_uint_eq(tb->n, fa.tensors[i].n);
        ck_assert_int_eq(tb->dtype, fa.tensors[i].dtype);
        ck_assert_msg(memcmp(tb->data, fa.tensors[i].data, tb->n * nn_dtype_size(tb->dtype)) == 0,
                      "%s", tb->name);
    }
    nn_st_free(&fa);
    nn_st_free(&fb);
    /* Another config (a probe on 30 samples) is refused. */
    char extra2[900];
    snprintf(extra2, sizeof extra2,
             ", \"output\": {\"checkpoint\": \"%s\"}, \"dead_units\": {\"samples\": 30}", fs.ck_b);
    ck_assert_int_eq(run_with(4, extra2, fs.csv_b, fs.ck_b, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "written for another config: dead_units is absent in the "
                                  "checkpoint, {\"samples\":30} now"),
                  "%s", err.msg);
    files_close(&fs);
}
END_TEST

/* A resumed run takes its weights from the checkpoint: the init.from file it started from
 * is not read again, and may be gone. The result is the uninterrupted run's. */
START_TEST(test_resume_without_init_file)
{
    files fs; /* ck_a: the init weights */
    files_open(&fs);
    char extra[1400];
    nn_error err;
    ckpt_extra(extra, sizeof extra, fs.ck_a);
    ck_assert_msg(run(1, extra, fs.csv_a, &err) == NN_OK, "%s", err.msg);
    snprintf(extra, sizeof extra,
             ", \"init\": {\"from\": \"%s\"}, \"output\": {\"checkpoint\": \"%s\"}", fs.ck_a,
             fs.ck_b);
    ck_assert_msg(run_with(4, extra, fs.csv_a, NULL, NULL, 0, &err) == NN_OK, "%s", err.msg);
    stopper stop = {0, 2};
    ck_assert_int_eq(run_with(4, extra, fs.csv_b, NULL, &stop, 0, &err), NN_EINTR);
    ck_assert_int_eq(remove(fs.ck_a), 0);
    ck_assert_msg(run_with(4, extra, fs.csv_b, fs.ck_b, NULL, 0, &err) == NN_OK, "%s", err.msg);
    same_rows(fs.csv_a, fs.csv_b);
    files_close(&fs);
}
END_TEST

/* With train.epochs 0 the checkpoint holds the untrained model (epoch 0), and resuming it
 * for 4 epochs gives the run that trained 4 epochs straight away. */
START_TEST(test_epoch0_checkpoint)
{
    files fs;
    files_open(&fs);
    char extra[800];
    nn_error err;
    ckpt_extra(extra, sizeof extra, fs.ck_a);
    ck_assert_msg(run_with(4, extra, fs.csv_a, NULL, NULL, 0, &err) == NN_OK, "%s", err.msg);
    ckpt_extra(extra, sizeof extra, fs.ck_b);
    ck_assert_msg(run_with(0, extra, fs.csv_b, NULL, NULL, 0, &err) == NN_OK, "%s", err.msg);
    nn_st_file f;
    ck_assert_msg(nn_st_read(fs.ck_b, &f, &err) == NN_OK, "%s", err.msg);
    ck_assert_str_eq(nn_st_meta(&f, "epoch"), "0");
    nn_st_free(&f);
    ck_assert_msg(run_with(4, extra, fs.csv_b, fs.ck_b, NULL, 0, &err) == NN_OK, "%s", err.msg);
    same_rows(fs.csv_a, fs.csv_b);
    files_close(&fs);
}
END_TEST

Suite *checkpoint_suite(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("checkpoint");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_checkpoint_round_trip);
    tcase_add_test(tc, test_checkpoint_resume_identical);
    tcase_add_test(tc, test_resume_without_init_file);
    tcase_add_test(tc, test_epoch0_checkpoint);
    suite_add_tcase(s, tc);
    return s;
}
