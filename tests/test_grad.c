/* test_grad.c - gradient checks. The analytic gradients of the float model (backward
 * pass) are compared with central finite differences of an independent double
 * precision implementation of the same math:
 *   dense: y = W x + b;  activations: PyTorch's definitions;
 *   loss: mean over the batch of logsumexp(z) - z[label].
 * Every parameter (weights, biases, PReLU slopes) is checked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "nn/loss.h"
#include "nn/model.h"
#include "nn/sgd.h"
#include "suites.h"

enum { IN = 5, B = 4, CLASSES = 3 };

#define SELU_A 1.6732632423543772848170429916717
#define SELU_S 1.0507009873554804934193349852946

/* Activation in double: name, hyperparameters, learned slope a (PReLU). */
static double act_ref(const char *name, const double *hp, double a, double x)
{
    if (strcmp(name, "relu") == 0)
        return x > 0 ? x : 0;
    if (strcmp(name, "leaky_relu") == 0)
        return x > 0 ? x : hp[0] * x;
    if (strcmp(name, "prelu") == 0)
        return x > 0 ? x : a * x;
    if (strcmp(name, "elu") == 0)
        return x > 0 ? x : hp[0] * expm1(x);
    if (strcmp(name, "selu") == 0)
        return SELU_S * (x > 0 ? x : SELU_A * expm1(x));
    abort();
}

/* The loss of the whole model in double, parameters taken from theta (same layout as
 * m->params). */
static double loss_ref(const nn_model *m, const double *theta, const double *x,
                       const int32_t *y)
{
    double total = 0.0;
    for (size_t s = 0; s < B; s++) {
        double cur[64], next[64];
        for (size_t j = 0; j < IN; j++)
            cur[j] = x[s * IN + j];
        for (size_t i = 0; i < m->n_modules; i++) {
            const nn_module *mod = &m->modules[i];
            if (!mod->act) {
                const double *w = theta + (mod->w - m->params);
                const double *b = mod->b ? theta + (mod->b - m->params) : NULL;
                for (size_t o = 0; o < mod->out; o++) {
                    double acc = b ? b[o] : 0.0;
                    for (size_t k = 0; k < mod->in; k++)
                        acc += w[o * mod->in + k] * cur[k];
                    next[o] = acc;
                }
            } else {
                const double *p = mod->np ? theta + (mod->p - m->params) : NULL;
                for (size_t o = 0; o < mod->out; o++)
                    next[o] = act_ref(mod->act->name, mod->hp,
                                      p ? p[mod->np == 1 ? 0 : o] : 0.0, cur[o]);
            }
            memcpy(cur, next, mod->out * sizeof *cur);
        }
        double zmax = cur[0], sum = 0.0;
        for (size_t c = 1; c < CLASSES; c++)
            zmax = fmax(zmax, cur[c]);
        for (size_t c = 0; c < CLASSES; c++)
            sum += exp(cur[c] - zmax);
        total += zmax + log(sum) - cur[y[s]];
    }
    return total / B;
}

static void check_network(nn_module_spec *mods, size_t n)
{
    nn_model m;
    nn_rng rng;
    nn_error err;
    nn_rng_seed(&rng, 7, 1);
    ck_assert_int_eq(nn_model_build(&m, mods, n, IN, B, 2, &rng, &err), NN_OK);
    /* Non-zero biases and slopes so every term matters. */
    for (size_t i = 0; i < m.n_modules; i++) {
        nn_module *mod = &m.modules[i];
        if (mod->b)
            for (size_t o = 0; o < mod->out; o++)
                mod->b[o] = 0.1f * (float)((int)o % 3 - 1);
        for (size_t k = 0; k < mod->np; k++)
            mod->p[k] = 0.2f + 0.05f * (float)k;
    }
    double x[B * IN];
    int32_t y[B] = {0, 1, 2, 1};
    for (size_t j = 0; j < B * IN; j++) {
        x[j] = nn_rng_normal(&rng);
        m.acts[0][j] = (float)x[j];
    }
    const float *logits = nn_model_forward(&m, B);
    nn_softmax_xent(logits, y, B, CLASSES, m.dacts[m.n_modules], B, NULL);
    memset(m.grads, 0, m.n_params * sizeof *m.grads);
    nn_model_backward(&m, B, NULL, NULL);

    double *theta = malloc(m.n_params * sizeof *theta);
    ck_assert_ptr_nonnull(theta);
    for (size_t k = 0; k < m.n_params; k++)
        theta[k] = m.params[k];
    const double h = 1e-6;
    double worst = 0.0;
    for (size_t k = 0; k < m.n_params; k++) {
        double saved = theta[k];
        theta[k] = saved + h;
        double lp = loss_ref(&m, theta, x, y);
        theta[k] = saved - h;
        double lm = loss_ref(&m, theta, x, y);
        theta[k] = saved;
        double num = (lp - lm) / (2 * h), ana = m.grads[k];
        double e = fabs(num - ana) / fmax(1e-3, fabs(num) + fabs(ana));
        ck_assert_msg(e < 1e-3, "parameter %zu: backward %.8g, finite difference %.8g", k, ana,
                      num);
        worst = fmax(worst, e);
    }
    free(theta);
    nn_model_free(&m);
}

static const char *const act_names[] = {"relu", "leaky_relu", "prelu", "elu", "selu"};

START_TEST(test_dense_act_loss)
{
    const char *name = act_names[_i];
    nn_module_spec mods[] = {
        th_dense(6), th_act(name, strcmp(name, "leaky_relu") == 0 ? 0.1 : NAN, NAN),
        th_dense(4), th_act(name, strcmp(name, "elu") == 0 ? 1.5 : NAN, NAN),
        th_dense(CLASSES),
    };
    check_network(mods, sizeof mods / sizeof mods[0]);
}
END_TEST

/* PReLU with one slope per unit, no bias in the middle layer, and an activation
 * applied directly to the input (its slopes need the input's gradient path). */
START_TEST(test_prelu_per_channel)
{
    nn_module_spec d2 = th_dense(4);
    d2.bias = 0;
    nn_module_spec mods[] = {
        th_act("prelu", IN, 0.25), th_dense(6), th_act("prelu", 6, 0.25), d2,
        th_act("prelu", 1, 0.25),  th_dense(CLASSES),
    };
    check_network(mods, sizeof mods / sizeof mods[0]);
}
END_TEST

/* The loss alone: value and gradient of mean softmax cross-entropy. */
START_TEST(test_loss_values)
{
    const float z[2 * 3] = {1.0f, 2.0f, 3.0f, 1000.0f, 0.0f, -1000.0f};
    const int32_t y[2] = {2, 1};
    float dz[6];
    size_t hits = 0;
    double sum = nn_softmax_xent(z, y, 2, 3, dz, 2, &hits);
    double l0 = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3.0; /* 0.40760596 */
    double l1 = 1000.0;                                    /* stable at extreme logits */
    ck_assert_double_eq_tol(sum, l0 + l1, 1e-6);
    ck_assert_uint_eq(hits, 1);
    double p2 = exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0));
    ck_assert_double_eq_tol(dz[2], (p2 - 1.0) / 2, 1e-7);
    ck_assert_double_eq_tol(dz[3], 0.5, 1e-7);
    ck_assert_double_eq_tol(dz[4], -0.5, 1e-7);
    const float bad[3] = {NAN, 0.0f, 1.0f};
    ck_assert(!isfinite(nn_softmax_xent(bad, y, 1, 3, NULL, 1, NULL)));
}
END_TEST

/* Counts how often each parameter is handed to the update, and applies plain SGD. */
typedef struct fused {
    nn_sgd *sgd;
    float *params;
    const float *grads;
    unsigned char *seen;
} fused;

static void fused_update(void *ctx, size_t lo, size_t hi)
{
    fused *f = ctx;
    for (size_t i = lo; i < hi; i++)
        f->seen[i]++;
    nn_sgd_update(f->sgd, f->params, f->grads, 0.1f, lo, hi);
}

/* The update fused into the backward pass hands every parameter over exactly once and
 * gives the same bits as a backward pass followed by a whole SGD step. */
START_TEST(test_fused_update_matches_step)
{
    nn_module_spec mods[] = {th_dense(40), th_act("prelu", 40, 0.25), th_dense(33),
                               th_act("leaky_relu", NAN, NAN), th_dense(CLASSES)};
    nn_model m[2];
    nn_sgd sgd[2];
    for (int v = 0; v < 2; v++) {
        nn_rng rng;
        nn_rng_seed(&rng, 9, 1);
        ck_assert_int_eq(nn_model_build(&m[v], mods, 5, IN, B, 2, &rng, NULL), NN_OK);
        ck_assert_int_eq(nn_sgd_init(&sgd[v], m[v].n_params, 0.9, 0, 1e-3, 1, NULL), NN_OK);
    }
    unsigned char *seen = calloc(m[0].n_params, 1);
    ck_assert_ptr_nonnull(seen);
    int32_t y[B] = {0, 1, 2, 1};
    for (int step = 0; step < 3; step++)
        for (int v = 0; v < 2; v++) {
            for (size_t j = 0; j < B * IN; j++)
                m[v].acts[0][j] = (float)((j * 37 + (size_t)step) % 11) / 5.0f - 1.0f;
            const float *logits = nn_model_forward(&m[v], B);
            nn_softmax_xent(logits, y, B, CLASSES, m[v].dacts[m[v].n_modules], B, NULL);
            if (v == 0) {
                memset(seen, 0, m[0].n_params);
                fused f = {&sgd[0], m[0].params, m[0].grads, seen};
                nn_model_backward(&m[0], B, fused_update, &f);
                nn_sgd_end_step(&sgd[0]);
                for (size_t i = 0; i < m[0].n_params; i++)
                    ck_assert_msg(seen[i] == 1, "parameter %zu updated %d times", i, seen[i]);
            } else {
                nn_model_backward(&m[1], B, NULL, NULL);
                nn_sgd_step(&sgd[1], m[1].params, m[1].grads, 0.1f);
            }
        }
    ck_assert(memcmp(m[0].params, m[1].params, m[0].n_params * sizeof(float)) == 0);
    free(seen);
    for (int v = 0; v < 2; v++) {
        nn_sgd_free(&sgd[v]);
        nn_model_free(&m[v]);
    }
}
END_TEST

Suite *grad_suite(void)
{
    Suite *s = suite_create("grad");
    TCase *tc = tcase_create("finite_differences");
    tcase_add_loop_test(tc, test_dense_act_loss, 0, sizeof act_names / sizeof act_names[0]);
    tcase_add_test(tc, test_prelu_per_channel);
    tcase_add_test(tc, test_loss_values);
    tcase_add_test(tc, test_fused_update_matches_step);
    suite_add_tcase(s, tc);
    return s;
}
