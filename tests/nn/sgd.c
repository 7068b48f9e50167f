/* nn/sgd.c - three steps of torch.optim.SGD on one scalar, against the values
 * torch.optim.SGD (PyTorch 1.13) gives: w0 = 1, loss at step i is 0.5 * i * w^2 (gradient i * w),
 * lr = 0.1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/optim/optim.h"
#include "suites.h"

/* nn_optim_init of the table's "sgd" with these settings (its rows in order). */
static nn_status sgd_init(nn_optim *o, size_t n, double momentum, double dampening,
                          double weight_decay, int nesterov, nn_error *err)
{
    double hp[NN_MAX_HPARAMS] = {momentum, dampening, weight_decay, nesterov};
    return nn_optim_init(o, nn_optim_find("sgd"), hp, n, err);
}

typedef struct sgd_case {
    const char *name;
    double momentum, dampening, weight_decay;
    int nesterov;
    double w[3];
} sgd_case;

static const sgd_case cases[] = {
    {"plain", 0, 0, 0, 0, {0.9, 0.72, 0.504}},
    {"momentum", 0.9, 0, 0, 0, {0.9, 0.63, 0.198}},
    {"dampening", 0.9, 0.5, 0, 0, {0.9, 0.72, 0.45}},
    {"nesterov", 0.9, 0, 0, 1, {0.81, 0.4212, -0.023004}},
    {"weight_decay", 0, 0, 0.1, 0, {0.89, 0.7031, 0.485139}},
};

START_TEST(test_three_steps)
{
    const sgd_case *c = &cases[_i];
    nn_optim o;
    nn_error err;
    ck_assert_int_eq(
        sgd_init(&o, 1, c->momentum, c->dampening, c->weight_decay, c->nesterov, &err), NN_OK);
    float w = 1.0f;
    for (int i = 1; i <= 3; i++) {
        float g = (float)i * w;
        nn_optim_step(&o, &w, &g, 0.1f);
        ck_assert_msg(fabs(w - c->w[i - 1]) < 1e-6, "%s step %d: w = %.8f, PyTorch %.8f", c->name,
                      i, (double)w, c->w[i - 1]);
    }
    nn_optim_free(&o);
}
END_TEST

/* Every element of a buffer gets the same update as the scalar case. */
START_TEST(test_vector_matches_scalar)
{
    nn_optim o;
    ck_assert_int_eq(sgd_init(&o, 5, 0.9, 0, 0.01, 1, NULL), NN_OK);
    float w[5] = {1, -2, 0.5f, 3, 0}, g[5];
    for (int step = 0; step < 4; step++) {
        for (int j = 0; j < 5; j++)
            g[j] = 0.3f * w[j] + (float)j;
        nn_optim_step(&o, w, g, 0.05f);
    }
    /* same as a scalar run on element 2 */
    nn_optim s;
    ck_assert_int_eq(sgd_init(&s, 1, 0.9, 0, 0.01, 1, NULL), NN_OK);
    float v = 0.5f, gv;
    for (int step = 0; step < 4; step++) {
        gv = 0.3f * v + 2.0f;
        nn_optim_step(&s, &v, &gv, 0.05f);
    }
    ck_assert_float_eq(w[2], v);
    nn_optim_free(&o);
    nn_optim_free(&s);
}
END_TEST

/* The step in pieces, as the training loop takes it (weight tiles straight from the
 * GEMM, in any order, each element once, then one end of step), gives the same bits as
 * the whole step, over several steps and a length that is not a multiple of 16. */
START_TEST(test_pieces_match_the_whole_step)
{
    const size_t n = 296705;
    const size_t cuts[] = {0, 7, 4096, 4097, 150001, 296700, n};
    const size_t n_cuts = sizeof cuts / sizeof cuts[0];
    float *p[2], *g = malloc(n * sizeof *g);
    nn_optim o[2];
    ck_assert_ptr_nonnull(g);
    for (int t = 0; t < 2; t++) {
        p[t] = malloc(n * sizeof *p[t]);
        ck_assert_ptr_nonnull(p[t]);
        for (size_t i = 0; i < n; i++)
            p[t][i] = (float)((i * 7919) % 1000) / 1000.0f;
        ck_assert_int_eq(sgd_init(&o[t], n, 0.9, 0, 1e-4, 1, NULL), NN_OK);
    }
    for (int step = 0; step < 3; step++) {
        for (size_t i = 0; i < n; i++)
            g[i] = (float)((i * 31 + (size_t)step) % 97) / 97.0f - 0.5f;
        nn_optim_step(&o[0], p[0], g, 0.05f);
        for (size_t c = n_cuts - 1; c > 0; c--) /* last range first */
            nn_optim_update(&o[1], p[1], g, 0.05f, cuts[c - 1], cuts[c]);
        nn_optim_end_step(&o[1]);
    }
    ck_assert(p[0][n - 1] != (float)(((n - 1) * 7919) % 1000) / 1000.0f); /* updated */
    ck_assert(memcmp(p[0], p[1], n * sizeof(float)) == 0);
    for (int t = 0; t < 2; t++) {
        nn_optim_free(&o[t]);
        free(p[t]);
    }
    free(g);
}
END_TEST

Suite *sgd_suite(void)
{
    Suite *s = suite_create("sgd");
    TCase *tc = tcase_create("pytorch");
    tcase_add_loop_test(tc, test_three_steps, 0, sizeof cases / sizeof cases[0]);
    tcase_add_test(tc, test_vector_matches_scalar);
    tcase_add_test(tc, test_pieces_match_the_whole_step);
    suite_add_tcase(s, tc);
    return s;
}
