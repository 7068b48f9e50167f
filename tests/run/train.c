/* run/train.c - the training loop in-process on a synthetic data set: the loss falls,
 * the epoch reports are consistent, schedules give PyTorch's learning rates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/helpers.h"
#include "math/fpmode.h"
#include "math/rng.h"
#include "nn/act/activation.h"
#include "nntrain.h"
#include "run/train.h"
#include "suites.h"

typedef struct record {
    size_t n;
    double train_loss[8], test_acc[8];
    size_t step[8];
} record;

static void on_epoch(void *ctx, const nn_epoch_report *r)
{
    record *rec = ctx;
    if (rec->n < 8) {
        rec->train_loss[rec->n] = r->has_train ? r->train_loss : NAN;
        rec->test_acc[rec->n] = r->test_acc;
        rec->step[rec->n] = r->step;
    }
    rec->n++;
}

static void parse(nn_config *cfg, const char *extra)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"seed\": 3, \"data\": {\"format\": \"idx\", \"train_images\": "
             "\"-\", \"train_labels\": \"-\", \"test_images\": \"-\", \"test_labels\": \"-\"},"
             " \"model\": [{\"type\": \"dense\", \"units\": 32}, {\"type\": \"leaky_relu\"},"
             " {\"type\": \"dense\", \"units\": 32}, {\"type\": \"elu\"},"
             " {\"type\": \"dense\", \"units\": 5}],"
             " \"optimizer\": {\"lr\": 0.05, \"momentum\": 0.9%s},"
             " \"train\": {\"epochs\": 4, \"batch_size\": 32}, \"output\": {\"csv\": \"-\"}}",
             extra);
    nn_error err;
    ck_assert_msg(nn_config_parse(cfg, json, "test.json", NULL, 0, &err) == NN_OK, "%s", err.msg);
}

START_TEST(test_loss_falls)
{
    nn_config cfg;
    parse(&cfg, "");
    ck_assert_int_eq(nn_config_set_csv(&cfg, "/dev/null", NULL), NN_OK);
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 1000, 10, 5, 11), 0);
    ck_assert_int_eq(th_synthetic(&test, 200, 10, 5, 12), 0);
    record rec = {0};
    nn_hooks hooks = {.ctx = &rec, .epoch = on_epoch};
    nn_error err;
    ck_assert_msg(nn_train_on(&cfg, &train, &test, &hooks, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(rec.n, 5);
    ck_assert(isnan(rec.train_loss[0]));
    ck_assert_uint_eq(rec.step[4], 4 * 32); /* ceil(1000 / 32) = 32 steps an epoch */
    for (size_t e = 2; e <= 4; e++)
        ck_assert_msg(rec.train_loss[e] < rec.train_loss[e - 1], "epoch %zu: %g >= %g", e,
                      rec.train_loss[e], rec.train_loss[e - 1]);
    ck_assert_msg(rec.test_acc[4] > 0.95 && rec.test_acc[0] < 0.5, "test acc %g -> %g",
                  rec.test_acc[0], rec.test_acc[4]);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
}
END_TEST

/* x * y through memory, so the compiler cannot fold it. */
static float product(float x, float y)
{
    volatile float a = x, b = y;
    return a * b;
}

/* Flushing on: subnormal results and inputs are 0, normal ones untouched; restored: the
 * subnormals are back. Only where the build has the modes (nn_fp_can_flush). */
START_TEST(test_flush_flushes)
{
    /* 1e-30 * 1e-10 = 1e-40, below FLT_MIN (about 1.2e-38): a subnormal. */
    ck_assert(product(1e-30f, 1e-10f) > 0.0f);
    nn_fpmode fp = nn_fp_flush(1);
    ck_assert(product(1e-30f, 1e-10f) == 0.0f); /* flushed result */
    ck_assert(product(1e-40f, 1e20f) == 0.0f);  /* subnormal input read as 0 */
    ck_assert(product(1e-20f, 1e-10f) > 0.0f);  /* 1e-30 is normal: untouched */
    nn_fp_restore(fp);
    ck_assert(product(1e-30f, 1e-10f) > 0.0f);
}
END_TEST

/* nn_fp_flush(0) changes nothing, on any CPU. */
START_TEST(test_flush_denormals)
{
    ck_assert(nn_fp_flush(0).changed == 0);

    /* A run with flushing leaves the caller's mode as it was, and trains either way. */
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 300, 10, 5, 11), 0);
    ck_assert_int_eq(th_synthetic(&test, 100, 10, 5, 12), 0);
    for (int flush = 0; flush <= 1; flush++) {
        nn_config cfg;
        parse(&cfg, "");
        cfg.train.flush_denormals = flush;
        ck_assert_int_eq(nn_config_set_csv(&cfg, "/dev/null", NULL), NN_OK);
        record rec = {0};
        nn_hooks hooks = {.ctx = &rec, .epoch = on_epoch};
        nn_error err;
        ck_assert_msg(nn_train_on(&cfg, &train, &test, &hooks, &err) == NN_OK, "%s", err.msg);
        ck_assert_uint_eq(rec.n, 5);
        ck_assert(product(1e-30f, 1e-10f) > 0.0f);
        nn_config_free(&cfg);
    }
    nn_dataset_free(&train);
    nn_dataset_free(&test);
}
END_TEST

START_TEST(test_schedules)
{
    nn_config cfg;
    parse(&cfg, ", \"schedule\": {\"type\": \"cosine\"}");
    /* CosineAnnealingLR(T_max = 4): lr0 * (1 + cos(pi e / 4)) / 2 */
    ck_assert_double_eq_tol(nn_run_lr(&cfg, 0), 0.05, 1e-12);
    ck_assert_double_eq_tol(nn_run_lr(&cfg, 1), 0.05 * (1 + cos(0.78539816339744830962)) / 2,
                            1e-12);
    ck_assert_double_eq_tol(nn_run_lr(&cfg, 2), 0.025, 1e-12);
    nn_config_free(&cfg);
    parse(&cfg, ", \"schedule\": {\"type\": \"step\", \"step_size\": 2, \"gamma\": 0.5}");
    ck_assert_double_eq_tol(nn_run_lr(&cfg, 1), 0.05, 1e-12);
    ck_assert_double_eq_tol(nn_run_lr(&cfg, 2), 0.025, 1e-12);
    ck_assert_double_eq_tol(nn_run_lr(&cfg, 5), 0.0125, 1e-12);
    nn_config_free(&cfg);
}
END_TEST

/* Copies the final parameters out of the run. */
typedef struct weights {
    float *p;
    size_t n;
} weights;

static void keep_weights(void *ctx, const nn_model *m)
{
    weights *w = ctx;
    w->p = malloc(m->n_params * sizeof *w->p);
    if (w->p)
        memcpy(w->p, m->params, m->n_params * sizeof *w->p);
    w->n = m->n_params;
}

/* 1, 2 and 3 threads: every product splits its output elements between threads, each
 * computed in one fixed order, so the trained weights are the same bits. */
START_TEST(test_threads_identical_weights)
{
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 600, 28, 5, 21), 0);
    ck_assert_int_eq(th_synthetic(&test, 100, 28, 5, 22), 0);
    weights w[3] = {{0}};
    for (int t = 0; t < 3; t++) {
        nn_config cfg;
        parse(&cfg, "");
        cfg.train.threads = t + 1;
        cfg.train.epochs = 2;
        /* wide enough that the products really run on several threads */
        nn_spec_set(&cfg.modules[0], "units", 300);
        nn_spec_set(&cfg.modules[2], "units", 200);
        ck_assert_int_eq(nn_config_set_csv(&cfg, "/dev/null", NULL), NN_OK);
        nn_hooks hooks = {.ctx = &w[t], .done = keep_weights};
        nn_error err;
        ck_assert_msg(nn_train_on(&cfg, &train, &test, &hooks, &err) == NN_OK, "%s", err.msg);
        ck_assert_ptr_nonnull(w[t].p);
        nn_config_free(&cfg);
    }
    ck_assert_uint_eq(w[0].n, w[1].n);
    for (size_t i = 0; i < w[0].n; i++)
        ck_assert_msg(memcmp(&w[0].p[i], &w[1].p[i], sizeof(float)) == 0,
                      "parameter %zu of %zu: %.9g (1 thread) vs %.9g (2 threads)", i, w[0].n,
                      (double)w[0].p[i], (double)w[1].p[i]);
    ck_assert(memcmp(w[0].p, w[2].p, w[0].n * sizeof(float)) == 0);
    for (int t = 0; t < 3; t++)
        free(w[t].p);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
}
END_TEST

START_TEST(test_split_indices)
{
    /* Held out and kept: disjoint, together 0..n-1, each ascending; the same seed and
     * stream give the same split, another seed another one. */
    enum { N = 50, V = 12 };
    size_t tr[N], va[V], tr2[N], va2[V];
    nn_rng rng;
    nn_rng_seed(&rng, 7, 3);
    nn_split_indices(N, V, &rng, tr, va);
    int seen[N] = {0};
    for (size_t i = 0; i < N - V; i++) {
        seen[tr[i]]++;
        ck_assert(i == 0 || tr[i] > tr[i - 1]);
    }
    for (size_t i = 0; i < V; i++) {
        seen[va[i]] += 2;
        ck_assert(i == 0 || va[i] > va[i - 1]);
    }
    size_t held = 0;
    for (size_t i = 0; i < N; i++) {
        ck_assert_msg(seen[i] == 1 || seen[i] == 2, "sample %zu seen %d", i, seen[i]);
        held += seen[i] == 2;
    }
    ck_assert_uint_eq(held, V);
    nn_rng_seed(&rng, 7, 3);
    nn_split_indices(N, V, &rng, tr2, va2);
    ck_assert_mem_eq(va, va2, sizeof va);
    ck_assert_mem_eq(tr, tr2, (N - V) * sizeof *tr);
    nn_rng_seed(&rng, 8, 3);
    nn_split_indices(N, V, &rng, tr2, va2);
    ck_assert(memcmp(va, va2, sizeof va) != 0);
    /* No split: the identity. */
    nn_split_indices(N, 0, &rng, tr, va);
    for (size_t i = 0; i < N; i++)
        ck_assert_uint_eq(tr[i], i);
}
END_TEST

/* nn_check_run (what check-data runs) refuses what nn_train_on refuses, with the same
 * status and line; on good data it gives the run's normalization statistics. */
START_TEST(test_check_run_agrees)
{
    nn_dataset train, test, test6, flat;
    ck_assert_int_eq(th_synthetic(&train, 300, 10, 5, 11), 0);
    ck_assert_int_eq(th_synthetic(&test, 100, 10, 5, 12), 0);
    ck_assert_int_eq(th_synthetic(&test6, 60, 10, 6, 13), 0); /* labels up to 5 */
    ck_assert_int_eq(th_synthetic(&flat, 300, 10, 5, 14), 0);
    memset(flat.pixels, 7, flat.n * flat.dim); /* no spread */
    for (int k = 0; k < 5; k++) {
        nn_config cfg;
        parse(&cfg, "");
        const nn_dataset *tr = &train, *te = &test;
        switch (k) {
        case 0: /* the last dense layer does not fit the 5 classes */
            nn_spec_set(&cfg.modules[4], "units", 7);
            break;
        case 1: /* nothing left to train on */
            cfg.data.validation = 300;
            break;
        case 2: /* a test label the training labels do not have */
            te = &test6;
            break;
        case 3: /* "standard" normalization of pixels without a spread */
            cfg.data.normalize = NN_NORM_STANDARD;
            tr = &flat;
            break;
        default: /* a PReLU with 7 slopes on 32 units */
            cfg.modules[1].act = nn_act_find("prelu");
            cfg.modules[1].hp[0] = 7;
            cfg.modules[1].hp[1] = 0.25;
        }
        nn_error e1 = {0}, e2 = {0};
        double mean, std;
        nn_status st = nn_check_run(&cfg, tr, te, &mean, &std, &e1);
        ck_assert_msg(st != NN_OK, "case %d passed the checks", k);
        ck_assert_int_eq(nn_train_on(&cfg, tr, te, NULL, &e2), st);
        ck_assert_str_eq(e1.msg, e2.msg);
        nn_config_free(&cfg);
    }
    nn_config cfg;
    parse(&cfg, "");
    double mean = -1, std = -1, m2, s2;
    ck_assert_int_eq(nn_check_run(&cfg, &train, &test, &mean, &std, NULL), NN_OK);
    ck_assert(mean == 0.0 && std == 1.0);
    cfg.data.normalize = NN_NORM_STANDARD;
    ck_assert_int_eq(nn_check_run(&cfg, &train, &test, &mean, &std, NULL), NN_OK);
    nn_dataset_stats(&train, &m2, &s2);
    ck_assert(mean == m2 && std == s2 && std > 0);
    nn_config_free(&cfg);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_dataset_free(&test6);
    nn_dataset_free(&flat);
}
END_TEST

Suite *train_suite(th_skips *sk)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("synthetic");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_loss_falls);
    tcase_add_test(tc, test_schedules);
    if (nn_fp_can_flush())
        tcase_add_test(tc, test_flush_flushes);
    else
        th_skip(sk, "train", "test_flush_flushes", 1,
                "no flush-to-zero mode in this build (fpmode.c sets x86's MXCSR only)");
    tcase_add_test(tc, test_flush_denormals);
    tcase_add_test(tc, test_threads_identical_weights);
    tcase_add_test(tc, test_split_indices);
    tcase_add_test(tc, test_check_run_agrees);
    suite_add_tcase(s, tc);
    return s;
}
