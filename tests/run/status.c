/* run/status.c - the run's status file beside its CSV: "ok" after a run, "diverged" with
 * epoch and step, "exploded" (a finite loss far above ln(classes)), "interrupted" (the caller's
 * stop flag, set from a hook), "error" with the reason, the activation widths, what the epoch
 * probes recorded; none for a refused run or a CSV on stdout. Read back with cJSON, as a script
 * would. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/fixture.h"
#include "support/helpers.h"
#include "nntrain.h"
#include "run/csv.h"
#include "run/status.h"
#include "suites.h"

/* Two activation modules of 32 units (indices 1 and 3), 5 classes, csv_path as CSV. */
static void parse(nn_config *cfg, const char *lr, const char *csv_path)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"seed\": 3, \"data\": {\"format\": \"idx\", \"train_images\": "
             "\"-\", \"train_labels\": \"-\", \"test_images\": \"-\", \"test_labels\": \"-\"},"
             " \"model\": [{\"type\": \"dense\", \"units\": 32}, {\"type\": \"leaky_relu\"},"
             " {\"type\": \"dense\", \"units\": 32}, {\"type\": \"elu\"},"
             " {\"type\": \"dense\", \"units\": 5}],"
             " \"optimizer\": {\"lr\": %s, \"momentum\": 0.9},"
             " \"train\": {\"epochs\": 3, \"batch_size\": 32}, \"output\": {\"csv\": \"-\"}}",
             lr);
    nn_error err;
    ck_assert_msg(nn_config_parse(cfg, json, "test.json", NULL, 0, &err) == NN_OK, "%s", err.msg);
    ck_assert_int_eq(nn_config_set_csv(cfg, csv_path, NULL), NN_OK);
}

/* Trains on n_train synthetic samples (test images of test_side pixels a side) with hooks;
 * returns the status. */
static nn_status run_with(const char *lr, const char *csv_path, size_t n_train, size_t test_side,
                          const nn_hooks *hooks, nn_error *err)
{
    nn_config cfg;
    parse(&cfg, lr, csv_path);
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, n_train, 10, 5, 11), 0);
    ck_assert_int_eq(th_synthetic(&test, 100, test_side, 5, 12), 0);
    nn_status st = nn_train_on(&cfg, &train, &test, hooks, err);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
    return st;
}

/* 300 training samples (10 steps an epoch), no hooks. */
static nn_status run(const char *lr, const char *csv_path, size_t test_side, nn_error *err)
{
    return run_with(lr, csv_path, 300, test_side, NULL, err);
}

/* The parsed status file (NULL when there is none). */
static cJSON *read_status(const char *path)
{
    char *text = th_slurp(path);
    if (text == NULL)
        return NULL;
    cJSON *o = cJSON_Parse(text);
    ck_assert_msg(o != NULL, "%s: not JSON: %s", path, text);
    free(text);
    return o;
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "\"%s\" is not a number", key);
    return v->valuedouble;
}

static const char *string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsString(v), "\"%s\" is not a string", key);
    return v->valuestring;
}

/* "widths": {"1": 32, "3": 32} and "hidden_units": 64 */
static void check_widths(const cJSON *o)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "widths");
    ck_assert(cJSON_IsObject(w));
    ck_assert_int_eq(cJSON_GetArraySize(w), 2);
    ck_assert_double_eq(number(w, "1"), 32);
    ck_assert_double_eq(number(w, "3"), 32);
    ck_assert_double_eq(number(o, "hidden_units"), 64);
}

/* A fresh folder with the CSV path and the status path the run should write. */
typedef struct paths {
    char *dir;
    char csv[512], status[512];
} paths;

static void paths_make(paths *p, const char *csv_name, const char *status_name)
{
    p->dir = th_tmpdir();
    ck_assert_ptr_nonnull(p->dir);
    snprintf(p->csv, sizeof p->csv, "%s/%s", p->dir, csv_name);
    snprintf(p->status, sizeof p->status, "%s/%s", p->dir, status_name);
}

static void paths_free(paths *p)
{
    th_rmdir(p->dir);
    free(p->dir);
}

START_TEST(test_status_ok)
{
    paths p;
    paths_make(&p, "runs/r.csv", "runs/r.status.json");
    nn_error err;
    ck_assert_msg(run("0.05", p.csv, 10, &err) == NN_OK, "%s", err.msg);
    cJSON *o = read_status(p.status);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(string(o, "status"), "ok");
    ck_assert_double_eq(number(o, "epochs_done"), 3);
    ck_assert_double_eq(number(o, "epochs"), 3);
    ck_assert(!cJSON_HasObjectItem(o, "epoch") && !cJSON_HasObjectItem(o, "reason"));
    check_widths(o);
    cJSON_Delete(o);
    strcat(p.status, ".tmp");
    ck_assert_int_ne(access(p.status, F_OK), 0); /* the temporary file is gone */
    paths_free(&p);
}
END_TEST

START_TEST(test_status_diverged)
{
    paths p;
    paths_make(&p, "r", "r.status.json"); /* no ".csv": the suffix is appended */
    nn_error err;
    ck_assert_int_eq(run("1000", p.csv, 10, &err), NN_ETRAIN);
    unsigned long epoch = 0, step = 0;
    ck_assert_msg(sscanf(err.msg, "training diverged at epoch %lu, step %lu", &epoch, &step) == 2,
                  "%s", err.msg);
    cJSON *o = read_status(p.status);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(string(o, "status"), "diverged");
    ck_assert_double_eq(number(o, "epoch"), (double)epoch);
    ck_assert_double_eq(number(o, "step"), (double)step);
    ck_assert(epoch >= 1 && step >= 1);
    ck_assert_double_eq(number(o, "epochs_done"), (double)(epoch - 1));
    ck_assert_double_eq(number(o, "epochs"), 3);
    ck_assert_str_eq(string(o, "reason"), err.msg);
    check_widths(o);
    cJSON_Delete(o);
    paths_free(&p);
}
END_TEST

/* A finite loss far above ln(classes): the run stops as exploded, no row for that epoch. */
START_TEST(test_status_exploded)
{
    paths p;
    paths_make(&p, "x.csv", "x.status.json");
    nn_error err;
    ck_assert_int_eq(run("1", p.csv, 10, &err), NN_ETRAIN);
    double loss = 0;
    unsigned long epoch = 0;
    ck_assert_msg(sscanf(err.msg, "training exploded in epoch %lu: the mean training loss %lf",
                         &epoch, &loss) == 2,
                  "%s", err.msg);
    ck_assert_msg(loss > 10 * log(5.0) && isfinite(loss), "%s", err.msg);
    cJSON *o = read_status(p.status);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(string(o, "status"), "exploded");
    ck_assert_double_eq(number(o, "epoch"), (double)epoch);
    ck_assert_double_eq(number(o, "epochs_done"), (double)(epoch - 1));
    ck_assert_str_eq(string(o, "reason"), err.msg);
    cJSON_Delete(o);
    char *csv = th_slurp(p.csv);
    ck_assert_ptr_nonnull(csv);
    size_t rows = 0;
    for (const char *c = csv; *c; c++)
        rows += *c == '\n';
    ck_assert_uint_eq(rows, 1 + epoch); /* the header and epochs 0 .. epoch - 1 */
    free(csv);
    paths_free(&p);
}
END_TEST

START_TEST(test_status_refused_run)
{
    paths p;
    paths_make(&p, "r.csv", "r.status.json");
    nn_error err;
    ck_assert_int_eq(run("0.05", p.csv, 8, &err), NN_EDATA); /* 64 test features, 100 train */
    ck_assert_int_ne(access(p.status, F_OK), 0);
    ck_assert_int_ne(access(p.csv, F_OK), 0);
    paths_free(&p);
}
END_TEST

/* "error" with its reason, no epoch or step; nothing at all for a CSV on stdout. */
START_TEST(test_status_error_and_stdout)
{
    size_t width[3] = {0, 4, 0};
    uint32_t counts[4] = {0};
    uint32_t *active[3] = {NULL, counts, NULL};
    nn_dead dead = {.n_modules = 3, .total = 4, .width = width, .active = active};
    paths p;
    paths_make(&p, "e.csv", "e.status.json");
    nn_run_status s;
    nn_error err, run_err;
    ck_assert_int_eq(nn_run_status_begin(&s, p.csv, &dead, 5, NULL, &err), NN_OK);
    cJSON *o = read_status(p.status);
    ck_assert_str_eq(string(o, "status"), "running");
    ck_assert_double_eq(number(cJSON_GetObjectItem(o, "widths"), "1"), 4);
    cJSON_Delete(o);
    nn_fail(&run_err, NN_ESYS, "%s: writing the CSV failed: No space left on device", p.csv);
    ck_assert_int_eq(nn_run_status_end(&s, NN_ESYS, &run_err, 2, 0, 0, &err), NN_OK);
    nn_run_status_free(&s);
    o = read_status(p.status);
    ck_assert_str_eq(string(o, "status"), "error");
    ck_assert_str_eq(string(o, "reason"), run_err.msg);
    ck_assert_double_eq(number(o, "epochs_done"), 2);
    ck_assert(!cJSON_HasObjectItem(o, "epoch") && !cJSON_HasObjectItem(o, "step"));
    cJSON_Delete(o);

    ck_assert_ptr_null(nn_csv_sibling("-", ".status.json"));
    ck_assert_int_eq(nn_run_status_begin(&s, "-", &dead, 5, NULL, &err), NN_OK);
    ck_assert_ptr_null(s.path);
    ck_assert_int_eq(nn_run_status_end(&s, NN_OK, NULL, 5, 0, 0, &err), NN_OK);
    nn_run_status_free(&s);

    snprintf(p.csv, sizeof p.csv, "%s/missing/e.csv", p.dir); /* a folder nobody created */
    ck_assert_int_eq(nn_run_status_begin(&s, p.csv, &dead, 5, NULL, &err), NN_ESYS);
    ck_assert_msg(strstr(err.msg, "e.status.json: cannot write the run's status file"), "%s",
                  err.msg);
    ck_assert_ptr_null(s.path);
    paths_free(&p);
}
END_TEST

/* The caller's stop flag, set by a hook once epoch (or batch) `at` is reached. */
typedef struct stopper {
    volatile sig_atomic_t flag;
    size_t at;
} stopper;

static void stop_after_epoch(void *ctx, const nn_epoch_report *r)
{
    stopper *s = ctx;
    if (r->epoch == s->at)
        s->flag = 1;
}

static void stop_in_batch(void *ctx, size_t epoch, size_t epochs, size_t done, size_t total,
                          double ips)
{
    (void)epoch, (void)epochs, (void)done, (void)total, (void)ips;
    ((stopper *)ctx)->flag = 1;
}

static size_t count_rows(const char *path)
{
    char *csv = th_slurp(path);
    ck_assert_ptr_nonnull(csv);
    size_t rows = th_count_lines(csv) - 1;
    free(csv);
    return rows;
}

/* *stop set by the epoch hook after epoch 1's row: the run ends before epoch 2's first batch
 * (step 10) with NN_EINTR and "interrupted" at epoch 2, step 10, rows 0..1 kept; set before
 * the run: at epoch 0, no row. */
START_TEST(test_status_interrupted)
{
    paths p;
    paths_make(&p, "i.csv", "i.status.json");
    nn_error err;
    stopper s = {.at = 1};
    nn_hooks h = {.ctx = &s, .epoch = stop_after_epoch, .stop = &s.flag};
    ck_assert_int_eq(run_with("0.05", p.csv, 300, 10, &h, &err), NN_EINTR);
    char want[1024];
    snprintf(want, sizeof want, "interrupted at epoch 2, step 10; %s keeps the rows of epochs 0..1",
             p.csv);
    ck_assert_str_eq(err.msg, want);
    cJSON *o = read_status(p.status);
    ck_assert_str_eq(string(o, "status"), "interrupted");
    ck_assert_double_eq(number(o, "epoch"), 2);
    ck_assert_double_eq(number(o, "step"), 10);
    ck_assert_double_eq(number(o, "epochs_done"), 1);
    ck_assert_str_eq(string(o, "reason"), err.msg);
    ck_assert(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(o, "constant_output")));
    check_widths(o);
    cJSON_Delete(o);
    ck_assert_uint_eq(count_rows(p.csv), 2);

    s = (stopper){.flag = 1};
    ck_assert_int_eq(run_with("0.05", p.csv, 300, 10, &h, &err), NN_EINTR);
    ck_assert_msg(strstr(err.msg, "interrupted at epoch 0, step 0") != NULL, "%s", err.msg);
    o = read_status(p.status);
    ck_assert_str_eq(string(o, "status"), "interrupted");
    ck_assert_double_eq(number(o, "epoch"), 0);
    ck_assert_double_eq(number(o, "epochs_done"), 0);
    ck_assert(!cJSON_HasObjectItem(o, "revived")); /* no probe was made */
    cJSON_Delete(o);
    ck_assert_uint_eq(count_rows(p.csv), 0);
    paths_free(&p);
}
END_TEST

/* *stop set by the batch hook, which the loop calls every 16 batches once 0.1 s have passed
 * in the epoch: 60000 samples in batches of 1 take longer than that. The run stops before
 * the next batch, inside epoch 1, at a multiple of 16 steps. */
START_TEST(test_status_interrupted_in_epoch)
{
    paths p;
    paths_make(&p, "b.csv", "b.status.json");
    nn_error err;
    stopper s = {0};
    nn_hooks h = {.ctx = &s, .batch = stop_in_batch, .stop = &s.flag};
    nn_config cfg;
    parse(&cfg, "0.01", p.csv);
    cfg.train.batch_size = 1;
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 60000, 10, 5, 11), 0);
    ck_assert_int_eq(th_synthetic(&test, 100, 10, 5, 12), 0);
    ck_assert_int_eq(nn_train_on(&cfg, &train, &test, &h, &err), NN_EINTR);
    unsigned long epoch = 0, step = 0;
    ck_assert_msg(sscanf(err.msg, "interrupted at epoch %lu, step %lu", &epoch, &step) == 2, "%s",
                  err.msg);
    ck_assert_uint_eq(epoch, 1);
    ck_assert_msg(step >= 16 && step < 60000 && step % 16 == 0, "step %lu", step);
    cJSON *o = read_status(p.status);
    ck_assert_str_eq(string(o, "status"), "interrupted");
    ck_assert_double_eq(number(o, "step"), (double)step);
    cJSON_Delete(o);
    ck_assert_uint_eq(count_rows(p.csv), 1);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
    paths_free(&p);
}
END_TEST

/* "revived", "max_dead_frac" and "constant_output" come from the probes recorded; absent
 * before the first. */
START_TEST(test_status_probe_record)
{
    size_t width[2] = {0, 4};
    uint32_t counts[4] = {0, 3, 3, 3};
    uint8_t flags[4] = {1, 1, 0, 0};
    uint32_t *active[2] = {NULL, counts};
    uint8_t *was_dead[2] = {NULL, flags};
    nn_dead dead = {.n_modules = 2,
                    .total = 4,
                    .width = width,
                    .active = active,
                    .was_dead = was_dead,
                    .recorded = 3,
                    .revived = 1,
                    .max_dead_frac = 0.75,
                    .last_constant = 1};
    paths p;
    paths_make(&p, "q.csv", "q.status.json");
    nn_run_status s;
    nn_error err;
    ck_assert_int_eq(nn_run_status_begin(&s, p.csv, &dead, 5, NULL, &err), NN_OK);
    ck_assert_int_eq(nn_run_status_end(&s, NN_OK, NULL, 5, 0, 0, &err), NN_OK);
    nn_run_status_free(&s);
    cJSON *o = read_status(p.status);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "constant_output")));
    ck_assert_double_eq(number(o, "revived"), 1);
    ck_assert_double_eq(number(o, "max_dead_frac"), 0.75);
    cJSON_Delete(o);
    dead.recorded = 0;
    ck_assert_int_eq(nn_run_status_begin(&s, p.csv, &dead, 5, NULL, &err), NN_OK);
    nn_run_status_free(&s);
    o = read_status(p.status);
    ck_assert(!cJSON_HasObjectItem(o, "revived") && !cJSON_HasObjectItem(o, "constant_output"));
    cJSON_Delete(o);
    paths_free(&p);
}
END_TEST

Suite *status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("status");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_status_ok);
    tcase_add_test(tc, test_status_diverged);
    tcase_add_test(tc, test_status_exploded);
    tcase_add_test(tc, test_status_refused_run);
    tcase_add_test(tc, test_status_error_and_stdout);
    tcase_add_test(tc, test_status_interrupted);
    tcase_add_test(tc, test_status_interrupted_in_epoch);
    tcase_add_test(tc, test_status_probe_record);
    suite_add_tcase(s, tc);
    return s;
}
