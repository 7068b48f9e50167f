/* test_dead.c - the dead-unit probe on a hand-built network whose dead units are known.
 *
 * Input x = (x0, x1) with x0 in [1, 2], x1 in [-1, 1] over the probe set.
 * Dense 0 (4 units):  u0 = x0        always > 0          -> alive
 *                     u1 = -x0       always < 0          -> dead
 *                     u2 = x1        > 0 for some samples -> alive
 *                     u3 = 0 (all-zero weights, bias 0): never > 0 -> dead
 * Dense 2 (2 units):  v0 = u0' - 5 (< 0 always: u0' <= 2) -> dead
 *                     v1 = u0'                            -> alive
 * so module 1 has 2 dead units and module 3 has 1, whatever the activation is. */
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "run/dead.h"
#include "nn/model.h"
#include "suites.h"

static const char *const names[] = {"relu", "leaky_relu", "prelu", "elu", "selu"};

static void build(nn_model *m, const char *act)
{
    nn_module_spec mods[] = {th_dense(4), th_act(act, NAN, NAN), th_dense(2),
                               th_act(act, NAN, NAN), th_dense(2)};
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    ck_assert_int_eq(nn_model_build(m, mods, 5, 2, 16, 1, &rng, NULL), NN_OK);
    nn_module *d0 = &m->modules[0], *d2 = &m->modules[2];
    memset(d0->w, 0, 8 * sizeof(float));
    memset(d0->b, 0, 4 * sizeof(float));
    d0->w[0 * 2 + 0] = 1.0f;  /* u0 = x0 */
    d0->w[1 * 2 + 0] = -1.0f; /* u1 = -x0 */
    d0->w[2 * 2 + 1] = 1.0f;  /* u2 = x1 */
    memset(d2->w, 0, 8 * sizeof(float));
    d2->w[0 * 4 + 0] = 1.0f;
    d2->b[0] = -5.0f;
    d2->w[1 * 4 + 0] = 1.0f;
    d2->b[1] = 0.0f;
}

START_TEST(test_known_dead_units)
{
    nn_model m;
    nn_dead d;
    build(&m, names[_i]);
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    ck_assert_uint_eq(d.total, 6);
    nn_dead_reset(&d);
    /* Two probe chunks of 8 samples: x1 > 0 only in the second chunk. */
    for (int chunk = 0; chunk < 2; chunk++) {
        for (int s = 0; s < 8; s++) {
            m.acts[0][s * 2 + 0] = 1.0f + (float)s / 8.0f;
            m.acts[0][s * 2 + 1] = chunk == 0 ? -1.0f + (float)s / 8.0f : (float)s / 8.0f;
        }
        nn_model_forward(&m, 8);
        ck_assert_int_eq(nn_dead_observe(&d, &m, 8), 0);
    }
    nn_dead_finish(&d);
    ck_assert_uint_eq(d.dead[1], 2);
    ck_assert_uint_eq(d.dead[3], 1);
    ck_assert_uint_eq(d.dead[0], 0);
    ck_assert_uint_eq(d.dead_total, 3);

    /* The first chunk alone: x1 <= 0 there (x1 = 0 at s = 8 is not in it), so u2 is
     * dead too; a reset forgets the second chunk. */
    nn_dead_reset(&d);
    for (int s = 0; s < 8; s++) {
        m.acts[0][s * 2 + 0] = 1.5f;
        m.acts[0][s * 2 + 1] = -(float)s / 8.0f; /* includes exactly 0: not active */
    }
    nn_model_forward(&m, 8);
    ck_assert_int_eq(nn_dead_observe(&d, &m, 8), 0);
    nn_dead_finish(&d);
    ck_assert_uint_eq(d.dead[1], 3);
    ck_assert_uint_eq(d.dead_total, 4);
    nn_dead_free(&d);
    nn_model_free(&m);
}
END_TEST

/* A NaN or Inf pre-activation is reported as a divergence, not counted as dead. */
START_TEST(test_nonfinite_is_divergence)
{
    nn_model m;
    nn_dead d;
    build(&m, "relu");
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    const float bad[2] = {NAN, INFINITY};
    for (int k = 0; k < 2; k++) {
        nn_dead_reset(&d);
        m.acts[0][0] = 1.0f;
        m.acts[0][1] = 0.5f;
        m.acts[0][2] = bad[k];
        m.acts[0][3] = 0.0f;
        nn_model_forward(&m, 2);
        ck_assert_int_eq(nn_dead_observe(&d, &m, 2), -1);
        ck_assert_uint_eq(d.bad_module, 1);
    }
    nn_dead_free(&d);
    nn_model_free(&m);
}
END_TEST

Suite *dead_suite(void)
{
    Suite *s = suite_create("dead");
    TCase *tc = tcase_create("probe");
    tcase_add_loop_test(tc, test_known_dead_units, 0, 5);
    tcase_add_test(tc, test_nonfinite_is_divergence);
    suite_add_tcase(s, tc);
    return s;
}
