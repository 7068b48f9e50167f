/* nn/grad.c - gradient checks, for every entry of nn_activations[] by itself.
 *
 * Elementwise: the backward pass of each activation (dL/dx and dL/dp for learnable
 * parameters) against central differences of its own forward pass, for
 * L = sum_i dy_i y_i accumulated in double, with the exact step between the two float
 * inputs. At x = 0 the derivative must be the one from the left (PyTorch takes the
 * x <= 0 branch there): a second-order one-sided difference over x = 0, -h, -2h.
 * Network: the analytic gradients of a float model (dense layers + that activation) are
 * compared with five-point differences of a double precision forward of the same math:
 *   dense: y = W x + b;  activation: its own forward, linearized around the float input;
 *   loss: mean over the batch of logsumexp(z) - z[label].
 * Both run with the defaults and with settings drawn from the hyperparameter ranges
 * (th_act_settings), so a new entry of the table is checked without a line here. */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/helpers.h"
#include "nn/loss.h"
#include "nn/layer/model.h"
#include "nn/layer/dense.h"
#include "nn/optim/optim.h"
#include "suites.h"

/* ---------------------------------------------------------------- elementwise */

enum { EW_W = 3, EW_ROWS = 12, EW_N = EW_ROWS * EW_W };

typedef struct ew {
    const nn_act_def *a;
    const double *hp;
    size_t np;
    float x[EW_N], dy[EW_N], *p;
    char what[160]; /* "elu (alpha=2)" */
} ew;

/* L = sum_i dy_i y_i in double; y receives the outputs. */
static double ew_loss(const ew *c, float *y)
{
    c->a->forward(c->x, y, EW_ROWS, EW_W, c->p, c->np, c->hp);
    double s = 0.0;
    for (size_t i = 0; i < EW_N; i++)
        s += (double)c->dy[i] * y[i];
    return s;
}

/* What float rounding of the outputs can do to a finite difference over step: half an
 * ulp at each end for element i (or every element when i == EW_N: a parameter's). Outputs
 * that round to the same float can hide a true change of up to an ulp. */
static double ew_noise(const ew *c, size_t i, const float *y1, const float *y2, double step)
{
    double scale = 0.0;
    for (size_t j = i == EW_N ? 0 : i; j < (i == EW_N ? EW_N : i + 1); j++)
        scale += fabs(c->dy[j]) * (fabs(y1[j]) + fabs(y2[j]) + FLT_MIN);
    return FLT_EPSILON * scale / step;
}

static void ew_expect(const ew *c, const char *wrt, size_t i, double ana, double num, double noise)
{
    char at[48] = "";
    if (wrt[0] == 'x')
        snprintf(at, sizeof at, " (x = %g)", (double)c->x[i]);
    double tol = 1e-3 * fmax(fabs(num), fabs(ana)) + noise;
    ck_assert_msg(fabs(ana - num) <= tol,
                  "%s: dL/d%s[%zu]%s: backward %.9g, finite difference %.9g", c->what, wrt, i, at,
                  ana, num);
}

/* dL/dx_i by finite differences (one-sided from the left at x_i = 0). */
static void ew_check_dx(ew *c, size_t i, double ana)
{
    float y1[EW_N], y2[EW_N], y3[EW_N];
    const float x0 = c->x[i];
    double num, noise;
    if (x0 == 0.0f) {
        const float h = 1.0f / 1024;
        double l0 = ew_loss(c, y1);
        c->x[i] = -h;
        double l1 = ew_loss(c, y2);
        c->x[i] = -2 * h;
        double l2 = ew_loss(c, y3);
        num = (3 * l0 - 4 * l1 + l2) / (2.0 * h);
        noise = 8 * ew_noise(c, i, y1, y3, 2.0 * h);
    } else {
        float h = fminf(1e-3f * fmaxf(1.0f, fabsf(x0)), fabsf(x0) / 2), xp = x0 + h, xm = x0 - h;
        c->x[i] = xp;
        double lp = ew_loss(c, y1);
        c->x[i] = xm;
        double lm = ew_loss(c, y2);
        num = (lp - lm) / ((double)xp - (double)xm);
        noise = ew_noise(c, i, y1, y2, (double)xp - (double)xm);
    }
    c->x[i] = x0;
    ew_expect(c, "x", i, ana, num, noise);
}

static void ew_check_dp(ew *c, size_t k, double ana)
{
    float y1[EW_N], y2[EW_N];
    const float p0 = c->p[k], h = 1e-3f * fmaxf(1.0f, fabsf(p0)), pp = p0 + h, pm = p0 - h;
    c->p[k] = pp;
    double lp = ew_loss(c, y1);
    c->p[k] = pm;
    double lm = ew_loss(c, y2);
    c->p[k] = p0;
    double step = (double)pp - (double)pm;
    ew_expect(c, "p", k, ana, (lp - lm) / step, ew_noise(c, EW_N, y1, y2, step));
}

/* Inputs: 0 in every column, fixed points on both sides, then random ones away from 0. */
static void ew_fill(ew *c, nn_rng *rng)
{
    static const float fixed[] = {0, 0,  0, -0.1f, 0.1f, -0.5f,  0.5f, -1,
                                  1, -3, 3, -8,    8,    -0.05f, 0.05f};
    for (size_t i = 0; i < EW_N; i++) {
        float v = (float)(8 * nn_rng_uniform(rng) - 4);
        c->x[i] = i < sizeof fixed / sizeof fixed[0] ? fixed[i] : fabsf(v) < 0.05f ? 0.5f : v;
        c->dy[i] = (float)nn_rng_normal(rng);
    }
    /* Learnable parameters: the activation's own init, moved so that units differ. */
    if (c->np) {
        c->a->init_params(c->p, c->np, c->hp);
        for (size_t k = 0; k < c->np; k++)
            c->p[k] += (float)(0.1 * nn_rng_normal(rng));
    }
}

static void check_elementwise(const nn_act_def *a, const double *hp)
{
    char hps[128];
    ew c = {.a = a, .hp = hp, .np = a->n_params ? a->n_params(hp, EW_W) : 0};
    snprintf(c.what, sizeof c.what, "%s (%s)", a->name, th_hp_str(a, hp, hps, sizeof hps));
    float dx[EW_N], *dp = malloc((c.np + 1) * sizeof *dp);
    c.p = calloc(c.np + 1, sizeof *c.p);
    ck_assert(dp && c.p);
    nn_rng rng;
    nn_rng_seed(&rng, 11, 2);
    ew_fill(&c, &rng);
    /* backward adds to dp: start from 1/2 everywhere. */
    for (size_t k = 0; k < c.np; k++)
        dp[k] = 0.5f;
    a->backward(c.x, c.dy, dx, c.np ? dp : NULL, EW_ROWS, EW_W, c.p, c.np, hp);
    for (size_t i = 0; i < EW_N; i++)
        ew_check_dx(&c, i, dx[i]);
    for (size_t k = 0; k < c.np; k++)
        ew_check_dp(&c, k, (double)dp[k] - 0.5);
    free(dp);
    free(c.p);
}

START_TEST(test_act_elementwise)
{
    const nn_act_def *a = nn_activations[_i];
    double hp[TH_MAX_SETTINGS][NN_MAX_HPARAMS];
    size_t n = th_act_settings(a, EW_W, hp);
    ck_assert_msg(a->n_hparams == 0 || n > 1, "%s: no non-default setting passes its check",
                  a->name);
    for (size_t s = 0; s < n; s++)
        check_elementwise(a, hp[s]);
}
END_TEST

/* ---------------------------------------------------------------- network */

enum { IN = 3, W = 3, B = 4, CLASSES = 3, MAX_W = 64 };

/* One row of an activation module in double: its float forward at the rounded input,
 * plus the float derivative times the rounding (so the result is smooth in z). The
 * signs of z go to sign[0..width). */
static void act_row(const nn_module *mod, const double *theta, const float *params, const double *z,
                    double *out, unsigned char *sign)
{
    float zf[MAX_W], yf[MAX_W], df[MAX_W], ones[MAX_W], pf[MAX_W], dpf[MAX_W] = {0};
    const size_t w = mod->out;
    ck_assert(w <= MAX_W && mod->np <= MAX_W);
    for (size_t j = 0; j < w; j++) {
        zf[j] = (float)z[j];
        ones[j] = 1.0f;
        sign[j] = z[j] > 0;
    }
    for (size_t k = 0; k < mod->np; k++)
        pf[k] = (float)theta[mod->p - params + (ptrdiff_t)k];
    mod->act->forward(zf, yf, 1, w, pf, mod->np, mod->hp);
    mod->act->backward(zf, ones, df, dpf, 1, w, pf, mod->np, mod->hp);
    for (size_t j = 0; j < w; j++)
        out[j] = yf[j] + df[j] * (z[j] - zf[j]);
}

static void dense_row(const nn_module *mod, const double *theta, const float *params,
                      const double *cur, double *next)
{
    const double *w = theta + (mod->w - params);
    const double *b = mod->b ? theta + (mod->b - params) : NULL;
    for (size_t o = 0; o < mod->out; o++) {
        double acc = b ? b[o] : 0.0;
        for (size_t k = 0; k < mod->in; k++)
            acc += w[o * mod->in + k] * cur[k];
        next[o] = acc;
    }
}

/* The loss of the whole model in double, parameters taken from theta (same layout as
 * m->params); sign receives the sign of every pre-activation. */
static double loss_ref(const nn_model *m, const double *theta, const double *x, const int32_t *y,
                       unsigned char *sign)
{
    double total = 0.0;
    for (size_t s = 0; s < B; s++) {
        double cur[MAX_W], next[MAX_W];
        memcpy(cur, x + s * IN, IN * sizeof *cur);
        for (size_t i = 0; i < m->n_modules; i++) {
            const nn_module *mod = &m->modules[i];
            if (mod->act) {
                act_row(mod, theta, m->params, cur, next, sign);
                sign += mod->out;
            } else {
                dense_row(mod, theta, m->params, cur, next);
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

/* Non-zero biases and moved learnable parameters, so every term matters. */
static void perturb_params(nn_model *m)
{
    for (size_t i = 0; i < m->n_modules; i++) {
        nn_module *mod = &m->modules[i];
        if (mod->b)
            for (size_t o = 0; o < mod->out; o++)
                mod->b[o] = 0.1f * (float)((int)o % 3 - 1);
        for (size_t k = 0; mod->act && k < mod->np; k++)
            mod->p[k] += 0.05f * (float)k - 0.05f;
    }
}

/* dL/dtheta_k by the five-point stencil with step h (error O(h^4): the float rounding
 * of the activations' outputs asks for a large step); NAN when a step moves a
 * pre-activation across 0 (a kink). */
static double numeric_grad(const nn_model *m, double *theta, size_t k, const double *x,
                           const int32_t *y, double h)
{
    static const double off[4] = {-2, -1, 1, 2};
    unsigned char sign[4][B * 3 * MAX_W] = {{0}};
    const double t0 = theta[k];
    double l[4];
    for (int q = 0; q < 4; q++) {
        theta[k] = t0 + off[q] * h;
        l[q] = loss_ref(m, theta, x, y, sign[q]);
    }
    theta[k] = t0;
    for (int q = 1; q < 4; q++)
        if (memcmp(sign[0], sign[q], sizeof sign[0]) != 0)
            return NAN;
    return (l[0] - 8 * l[1] + 8 * l[2] - l[3]) / (12.0 * h);
}

/* Compares m->grads with numeric_grad, with smaller steps (and a noise allowance that
 * grows as 1/h) where the first one meets a kink; returns how many were compared. */
static size_t compare_grads(const nn_model *m, const double *x, const int32_t *y, const char *what)
{
    double *theta = malloc(m->n_params * sizeof *theta);
    ck_assert_ptr_nonnull(theta);
    for (size_t k = 0; k < m->n_params; k++)
        theta[k] = m->params[k];
    size_t compared = 0;
    for (size_t k = 0; k < m->n_params; k++) {
        double scale = fmax(1.0, fabs(theta[k])), ana = m->grads[k], num = NAN, noise = 0;
        for (double h = 0x1p-7; isnan(num) && h >= 0x1p-13; h /= 8) {
            num = numeric_grad(m, theta, k, x, y, h * scale);
            noise = 2e-5 * 0x1p-7 / h;
        }
        if (isnan(num))
            continue;
        ck_assert_msg(fabs(num - ana) <= 1e-3 * fmax(fabs(num), fabs(ana)) + noise,
                      "%s: parameter %zu: backward %.8g, finite difference %.8g", what, k, ana,
                      num);
        compared++;
    }
    free(theta);
    return compared;
}

/* Builds the model, runs one forward and backward pass on random inputs and compares
 * every parameter's gradient with the reference. */
static void check_network(const nn_module_spec *mods, size_t n, const char *what)
{
    nn_model m;
    nn_rng rng;
    nn_error err;
    nn_rng_seed(&rng, 7, 1);
    ck_assert_msg(nn_model_build(&m, mods, n, IN, B, 1, 2, &rng, &err) == NN_OK, "%s: %s", what,
                  err.msg);
    perturb_params(&m);
    double x[B * IN];
    int32_t y[B] = {0, 1, 2, 1};
    for (size_t j = 0; j < B * IN; j++) {
        x[j] = nn_rng_normal(&rng);
        m.acts[0][j] = (float)x[j];
    }
    const float *logits = nn_model_forward(&m, B, NN_TRAIN);
    nn_softmax_xent(logits, y, B, CLASSES, m.dacts[m.n_modules], B, NULL);
    nn_model_backward(&m, B, NULL, NULL);
    size_t compared = compare_grads(&m, x, y, what);
    ck_assert_msg(compared * 4 >= m.n_params * 3, "%s: only %zu of %zu parameters compared", what,
                  compared, m.n_params);
    nn_model_free(&m);
}

/* The activation on the input (its parameters then need the input's gradient path),
 * after a dense layer, and after one without bias. */
START_TEST(test_act_in_network)
{
    const nn_act_def *a = nn_activations[_i];
    double hp[TH_MAX_SETTINGS][NN_MAX_HPARAMS];
    size_t n = th_act_settings(a, W, hp);
    for (size_t s = 0; s < n; s++) {
        nn_module_spec act = nn_layer_spec(a->name), d = th_dense(W), nobias = th_dense(W);
        memcpy(act.hp, hp[s], sizeof act.hp);
        nobias.hp[NN_DENSE_BIAS] = 0;
        nn_module_spec mods[] = {act, d, act, nobias, act, th_dense(CLASSES)};
        char what[160], hps[128];
        snprintf(what, sizeof what, "%s (%s)", a->name, th_hp_str(a, hp[s], hps, sizeof hps));
        check_network(mods, sizeof mods / sizeof mods[0], what);
    }
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
    const nn_optim *sgd;
    float *params;
    const float *grads;
    unsigned char *seen;
} fused;

static void fused_update(void *ctx, size_t lo, size_t hi)
{
    fused *f = ctx;
    for (size_t i = lo; i < hi; i++)
        f->seen[i]++;
    nn_optim_update(f->sgd, f->params, f->grads, 0.1f, lo, hi);
}

/* The update fused into the backward pass hands every parameter over exactly once and
 * gives the same bits as a backward pass followed by a whole SGD step. */
START_TEST(test_fused_update_matches_step)
{
    nn_module_spec mods[] = {th_dense(40), th_act("prelu", 40, 0.25), th_dense(33),
                               th_act("leaky_relu", NAN, NAN), th_dense(CLASSES)};
    nn_model m[2];
    nn_optim sgd[2];
    for (int v = 0; v < 2; v++) {
        nn_rng rng;
        nn_rng_seed(&rng, 9, 1);
        ck_assert_int_eq(nn_model_build(&m[v], mods, 5, IN, B, 1, 2, &rng, NULL), NN_OK);
        ck_assert_int_eq(nn_optim_init(&sgd[v], nn_optim_find("sgd"), (double[NN_MAX_HPARAMS]){0.9, 0, 1e-3, 1}, m[v].n_params, NULL), NN_OK);
    }
    unsigned char *seen = calloc(m[0].n_params, 1);
    ck_assert_ptr_nonnull(seen);
    int32_t y[B] = {0, 1, 2, 1};
    for (int step = 0; step < 3; step++)
        for (int v = 0; v < 2; v++) {
            for (size_t j = 0; j < B * IN; j++)
                m[v].acts[0][j] = (float)((j * 37 + (size_t)step) % 11) / 5.0f - 1.0f;
            const float *logits = nn_model_forward(&m[v], B, NN_TRAIN);
            nn_softmax_xent(logits, y, B, CLASSES, m[v].dacts[m[v].n_modules], B, NULL);
            if (v == 0) {
                memset(seen, 0, m[0].n_params);
                fused f = {&sgd[0], m[0].params, m[0].grads, seen};
                nn_model_backward(&m[0], B, fused_update, &f);
                nn_optim_end_step(&sgd[0]);
                for (size_t i = 0; i < m[0].n_params; i++)
                    ck_assert_msg(seen[i] == 1, "parameter %zu updated %d times", i, seen[i]);
            } else {
                nn_model_backward(&m[1], B, NULL, NULL);
                nn_optim_step(&sgd[1], m[1].params, m[1].grads, 0.1f);
            }
        }
    ck_assert(memcmp(m[0].params, m[1].params, m[0].n_params * sizeof(float)) == 0);
    free(seen);
    for (int v = 0; v < 2; v++) {
        nn_optim_free(&sgd[v]);
        nn_model_free(&m[v]);
    }
}
END_TEST

Suite *grad_suite(void)
{
    Suite *s = suite_create("grad");
    TCase *tc = tcase_create("finite_differences");
    tcase_add_loop_test(tc, test_act_elementwise, 0, (int)th_n_activations());
    tcase_add_loop_test(tc, test_act_in_network, 0, (int)th_n_activations());
    tcase_add_test(tc, test_loss_values);
    tcase_add_test(tc, test_fused_update_matches_step);
    suite_add_tcase(s, tc);
    return s;
}
