/* run/dead_counts.c - what the probe measures beyond dead or alive, on hand-built networks:
 * per-unit counts of active samples (and the per-unit CSV written from them), the
 * constant-output flag, and the record over several probes (revived, max_dead_frac).
 *
 * Constant output and dead units are different things: a ReLU layer whose units are all
 * dead zeroes its output, so everything after it is constant; an ELU layer whose units are
 * all "dead" (never positive) still passes exp(u) - 1, which varies with the input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture.h"
#include "support/helpers.h"
#include "nn/layer/model.h"
#include "run/dead.h"
#include "run/probe_csv.h"
#include "suites.h"

/* dense(units) on in inputs, the activation act, dense(out): built, parameters from the
 * seeded init (the tests overwrite what they need). */
static void build(nn_model *m, size_t in, size_t units, const char *act, size_t out)
{
    nn_module_spec mods[] = {th_dense(units), th_act(act, NAN, NAN), th_dense(out)};
    nn_rng rng;
    nn_rng_seed(&rng, 5, 1);
    ck_assert_int_eq(nn_model_build(m, mods, 3, in, 32, 0, 1, &rng, NULL), NN_OK);
}

/* Probes rows samples, each input feature drawn from [0, 1) by a seeded stream. */
static void probe_random(nn_dead *d, nn_model *m, size_t rows)
{
    nn_rng rng;
    nn_rng_seed(&rng, 9, 4);
    for (size_t i = 0; i < rows * m->input_dim; i++)
        m->acts[0][i] = (float)nn_rng_below(&rng, 1000) / 1000.0f;
    nn_dead_reset(d);
    nn_model_forward(m, rows, NN_EVAL);
    ck_assert_int_eq(nn_dead_observe(d, m, rows), 0);
    nn_dead_finish(d);
}

/* Input x_s = (s + 0.5) / 20 for s = 0..19. Unit k < 5: u_k = x - k / 5, > 0 on the samples
 * s >= 4k: 20 - 4k of them (active_frac 1, 0.8, 0.6, 0.4, 0.2). Unit 5: u = -x, unit 6:
 * u = x - 1: never > 0, dead. Observed in two calls (12 + 8 samples): counts add up. */
START_TEST(test_unit_counts)
{
    nn_model m;
    nn_dead d;
    build(&m, 1, 7, "relu", 2);
    nn_module *d0 = &m.modules[0];
    for (size_t k = 0; k < 5; k++) {
        d0->w[k] = 1.0f;
        d0->b[k] = -(float)k / 5.0f;
    }
    d0->w[5] = -1.0f;
    d0->b[5] = 0.0f;
    d0->w[6] = 1.0f;
    d0->b[6] = -1.0f;
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    nn_dead_reset(&d);
    for (size_t start = 0; start < 20; start += 12) {
        size_t rows = start == 0 ? 12 : 8;
        for (size_t r = 0; r < rows; r++)
            m.acts[0][r] = ((float)(start + r) + 0.5f) / 20.0f;
        nn_model_forward(&m, rows, NN_EVAL);
        ck_assert_int_eq(nn_dead_observe(&d, &m, rows), 0);
    }
    nn_dead_finish(&d);
    ck_assert_uint_eq(d.samples, 20);
    for (size_t k = 0; k < 5; k++)
        ck_assert_msg(d.active[1][k] == 20 - 4 * k, "unit %zu: active on %u samples, expected %zu",
                      k, d.active[1][k], 20 - 4 * k);
    ck_assert_uint_eq(d.active[1][5], 0);
    ck_assert_uint_eq(d.active[1][6], 0);
    ck_assert_uint_eq(d.dead[1], 2);
    ck_assert_uint_eq(d.dead_total, 2);

    /* The per-unit CSV: one row per unit, active_frac = count / 20. */
    char *dir = th_tmpdir();
    ck_assert_ptr_nonnull(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/sub/units.csv", dir);
    nn_csv c;
    nn_error err;
    ck_assert_msg(nn_units_open(&c, path, &err) == NN_OK, "%s", err.msg);
    ck_assert_int_eq(nn_units_write(&c, 4, &d, &err), NN_OK);
    ck_assert_int_eq(nn_csv_close(&c, &err), NN_OK);
    char *text = th_slurp(path);
    ck_assert_str_eq(text, "epoch,module,unit,active_frac\n"
                           "4,1,0,1.000000\n4,1,1,0.800000\n4,1,2,0.600000\n4,1,3,0.400000\n"
                           "4,1,4,0.200000\n4,1,5,0.000000\n4,1,6,0.000000\n");
    free(text);
    th_rmdir(dir);
    free(dir);
    nn_dead_free(&d);
    nn_model_free(&m);
}
END_TEST

/* First layer: weights 0, bias -100: every ReLU unit is dead and the logits are the last
 * layer's bias on every sample: constant. */
START_TEST(test_constant_relu_dead_layer)
{
    nn_model m;
    nn_dead d;
    build(&m, 6, 8, "relu", 3);
    memset(m.modules[0].w, 0, 6 * 8 * sizeof(float));
    for (size_t k = 0; k < 8; k++)
        m.modules[0].b[k] = -100.0f;
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    probe_random(&d, &m, 32);
    ck_assert_uint_eq(d.dead[1], 8);
    ck_assert_int_eq(d.constant_output, 1);
    nn_dead_free(&d);
    nn_model_free(&m);
}
END_TEST

/* The seeded init on random inputs: the logits vary. */
START_TEST(test_not_constant_normal_net)
{
    nn_model m;
    nn_dead d;
    build(&m, 6, 8, "relu", 3);
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    probe_random(&d, &m, 32);
    ck_assert_int_eq(d.constant_output, 0);
    ck_assert_uint_lt(d.dead[1], 8);
    nn_dead_free(&d);
    nn_model_free(&m);
}
END_TEST

/* u_k = x_0 - 3 < 0 for x_0 in [0, 1): every unit never active ("dead") for ReLU and ELU
 * alike. After ReLU the output is constant; after ELU it is exp(u) - 1, which spans about
 * 0.08 over the inputs: not constant. The two flags are not confused. */
START_TEST(test_dead_layer_elu_not_constant)
{
    const char *acts[2] = {"relu", "elu"};
    for (int a = 0; a < 2; a++) {
        nn_model m;
        nn_dead d;
        build(&m, 6, 8, acts[a], 3);
        memset(m.modules[0].w, 0, 6 * 8 * sizeof(float));
        for (size_t k = 0; k < 8; k++) {
            m.modules[0].w[k * 6] = 1.0f;
            m.modules[0].b[k] = -3.0f;
        }
        ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
        probe_random(&d, &m, 32);
        ck_assert_msg(d.dead[1] == 8, "%s: %zu of 8 units dead", acts[a], d.dead[1]);
        ck_assert_msg(d.constant_output == (a == 0), "%s: constant_output %d", acts[a],
                      d.constant_output);
        nn_dead_free(&d);
        nn_model_free(&m);
    }
}
END_TEST

/* The tolerance: spread <= 1e-6 x (1 + max |logit|), on logits written by hand; a NaN logit
 * is never constant. */
START_TEST(test_constant_tolerance)
{
    static const struct {
        float a, b; /* logit 0 on the two samples (logit 1 is 0 on both) */
        int constant;
    } cases[] = {
        {1e6f, 1e6f + 0.5f, 1}, /* 0.5 <= 1e-6 x (1 + 1000000.5) */
        {1e6f, 1e6f + 2.0f, 0}, /* 2 > 1e-6 x (1 + 1000002) */
        {0.0f, 5e-7f, 1},       /* 5e-7 <= 1e-6 x (1 + 5e-7) */
        {0.0f, 2e-6f, 0},       /* 2e-6 > 1.000002e-6 */
        {NAN, NAN, 0},          /* not finite: never constant */
    };
    nn_model m;
    nn_dead d;
    build(&m, 2, 2, "relu", 2);
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(m.acts[1], 0, 2 * 2 * sizeof(float)); /* pre-activations: finite */
        float *y = m.acts[m.n_modules];
        y[0] = cases[i].a;
        y[1] = 0.0f;
        y[2] = cases[i].b;
        y[3] = 0.0f;
        nn_dead_reset(&d);
        ck_assert_int_eq(nn_dead_observe(&d, &m, 2), 0);
        nn_dead_finish(&d);
        ck_assert_msg(d.constant_output == cases[i].constant, "case %zu: constant_output %d", i,
                      d.constant_output);
    }
    nn_dead_free(&d);
    nn_model_free(&m);
}
END_TEST

/* Four probes of two units, pre-activations written by hand (1: active, -1: not):
 * (dead, alive), (alive, dead), (alive, alive), (dead, dead). revived counts the units
 * dead at some probe and alive at the latest; max_dead_frac the largest dead fraction. */
START_TEST(test_record_revived)
{
    static const float u[4][2] = {{-1, 1}, {1, -1}, {1, 1}, {-1, -1}};
    static const size_t revived[4] = {0, 1, 2, 0};
    static const double max_frac[4] = {0.5, 0.5, 0.5, 1.0};
    nn_model m;
    nn_dead d;
    build(&m, 2, 2, "relu", 2);
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    ck_assert_uint_eq(d.recorded, 0);
    for (int p = 0; p < 4; p++) {
        m.acts[1][0] = u[p][0];
        m.acts[1][1] = u[p][1];
        memset(m.acts[m.n_modules], 0, 2 * sizeof(float));
        nn_dead_reset(&d);
        ck_assert_int_eq(nn_dead_observe(&d, &m, 1), 0);
        nn_dead_finish(&d);
        nn_dead_record(&d);
        ck_assert_uint_eq(d.recorded, (size_t)p + 1);
        ck_assert_msg(d.revived == revived[p], "probe %d: revived %zu, expected %zu", p, d.revived,
                      revived[p]);
        ck_assert_double_eq(d.max_dead_frac, max_frac[p]);
        ck_assert_int_eq(d.last_constant, 1); /* one sample: every logit constant */
    }
    nn_dead_free(&d);
    nn_model_free(&m);
}
END_TEST

Suite *dead_counts_suite(void)
{
    Suite *s = suite_create("dead_counts");
    TCase *tc = tcase_create("counts");
    tcase_add_test(tc, test_unit_counts);
    tcase_add_test(tc, test_constant_relu_dead_layer);
    tcase_add_test(tc, test_not_constant_normal_net);
    tcase_add_test(tc, test_dead_layer_elu_not_constant);
    tcase_add_test(tc, test_constant_tolerance);
    tcase_add_test(tc, test_record_revived);
    suite_add_tcase(s, tc);
    return s;
}
