/* nn/contract.c - what every entry of the layer table must do, checked by looping over
 * the table (support/cases.h: every config type with its settings), so that a new layer
 * type or activation is tested by being added:
 *   - PyTorch's values: forward in train and eval mode, the input and parameter gradients
 *     of sum(y * w), the buffers after a train-mode pass, and the tensors' names and
 *     shapes (tests/ref/torch_layers.tsv, written by scripts/torch-reference.py);
 *   - finite differences (double precision, five points) of its backward against its own
 *     forward, for the inputs and every parameter;
 *   - eval mode is per sample (a row's output does not depend on the other rows of the
 *     batch) and changes no buffer;
 *   - a checkpoint round trip: every tensor (parameters, F32 and I64 buffers) saved and
 *     loaded back bit for bit under "0.<suffix>";
 *   - inside a model (dense, the entry, dense): the model's passes, which run an elementwise
 *     entry in the products' epilogues, give bit for bit what the entry's own passes give,
 *     and the backward pass hands every parameter to the optimizer exactly once. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/safetensors.h"
#include "nn/layer/dense.h"
#include "nn/layer/model.h"
#include "run/state.h"
#include "suites.h"
#include "support/fixture.h"
#include "support/cases.h"
#include "support/ref.h"

#define REF_PATH "tests/ref/torch_layers.tsv"

static th_layer_case cases[TH_MAX_CASES];
static size_t n_cases;

static void load_cases(void)
{
    if (!n_cases)
        n_cases = th_layer_cases(cases, TH_MAX_CASES);
}

/* A model of the case's one module for TH_IN inputs, its values set by the formulas. */
static void build(nn_model *m, const th_layer_case *c)
{
    nn_rng rng;
    nn_error err = {0};
    nn_rng_seed(&rng, 1, 1);
    ck_assert_msg(nn_model_build(m, &c->spec, 1, TH_IN, TH_ROWS, 0, 1, &rng, &err) == NN_OK,
                  "%s: %s", c->label, err.msg);
    for (size_t k = 0; k < m->n_params; k++)
        m->params[k] = (float)th_case_p(k);
    for (size_t k = 0; k < m->n_bufs; k++)
        m->bufs[k] = (float)th_case_b(k);
    for (size_t k = 0; k < m->n_counts; k++)
        m->counts[k] = 3;
}

/* The module's pass in mode on x into y (rows rows). */
static void forward(nn_model *m, const float *x, float *y, size_t rows, nn_mode mode)
{
    nn_module *mod = &m->modules[0];
    nn_fwd f = {.gemm = m->gemm, .x = x, .y = y, .rows = rows, .mode = mode};
    mod->def->forward(mod, &f);
}

/* dx and the parameter gradients (m->grads) of sum(y * w) after a train-mode pass. */
static void backward(nn_model *m, const float *x, const float *y, const float *w, float *dx)
{
    nn_module *mod = &m->modules[0];
    nn_bwd b = {.gemm = m->gemm, .x = x, .y = y, .dy = w, .dx = dx, .rows = TH_ROWS,
                .params = m->params};
    mod->def->backward(mod, &b);
}

static void inputs(float *x, float *w, size_t out)
{
    for (size_t i = 0; i < TH_ROWS * TH_IN; i++)
        x[i] = (float)th_case_x(i);
    for (size_t i = 0; i < TH_ROWS * out; i++)
        w[i] = (float)th_case_w(i);
}

/* got[0..n) against the reference row key (within 1e-5 (1 + |want|)). */
static void expect_row(const th_ref *ref, const char *key, const float *got, size_t n)
{
    const th_ref_row *r = th_ref_find(ref, key);
    ck_assert_msg(r, "%s: no row \"%s\" in " REF_PATH "; run scripts/torch-reference.py", key,
                  key);
    ck_assert_msg(r->n == n, "%s: %zu values, PyTorch has %zu", key, n, r->n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs((double)got[i] - r->v[i]) <= 1e-5 * (1.0 + fabs(r->v[i])),
                      "%s [%zu]: %.9g, PyTorch %.9g", key, i, (double)got[i], r->v[i]);
}

/* "weight[3;5],bias[3]": the module's tensors as the reference names them. */
static void tensor_names(const nn_model *m, char *buf, size_t n)
{
    nn_tensor t[NN_LAYER_MAX_TENSORS];
    char names[NN_LAYER_MAX_TENSORS][NN_TENSOR_NAME];
    size_t nt = nn_model_tensors(m, t, names, NULL), used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < nt && used < n; i++) {
        used += (size_t)snprintf(buf + used, n - used, "%s%s[", i ? "," : "", t[i].name + 2);
        for (size_t d = 0; d < t[i].ndim && used < n; d++)
            used += (size_t)snprintf(buf + used, n - used, "%s%llu", d ? ";" : "",
                                     (unsigned long long)t[i].shape[d]);
        if (used < n)
            used += (size_t)snprintf(buf + used, n - used, "]");
    }
}

START_TEST(test_torch_values)
{
    load_cases();
    const th_layer_case *c = &cases[_i];
    th_ref ref;
    ck_assert_msg(th_ref_load(&ref, REF_PATH) == 0, "cannot read " REF_PATH);
    nn_model m;
    build(&m, c);
    const size_t out = m.output_dim;
    float x[TH_ROWS * TH_IN], w[TH_ROWS * 64], y[TH_ROWS * 64], dx[TH_ROWS * TH_IN];
    ck_assert(out <= 64);
    inputs(x, w, out);
    char key[TH_LABEL + 32], names[256];
    tensor_names(&m, names, sizeof names);
    snprintf(key, sizeof key, "%s\ttensors", c->label);
    const th_ref_row *r = th_ref_find(&ref, key);
    ck_assert_msg(r, "%s: no row in " REF_PATH "; run scripts/torch-reference.py", key);
    ck_assert_msg(strcmp(r->text, names) == 0, "%s: nntrain's tensors %s, PyTorch's %s", c->label,
                  names, r->text);
    for (int mode = NN_EVAL; mode >= NN_TRAIN; mode--) { /* eval first: buffers as set */
        const char *mn = mode == NN_TRAIN ? "train" : "eval";
        forward(&m, x, y, TH_ROWS, (nn_mode)mode);
        snprintf(key, sizeof key, "%s\t%s\ty", c->label, mn);
        expect_row(&ref, key, y, TH_ROWS * out);
        snprintf(key, sizeof key, "%s\t%s\tbuffers", c->label, mn);
        float bufs[64 + 8];
        ck_assert(m.n_bufs + m.n_counts <= 72);
        for (size_t k = 0; k < m.n_bufs; k++)
            bufs[k] = m.bufs[k];
        for (size_t k = 0; k < m.n_counts; k++)
            bufs[m.n_bufs + k] = (float)m.counts[k];
        expect_row(&ref, key, bufs, m.n_bufs + m.n_counts);
    }
    backward(&m, x, y, w, dx);
    snprintf(key, sizeof key, "%s\ttrain\tdx", c->label);
    expect_row(&ref, key, dx, TH_ROWS * TH_IN);
    snprintf(key, sizeof key, "%s\ttrain\tdp", c->label);
    expect_row(&ref, key, m.grads, m.n_params);
    nn_model_free(&m);
    th_ref_free(&ref);
}
END_TEST

/* sum(y * w) in double of a train-mode pass. */
static double loss(nn_model *m, const float *x, const float *w)
{
    float y[TH_ROWS * 64];
    forward(m, x, y, TH_ROWS, NN_TRAIN);
    double s = 0.0;
    for (size_t i = 0; i < TH_ROWS * m->output_dim; i++)
        s += (double)y[i] * (double)w[i];
    return s;
}

/* d loss / d v by five points of step h; NaN when v is within 2h of a kink (the one-sided
 * slopes over h or over 2h disagree). */
static double numeric(nn_model *m, float *v, const float *x, const float *w, double h)
{
    const float v0 = *v;
    double l[5];
    for (int q = -2; q <= 2; q++) {
        *v = (float)(v0 + q * h);
        l[q + 2] = loss(m, x, w);
    }
    *v = v0;
    for (int q = 1; q <= 2; q++) {
        double left = (l[2] - l[2 - q]) / (q * h), right = (l[2 + q] - l[2]) / (q * h);
        if (fabs(left - right) > 0.01 * (fabs(left) + fabs(right)) + 1e-3)
            return NAN;
    }
    return (l[0] - 8 * l[1] + 8 * l[3] - l[4]) / (12 * h);
}

static void expect_grad(const char *label, const char *what, size_t k, double analytic,
                        double num)
{
    if (isnan(num))
        return;
    ck_assert_msg(fabs(analytic - num) <= 2e-3 * (1.0 + fabs(num)),
                  "%s: d/d%s[%zu]: backward %.8g, finite differences %.8g", label, what, k,
                  analytic, num);
}

START_TEST(test_finite_differences)
{
    load_cases();
    const th_layer_case *c = &cases[_i];
    nn_model m;
    build(&m, c);
    float x[TH_ROWS * TH_IN], w[TH_ROWS * 64], y[TH_ROWS * 64], dx[TH_ROWS * TH_IN];
    ck_assert(m.output_dim <= 64);
    inputs(x, w, m.output_dim);
    forward(&m, x, y, TH_ROWS, NN_TRAIN);
    backward(&m, x, y, w, dx);
    float *dp = malloc((m.n_params ? m.n_params : 1) * sizeof *dp);
    ck_assert_ptr_nonnull(dp);
    memcpy(dp, m.grads, m.n_params * sizeof *dp);
    size_t checked = 0;
    for (size_t i = 0; i < TH_ROWS * TH_IN; i++) {
        double num = numeric(&m, &x[i], x, w, 1e-2);
        checked += !isnan(num);
        expect_grad(c->label, "x", i, dx[i], num);
    }
    size_t checked_p = 0;
    for (size_t k = 0; k < m.n_params; k++) {
        double num = numeric(&m, &m.params[k], x, w, 1e-2);
        checked_p += !isnan(num);
        expect_grad(c->label, "p", k, dp[k], num);
    }
    ck_assert_msg(checked_p >= (m.n_params + 1) / 2, "%s: only %zu of %zu parameters away from a kink",
                  c->label, checked_p, m.n_params);
    ck_assert_msg(checked >= TH_ROWS * TH_IN / 2, "%s: only %zu of %d inputs away from a kink",
                  c->label, checked, TH_ROWS * TH_IN);
    free(dp);
    nn_model_free(&m);
}
END_TEST

START_TEST(test_eval_per_sample)
{
    load_cases();
    const th_layer_case *c = &cases[_i];
    nn_model m;
    build(&m, c);
    const size_t out = m.output_dim;
    float x[TH_ROWS * TH_IN], w[TH_ROWS * 64], y[TH_ROWS * 64], y1[64];
    ck_assert(out <= 64);
    inputs(x, w, out);
    float *bufs = malloc((m.n_bufs + 1) * sizeof *bufs);
    int64_t counts[8];
    ck_assert(bufs && m.n_counts <= 8);
    for (size_t k = 0; k < m.n_bufs; k++)
        bufs[k] = m.bufs[k];
    for (size_t k = 0; k < m.n_counts; k++)
        counts[k] = m.counts[k];
    forward(&m, x, y, TH_ROWS, NN_EVAL);
    for (size_t r = 0; r < TH_ROWS; r++) {
        forward(&m, x + r * TH_IN, y1, 1, NN_EVAL);
        ck_assert_msg(memcmp(y1, y + r * out, out * sizeof *y1) == 0,
                      "%s: row %zu alone gives another output than in the batch", c->label, r);
    }
    for (size_t k = 0; k < m.n_bufs; k++)
        ck_assert_msg(memcmp(&bufs[k], &m.bufs[k], sizeof *bufs) == 0,
                      "%s: an eval-mode pass changed float buffer %zu", c->label, k);
    for (size_t k = 0; k < m.n_counts; k++)
        ck_assert_msg(counts[k] == m.counts[k], "%s: an eval-mode pass changed counter %zu",
                      c->label, k);
    free(bufs);
    nn_model_free(&m);
}
END_TEST

START_TEST(test_checkpoint_round_trip)
{
    load_cases();
    const th_layer_case *c = &cases[_i];
    nn_model a, b;
    build(&a, c);
    build(&b, c);
    for (size_t k = 0; k < b.n_params; k++) /* b differs everywhere before the load */
        b.params[k] = -1.0f;
    for (size_t k = 0; k < b.n_bufs; k++)
        b.bufs[k] = -1.0f;
    for (size_t k = 0; k < b.n_counts; k++)
        b.counts[k] = -1;
    for (size_t k = 0; k < a.n_counts; k++)
        a.counts[k] = INT64_MAX - (int64_t)k; /* no float could carry it */
    char *dir = th_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/c.safetensors", dir);
    nn_error err = {0};
    nn_run_state st = {.model = &a, .config_json = "{}", .std = 1.0};
    ck_assert_msg(nn_state_save(path, &st, &err) == NN_OK, "%s: %s", c->label, err.msg);
    ck_assert_msg(nn_state_load_weights(path, &b, &err) == NN_OK, "%s: %s", c->label, err.msg);
    ck_assert(memcmp(a.params, b.params, a.n_params * sizeof *a.params) == 0);
    ck_assert(a.n_bufs == 0 || memcmp(a.bufs, b.bufs, a.n_bufs * sizeof *a.bufs) == 0);
    ck_assert(a.n_counts == 0 || memcmp(a.counts, b.counts, a.n_counts * sizeof *a.counts) == 0);
    nn_st_file f;
    ck_assert_int_eq(nn_st_read(path, &f, &err), NN_OK);
    nn_tensor t[NN_LAYER_MAX_TENSORS];
    char names[NN_LAYER_MAX_TENSORS][NN_TENSOR_NAME];
    size_t nt = nn_model_tensors(&a, t, names, NULL);
    ck_assert_uint_eq(f.n, nt);
    for (size_t i = 0; i < nt; i++) {
        const nn_tensor *ft = nn_st_find(&f, t[i].name);
        ck_assert_msg(ft && ft->dtype == t[i].dtype && ft->n == t[i].n, "%s: tensor %s",
                      c->label, t[i].name);
    }
    nn_st_free(&f);
    /* The model planned from the same spec (nothing allocated) has the same tensors: a
     * checkpoint is compared with the plan before a model is built (resume). */
    nn_model plan;
    nn_tensor pt[NN_LAYER_MAX_TENSORS];
    char pnames[NN_LAYER_MAX_TENSORS][NN_TENSOR_NAME];
    ck_assert_int_eq(nn_model_plan(&plan, &c->spec, 1, TH_IN, &err), NN_OK);
    ck_assert_uint_eq(nn_model_tensors(&plan, pt, pnames, NULL), nt);
    for (size_t i = 0; i < nt; i++)
        ck_assert_msg(strcmp(pt[i].name, t[i].name) == 0 && pt[i].dtype == t[i].dtype &&
                          pt[i].ndim == t[i].ndim && pt[i].shape[0] == t[i].shape[0] &&
                          pt[i].shape[1] == t[i].shape[1] && pt[i].n == t[i].n && !pt[i].data,
                      "%s: the planned model's tensor %zu (%s) is not the built one's (%s)",
                      c->label, i, pt[i].name, t[i].name);
    nn_model_free(&plan);
    th_rmdir(dir);
    free(dir);
    nn_model_free(&a);
    nn_model_free(&b);
}
END_TEST

/* A chain to put an entry in: dense (width units) on in inputs, the entry, dense (3), for
 * rows rows, its products on threads threads. */
typedef struct chain {
    size_t in, width, rows;
    int threads;
} chain;

/* The case's entry in chain ch, values by the formulas. A row of the case at TH_IN (a width,
 * as PReLU's num_parameters) is set to the chain's width. 0 when the entry's check refuses
 * that width. */
static int build_chain(nn_model *m, const th_layer_case *c, const chain *ch)
{
    nn_module_spec mods[3] = {nn_layer_spec("dense"), c->spec, nn_layer_spec("dense")};
    int nk;
    const nn_hparam_spec *keys = nn_layer_keys(c->spec.layer, c->spec.act, &nk);
    for (int k = 0; k < nk; k++)
        if ((keys[k].kind == NN_HP_SIZE || keys[k].integer) && mods[1].hp[k] == TH_IN)
            mods[1].hp[k] = (double)ch->width;
    char why[256];
    if (mods[1].layer->check && mods[1].layer->check(&mods[1], ch->width, why, sizeof why))
        return 0;
    mods[0].hp[NN_DENSE_UNITS] = (double)ch->width;
    mods[2].hp[NN_DENSE_UNITS] = 3;
    nn_rng rng;
    nn_error err = {0};
    nn_rng_seed(&rng, 1, 1);
    ck_assert_msg(nn_model_build(m, mods, 3, ch->in, ch->rows, 0, ch->threads, &rng, &err) ==
                      NN_OK,
                  "%s: %s", c->label, err.msg);
    for (size_t k = 0; k < m->n_params; k++)
        m->params[k] = (float)th_case_p(k % 997);
    for (size_t k = 0; k < m->n_bufs; k++)
        m->bufs[k] = (float)th_case_b(k);
    return 1;
}

/* Counts the updates of every parameter. */
static void count_update(void *ctx, size_t lo, size_t hi)
{
    int *seen = ctx;
    for (size_t k = lo; k < hi; k++)
        seen[k]++;
}

/* Each module's own pass, none fused, into out[1..3] (out[0]: the input). */
static void forward_alone(nn_model *m, float **out, size_t rows, nn_mode mode)
{
    for (size_t i = 0; i < 3; i++) {
        nn_module *mod = &m->modules[i];
        nn_fwd f = {.gemm = m->gemm, .x = out[i], .y = out[i + 1], .rows = rows, .mode = mode};
        mod->def->forward(mod, &f);
    }
}

/* The model's forward passes (both modes) against each module's own. */
static void check_forward(nn_model *m, float **alone, const th_layer_case *c, const chain *ch)
{
    for (size_t i = 0; i < ch->rows * ch->in; i++)
        alone[0][i] = m->acts[0][i] = (float)th_case_x(i % 997);
    for (int mode = NN_EVAL; mode >= NN_TRAIN; mode--) {
        const float *logits = nn_model_forward(m, ch->rows, (nn_mode)mode);
        forward_alone(m, alone, ch->rows, (nn_mode)mode);
        for (size_t i = 1; i <= 3; i++)
            ck_assert_msg(memcmp(m->acts[i], alone[i], ch->rows * m->modules[i - 1].out * 4) == 0,
                          "%s: module %zu's output in the model differs from its own pass (%s, "
                          "width %zu)",
                          c->label, i - 1, mode == NN_TRAIN ? "train" : "eval", ch->width);
        ck_assert_ptr_eq(logits, m->acts[3]);
    }
}

/* The model's backward pass against each module's own: every gradient, the entry's input
 * gradient, and every parameter handed to the optimizer once. */
static void check_backward(nn_model *m, float **d, const th_layer_case *c, const chain *ch)
{
    for (size_t i = 0; i < ch->rows * 3; i++) /* dL/dlogits */
        m->dacts[3][i] = d[3][i] = (float)th_case_w(i);
    int *seen = calloc(m->n_params, sizeof *seen);
    float *grads = malloc(m->n_params * sizeof *grads);
    ck_assert(seen && grads);
    nn_model_backward(m, ch->rows, count_update, seen);
    for (size_t k = 0; k < m->n_params; k++)
        ck_assert_msg(seen[k] == 1, "%s: parameter %zu handed to the optimizer %d times (width %zu)",
                      c->label, k, seen[k], ch->width);
    memcpy(grads, m->grads, m->n_params * sizeof *grads);
    for (size_t i = 3; i-- > 0;) { /* each module's own backward, none fused */
        nn_module *mod = &m->modules[i];
        nn_bwd b = {.gemm = m->gemm, .x = m->acts[i], .y = m->acts[i + 1], .dy = d[i + 1],
                    .dx = i > 0 ? d[i] : NULL, .rows = ch->rows, .params = m->params};
        mod->def->backward(mod, &b);
    }
    ck_assert_msg(memcmp(grads, m->grads, m->n_params * sizeof *grads) == 0,
                  "%s: the model's gradients differ from the modules' own backward passes (width "
                  "%zu)",
                  c->label, ch->width);
    ck_assert_msg(memcmp(m->dacts[1], d[1], ch->rows * m->modules[0].out * sizeof(float)) == 0,
                  "%s: the entry's input gradient in the model differs from its own (width %zu)",
                  c->label, ch->width);
    free(seen);
    free(grads);
}

static void check_chain(const th_layer_case *c, const chain *ch)
{
    nn_model m;
    if (!build_chain(&m, c, ch))
        return;
    size_t w = ch->in; /* the widest of the chain's outputs and input */
    for (size_t i = 0; i < 3; i++)
        w = m.modules[i].out > w ? m.modules[i].out : w;
    float *alone[4], *d[4];
    for (int i = 0; i < 4; i++) {
        alone[i] = calloc(ch->rows * w, sizeof *alone[i]);
        d[i] = calloc(ch->rows * w, sizeof *d[i]);
        ck_assert(alone[i] && d[i]);
    }
    check_forward(&m, alone, c, ch);
    check_backward(&m, d, c, ch);
    for (int i = 0; i < 4; i++) {
        free(alone[i]);
        free(d[i]);
    }
    nn_model_free(&m);
}

/* The chains: the cases' own sizes on one thread, and products large enough to be shared
 * by two threads (2.6 million multiply-adds each) and wider than a column panel (32 for
 * AVX-512), so that an elementwise entry runs in epilogues of blocks that start past
 * column 0 (a shared machine may give the products one thread: the comparisons hold all
 * the same). */
START_TEST(test_inside_a_model)
{
    load_cases();
    const th_layer_case *c = &cases[_i];
    const chain own = {TH_IN, TH_IN, TH_ROWS, 1}, wide = {160, 64, 256, 2};
    check_chain(c, &own);
    check_chain(c, &wide);
}
END_TEST

Suite *contract_suite(void)
{
    Suite *s = suite_create("contract");
    TCase *tc = tcase_create("layers");
    load_cases();
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_torch_values, 0, (int)n_cases);
    tcase_add_loop_test(tc, test_finite_differences, 0, (int)n_cases);
    tcase_add_loop_test(tc, test_eval_per_sample, 0, (int)n_cases);
    tcase_add_loop_test(tc, test_checkpoint_round_trip, 0, (int)n_cases);
    tcase_add_loop_test(tc, test_inside_a_model, 0, (int)n_cases);
    suite_add_tcase(s, tc);
    return s;
}
