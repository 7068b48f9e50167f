/* test_activation.c - activation values and derivatives against PyTorch 1.13's (float64)
 * values at -1, 0, 1, and at large magnitudes (math.expm1/exp in double). Derivatives come from
 * the backward pass with dy = 1. */
#include <math.h>

#include "helpers.h"
#include "nn/act/activation.h"
#include "nn/init.h"
#include "suites.h"

enum { NPTS = 5 };
static const float xs[NPTS] = {-1.0f, 0.0f, 1.0f, -30.0f, 30.0f};

typedef struct act_case {
    const char *name;
    double hp0, hp1;
    double y[NPTS], dy[NPTS];
} act_case;

#define SELU_A 1.6732632423543772848170429916717
#define SELU_S 1.0507009873554804934193349852946

static const act_case cases[] = {
    {"relu", NAN, NAN, {0, 0, 1, 0, 30}, {0, 0, 1, 0, 1}},
    {"leaky_relu", 0.01, NAN, {-0.01, 0, 1, -0.3, 30}, {0.01, 0.01, 1, 0.01, 1}},
    {"leaky_relu", 0.2, NAN, {-0.2, 0, 1, -6.0, 30}, {0.2, 0.2, 1, 0.2, 1}},
    {"prelu", 1, 0.25, {-0.25, 0, 1, -7.5, 30}, {0.25, 0.25, 1, 0.25, 1}},
    {"elu", 1.0, NAN, {-0.6321205588, 0, 1, -0.9999999999999065, 30},
     {0.3678794412, 1, 1, 9.357622968840175e-14, 1}},
    {"elu", 2.0, NAN, {-1.2642411176, 0, 1, -1.999999999999813, 30},
     {0.7357588823, 2, 1, 1.871524593768035e-13, 1}},
    {"selu", NAN, NAN, {-1.1113307378, 0, 1.0507009874, -SELU_S * SELU_A, 30 * SELU_S},
     {0.646768603, 1.7580993408, 1.0507009874, 1.6451630773416182e-13, SELU_S}},
};

START_TEST(test_values_and_derivatives)
{
    const act_case *c = &cases[_i];
    nn_module_spec mc = th_act(c->name, c->hp0, c->hp1);
    const nn_act_def *a = mc.act;
    float p[1];
    size_t np = a->n_params ? a->n_params(mc.hp, NPTS) : 0;
    ck_assert_uint_le(np, 1);
    if (np)
        a->init_params(p, np, mc.hp);
    float y[NPTS], dx[NPTS], ones[NPTS] = {1, 1, 1, 1, 1}, dp[1] = {0};
    a->forward(xs, y, 1, NPTS, p, np, mc.hp);
    a->backward(xs, ones, dx, dp, 1, NPTS, p, np, mc.hp);
    for (int i = 0; i < NPTS; i++) {
        double tol = 2e-6 * fmax(1.0, fabs(c->y[i]));
        ck_assert_msg(fabs(y[i] - c->y[i]) <= tol, "%s(%g) = %.10g, expected %.10g", c->name,
                      (double)xs[i], (double)y[i], c->y[i]);
        double dtol = 2e-6 * fmax(1.0, fabs(c->dy[i])) + 1e-12;
        ck_assert_msg(fabs(dx[i] - c->dy[i]) <= dtol, "%s'(%g) = %.10g, expected %.10g",
                      c->name, (double)xs[i], (double)dx[i], c->dy[i]);
    }
}
END_TEST

/* d/da of PReLU: x where x <= 0 (so -1 at x = -1, 0 at x = 0), 0 where x > 0. */
START_TEST(test_prelu_slope_gradient)
{
    nn_module_spec mc = th_act("prelu", 1, 0.25);
    const nn_act_def *a = mc.act;
    float p[1] = {0.25f}, y[1], dx[1];
    const float cases_x[3] = {-1.0f, 0.0f, 2.0f}, want[3] = {-1.0f, 0.0f, 0.0f};
    for (int i = 0; i < 3; i++) {
        float dp[1] = {0}, one = 1.0f;
        a->forward(&cases_x[i], y, 1, 1, p, 1, mc.hp);
        a->backward(&cases_x[i], &one, dx, dp, 1, 1, p, 1, mc.hp);
        ck_assert_float_eq(dp[0], want[i]);
    }
    /* Per-channel slopes: each unit its own slope and its own gradient. */
    nn_module_spec mc2 = th_act("prelu", 2, 0.1);
    float p2[2] = {0.1f, 0.5f}, x2[4] = {-1, -2, 3, -4}, dy2[4] = {1, 1, 1, 1}, y2[4], dx2[4];
    float dp2[2] = {0, 0};
    a->forward(x2, y2, 2, 2, p2, 2, mc2.hp);
    ck_assert_float_eq(y2[0], -0.1f);
    ck_assert_float_eq(y2[1], -1.0f);
    ck_assert_float_eq(y2[3], -2.0f);
    a->backward(x2, dy2, dx2, dp2, 2, 2, p2, 2, mc2.hp);
    ck_assert_float_eq(dp2[0], -1.0f);        /* x = -1 (row 0), x = 3 > 0 (row 1) */
    ck_assert_float_eq(dp2[1], -6.0f);        /* -2 + -4 */
    ck_assert_float_eq(dx2[1], 0.5f);
}
END_TEST

START_TEST(test_table_and_gains)
{
    ck_assert_ptr_null(nn_act_find("tanh"));
    size_t count = 0;
    for (size_t i = 0; nn_activations[i]; i++, count++)
        ck_assert_ptr_eq(nn_act_find(nn_activations[i]->name), nn_activations[i]);
    ck_assert_uint_eq(count, 5);
    /* torch.nn.init.calculate_gain */
    double hp[NN_MAX_HPARAMS] = {0.01};
    ck_assert_double_eq_tol(nn_act_find("relu")->gain(hp), sqrt(2.0), 1e-15);
    ck_assert_double_eq_tol(nn_act_find("leaky_relu")->gain(hp), sqrt(2.0 / (1 + 1e-4)), 1e-15);
    ck_assert_double_eq_tol(nn_act_find("selu")->gain(hp), 0.75, 1e-15);
    ck_assert_int_eq(nn_init_from_name(nn_act_find("selu")->dense_init), NN_INIT_LECUN_NORMAL);
}
END_TEST

Suite *activation_suite(void)
{
    Suite *s = suite_create("activation");
    TCase *tc = tcase_create("reference");
    tcase_add_loop_test(tc, test_values_and_derivatives, 0, sizeof cases / sizeof cases[0]);
    tcase_add_test(tc, test_prelu_slope_gradient);
    tcase_add_test(tc, test_table_and_gains);
    suite_add_tcase(s, tc);
    return s;
}
