/* run/dead.c - the dead-unit probe on a hand-built network whose dead units are known,
 * for every entry of nn_activations[].
 *
 * Input x = (x0, x1) with x0 in [1, 2], x1 in [-1, 1] over the probe set.
 * Dense 0 (4 units):  u0 = x0        always > 0          -> alive
 *                     u1 = -x0       always < 0          -> dead
 *                     u2 = x1        > 0 for some samples -> alive
 *                     u3 = 0 (all-zero weights, bias 0): never > 0 -> dead
 * Dense 2 (2 units):  v0 = f(u0) - (max f(u0) + 1)  < 0 always -> dead
 *                     v1 = f(u0) - (min f(u0) - 1)  > 0 always -> alive
 * with f the activation and its range over the probe set's u0 measured through its own
 * forward pass, so module 1 has 2 dead units and module 3 has 1 whatever f is. */
#include <math.h>
#include <string.h>

#include "support/helpers.h"
#include "run/dead.h"
#include "nn/layer/model.h"
#include "suites.h"

/* Every x0 of the probe sets below. */
static const float x0s[] = {1.0f, 1.125f, 1.25f, 1.375f, 1.5f, 1.625f, 1.75f, 1.875f};

static void build(nn_model *m, const nn_act_def *act)
{
    nn_module_spec a = th_act(act->name, NAN, NAN);
    nn_module_spec mods[] = {th_dense(4), a, th_dense(2), a, th_dense(2)};
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    ck_assert_int_eq(nn_model_build(m, mods, 5, 2, 16, 0, 1, &rng, NULL), NN_OK);
    nn_module *d0 = &m->modules[0], *a1 = &m->modules[1], *d2 = &m->modules[2];
    memset(d0->w, 0, 8 * sizeof(float));
    memset(d0->b, 0, 4 * sizeof(float));
    d0->w[0 * 2 + 0] = 1.0f;  /* u0 = x0 */
    d0->w[1 * 2 + 0] = -1.0f; /* u1 = -x0 */
    d0->w[2 * 2 + 1] = 1.0f;  /* u2 = x1 */
    /* f(u0) over the probe set, one u0 per row of a one-unit-wide call (PReLU's slope of
     * unit 0 serves it). */
    enum { NX = sizeof x0s / sizeof x0s[0] };
    float f[NX], lo = INFINITY, hi = -INFINITY;
    act->forward(x0s, f, NX, 1, a1->p, a1->np ? 1 : 0, a1->hp);
    for (size_t s = 0; s < NX; s++) {
        lo = fminf(lo, f[s]);
        hi = fmaxf(hi, f[s]);
    }
    memset(d2->w, 0, 8 * sizeof(float));
    d2->w[0 * 4 + 0] = 1.0f;
    d2->b[0] = -(hi + 1.0f);
    d2->w[1 * 4 + 0] = 1.0f;
    d2->b[1] = 1.0f - lo;
}

/* Dead units per module: none in the dense ones, dead1 and dead3 in the activations. */
static void expect_dead(const nn_dead *d, const char *act, size_t dead1, size_t dead3)
{
    const size_t want[5] = {0, dead1, 0, dead3, 0};
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg(d->dead[i] == want[i], "%s: module %zu has %zu dead units, expected %zu", act,
                      i, d->dead[i], want[i]);
    ck_assert_uint_eq(d->dead_total, dead1 + dead3);
}

START_TEST(test_known_dead_units)
{
    nn_model m;
    nn_dead d;
    build(&m, nn_activations[_i]);
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    ck_assert_uint_eq(d.total, 6);
    nn_dead_reset(&d);
    /* Two probe chunks of 8 samples: x1 > 0 only in the second chunk. */
    for (int chunk = 0; chunk < 2; chunk++) {
        for (int s = 0; s < 8; s++) {
            m.acts[0][s * 2 + 0] = x0s[s];
            m.acts[0][s * 2 + 1] = chunk == 0 ? -1.0f + (float)s / 8.0f : (float)s / 8.0f;
        }
        nn_model_forward(&m, 8, NN_EVAL);
        ck_assert_int_eq(nn_dead_observe(&d, &m, 8), 0);
    }
    nn_dead_finish(&d);
    expect_dead(&d, nn_activations[_i]->name, 2, 1);

    /* The first chunk alone: x1 <= 0 there (x1 = 0 at s = 8 is not in it), so u2 is
     * dead too; a reset forgets the second chunk. */
    nn_dead_reset(&d);
    for (int s = 0; s < 8; s++) {
        m.acts[0][s * 2 + 0] = x0s[4];
        m.acts[0][s * 2 + 1] = -(float)s / 8.0f; /* includes exactly 0: not active */
    }
    nn_model_forward(&m, 8, NN_EVAL);
    ck_assert_int_eq(nn_dead_observe(&d, &m, 8), 0);
    nn_dead_finish(&d);
    expect_dead(&d, nn_activations[_i]->name, 3, 1);
    nn_dead_free(&d);
    nn_model_free(&m);
}
END_TEST

/* A NaN or Inf pre-activation is reported as a divergence, not counted as dead. */
START_TEST(test_nonfinite_is_divergence)
{
    nn_model m;
    nn_dead d;
    build(&m, nn_act_find("relu"));
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    const float bad[2] = {NAN, INFINITY};
    for (int k = 0; k < 2; k++) {
        nn_dead_reset(&d);
        m.acts[0][0] = 1.0f;
        m.acts[0][1] = 0.5f;
        m.acts[0][2] = bad[k];
        m.acts[0][3] = 0.0f;
        nn_model_forward(&m, 2, NN_EVAL);
        ck_assert_int_eq(nn_dead_observe(&d, &m, 2), -1);
        ck_assert_uint_eq(d.bad_module, 1);
    }
    nn_dead_free(&d);
    nn_model_free(&m);
}
END_TEST

/* An activation's own rule of "active" (count_active) is what the probe counts: here a
 * made-up one, active when |x| < 1 (what a saturating unit's rule looks like), on the
 * first layer's u0 = x0 in [1, 2) (never), u1 = -x0 (never), u2 = x1 in [-1, 1] (all but
 * the ends), u3 = 0 (always); and such a model does not take the lane-major pass, which
 * counts x > 0. */
static int count_inside(const float *x, size_t rows, size_t width, uint32_t *count)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < width; j++) {
            if (!isfinite(x[r * width + j]))
                return -1;
            count[j] += fabsf(x[r * width + j]) < 1.0f;
        }
    return 0;
}

START_TEST(test_own_active_rule)
{
    nn_act_def inside = *nn_act_find("relu");
    inside.name = "test_inside";
    inside.count_active = count_inside;
    nn_module_spec a = th_act("relu", NAN, NAN);
    a.act = &inside;
    nn_module_spec mods[] = {th_dense(4), a, th_dense(2)};
    nn_model m;
    nn_dead d;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    ck_assert_int_eq(nn_model_build(&m, mods, 3, 2, 16, 0, 1, &rng, NULL), NN_OK);
    nn_module *d0 = &m.modules[0];
    memset(d0->w, 0, 8 * sizeof(float));
    memset(d0->b, 0, 4 * sizeof(float));
    d0->w[0 * 2 + 0] = 1.0f;
    d0->w[1 * 2 + 0] = -1.0f;
    d0->w[2 * 2 + 1] = 1.0f;
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    enum { NX = sizeof x0s / sizeof x0s[0] };
    for (size_t s = 0; s < NX; s++) {
        m.acts[0][2 * s] = x0s[s];
        m.acts[0][2 * s + 1] = -1.0f + 2.0f * (float)s / (float)(NX - 1); /* -1 .. 1 */
    }
    nn_model_forward(&m, NX, NN_EVAL);
    ck_assert_int_eq(nn_dead_observe(&d, &m, NX), 0);
    nn_dead_finish(&d);
    ck_assert_uint_eq(d.active[1][0], 0);      /* x0 >= 1 */
    ck_assert_uint_eq(d.active[1][1], 0);      /* -x0 <= -1 */
    ck_assert_uint_eq(d.active[1][2], NX - 2); /* all but x1 = -1 and 1 */
    ck_assert_uint_eq(d.active[1][3], NX);     /* 0 */
    ck_assert_uint_eq(d.dead[1], 2);
    nn_dead_free(&d);
    nn_model_free(&m);
    /* The lane-major pass counts x > 0 past module 1: a chain with the rule there is not
     * one it takes, where the same chain with ReLU is (a kernel without the lane path takes
     * neither, and there the check has nothing to see). */
    nn_module_spec r = th_act("relu", NAN, NAN);
    nn_module_spec chain[] = {th_dense(4), r, th_dense(2), r, th_dense(2)};
    ck_assert_int_eq(nn_model_build(&m, chain, 5, 2, 16, 0, 1, &rng, NULL), NN_OK);
    int relu_lanes = nn_model_lanes(&m);
    nn_model_free(&m);
    chain[3] = a;
    ck_assert_int_eq(nn_model_build(&m, chain, 5, 2, 16, 0, 1, &rng, NULL), NN_OK);
    ck_assert(!relu_lanes || !nn_model_lanes(&m));
    nn_model_free(&m);
}
END_TEST

Suite *dead_suite(void)
{
    Suite *s = suite_create("dead");
    TCase *tc = tcase_create("probe");
    tcase_add_loop_test(tc, test_known_dead_units, 0, (int)th_n_activations());
    tcase_add_test(tc, test_nonfinite_is_divergence);
    tcase_add_test(tc, test_own_active_rule);
    suite_add_tcase(s, tc);
    return s;
}
