/* nn/contract_optim.c - what every entry of the optimizer table must do, checked by
 * looping over the table (support/cases.h: every optimizer with its settings):
 *   - TH_STEPS steps against torch.optim on the same gradients (tests/ref/torch_optims.tsv,
 *     written by scripts/torch-reference.py): the parameters after every step and the
 *     state buffers at the end;
 *   - the update in pieces (ranges in any order, as the backward pass hands them over) is
 *     bit for bit the whole step;
 *   - resumed exactly: its state and step count saved in a checkpoint after some steps and
 *     loaded into a fresh optimizer, the next steps are bit for bit those of the run that
 *     went on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layer/dense.h"
#include "nn/layer/model.h"
#include "run/resume.h"
#include "run/state.h"
#include "suites.h"
#include "support/fixture.h"
#include "support/cases.h"
#include "support/ref.h"

#define REF_PATH "tests/ref/torch_optims.tsv"

static th_optim_case cases[TH_MAX_CASES];
static size_t n_cases;

static void load_cases(void)
{
    if (!n_cases)
        n_cases = th_optim_cases(cases, TH_MAX_CASES);
}

static void init(nn_optim *o, const th_optim_case *c, float *p)
{
    nn_error err = {0};
    ck_assert_msg(nn_optim_init(o, c->def, c->hp, TH_NP, &err) == NN_OK, "%s: %s", c->label,
                  err.msg);
    for (size_t k = 0; k < TH_NP; k++)
        p[k] = (float)th_case_p(k);
}

static void gradient(size_t t, const float *p, float *g)
{
    for (size_t k = 0; k < TH_NP; k++)
        g[k] = th_case_grad(t, k, p[k]);
}

static void expect_row(const th_ref *ref, const char *key, const float *got, size_t n)
{
    const th_ref_row *r = th_ref_find(ref, key);
    ck_assert_msg(r, "no row \"%s\" in " REF_PATH "; run scripts/torch-reference.py", key);
    ck_assert_msg(r->n == n, "%s: %zu values, PyTorch has %zu", key, n, r->n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs((double)got[i] - r->v[i]) <= 2e-6 * (1.0 + fabs(r->v[i])),
                      "%s [%zu]: %.9g, PyTorch %.9g", key, i, (double)got[i], r->v[i]);
}

START_TEST(test_torch_steps)
{
    load_cases();
    const th_optim_case *c = &cases[_i];
    th_ref ref;
    ck_assert_msg(th_ref_load(&ref, REF_PATH) == 0, "cannot read " REF_PATH);
    nn_optim o;
    float p[TH_NP], g[TH_NP];
    char key[TH_LABEL + 32];
    init(&o, c, p);
    for (size_t t = 0; t < TH_STEPS; t++) {
        gradient(t, p, g);
        nn_optim_step(&o, p, g, (float)c->lr);
        snprintf(key, sizeof key, "%s\tstep %zu", c->label, t + 1);
        expect_row(&ref, key, p, TH_NP);
    }
    for (int s = 0; s < c->def->n_state; s++) {
        snprintf(key, sizeof key, "%s\t%s", c->label, c->def->state[s].torch);
        if (o.state[s])
            expect_row(&ref, key, o.state[s], TH_NP);
        else
            ck_assert_msg(!th_ref_find(&ref, key), "%s: PyTorch keeps %s, nntrain does not",
                          c->label, c->def->state[s].torch);
    }
    ck_assert_uint_eq(o.steps, TH_STEPS);
    nn_optim_free(&o);
    th_ref_free(&ref);
}
END_TEST

START_TEST(test_ranges_are_the_step)
{
    load_cases();
    const th_optim_case *c = &cases[_i];
    nn_optim whole, parts;
    float p[TH_NP], q[TH_NP], g[TH_NP];
    init(&whole, c, p);
    init(&parts, c, q);
    static const size_t cuts[] = {0, 3, 4, 7}; /* ranges [4, 7), [0, 3), [3, 4) */
    for (size_t t = 0; t < TH_STEPS; t++) {
        gradient(t, p, g);
        nn_optim_step(&whole, p, g, (float)c->lr);
        nn_optim_update(&parts, q, g, (float)c->lr, cuts[2], cuts[3]);
        nn_optim_update(&parts, q, g, (float)c->lr, cuts[0], cuts[1]);
        nn_optim_update(&parts, q, g, (float)c->lr, cuts[1], cuts[2]);
        nn_optim_end_step(&parts);
        ck_assert_msg(memcmp(p, q, sizeof p) == 0, "%s: step %zu in pieces differs", c->label,
                      t + 1);
    }
    nn_optim_free(&whole);
    nn_optim_free(&parts);
}
END_TEST

/* A model with TH_NP parameters (one dense unit on TH_NP - 1 inputs, with bias), so that
 * the optimizer's state goes through a real checkpoint under the model's tensor names. */
static void tiny_model(nn_model *m)
{
    nn_module_spec d = nn_layer_spec("dense");
    d.hp[NN_DENSE_UNITS] = 1;
    nn_rng rng;
    nn_rng_seed(&rng, 1, 1);
    ck_assert_int_eq(nn_model_build(m, &d, 1, TH_NP - 1, 1, 1, 1, &rng, NULL), NN_OK);
    ck_assert_uint_eq(m->n_params, TH_NP);
}

START_TEST(test_resume_exact)
{
    load_cases();
    const th_optim_case *c = &cases[_i];
    enum { SAVED_AT = 3 };
    nn_model m, m2;
    nn_optim o, o2;
    nn_dead d, d2;
    nn_error err = {0};
    float g[TH_NP];
    tiny_model(&m);
    tiny_model(&m2);
    init(&o, c, m.params);
    init(&o2, c, m2.params);
    ck_assert_int_eq(nn_dead_init(&d, &m, NULL), NN_OK);
    ck_assert_int_eq(nn_dead_init(&d2, &m2, NULL), NN_OK);
    char *dir = th_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/o.safetensors", dir);
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 1, 2);
    for (size_t t = 0; t < TH_STEPS; t++) {
        if (t == SAVED_AT) {
            nn_run_state st = {.model = &m, .optim = &o, .dead = &d, .shuffle = &shuffle,
                               .config_json = "{}", .epoch = 1, .step = t, .std = 1.0};
            ck_assert_msg(nn_state_save(path, &st, &err) == NN_OK, "%s: %s", c->label, err.msg);
            nn_resume ck;
            ck_assert_msg(nn_resume_read(&ck, path, &err) == NN_OK &&
                              nn_resume_restore(&ck, &m2, &o2, &d2, &err) == NN_OK,
                          "%s: %s", c->label, err.msg);
            nn_resume_free(&ck);
            ck_assert_uint_eq(o2.steps, SAVED_AT);
        }
        gradient(t, m.params, g);
        nn_optim_step(&o, m.params, g, (float)c->lr);
        if (t >= SAVED_AT) {
            gradient(t, m2.params, g);
            nn_optim_step(&o2, m2.params, g, (float)c->lr);
            ck_assert_msg(memcmp(m.params, m2.params, TH_NP * sizeof(float)) == 0,
                          "%s: step %zu after the resume differs", c->label, t + 1);
        }
    }
    th_rmdir(dir);
    free(dir);
    nn_dead_free(&d);
    nn_dead_free(&d2);
    nn_optim_free(&o);
    nn_optim_free(&o2);
    nn_model_free(&m);
    nn_model_free(&m2);
}
END_TEST

Suite *contract_optim_suite(void)
{
    Suite *s = suite_create("contract_optim");
    TCase *tc = tcase_create("optimizers");
    load_cases();
    tcase_add_loop_test(tc, test_torch_steps, 0, (int)n_cases);
    tcase_add_loop_test(tc, test_ranges_are_the_step, 0, (int)n_cases);
    tcase_add_loop_test(tc, test_resume_exact, 0, (int)n_cases);
    suite_add_tcase(s, tc);
    return s;
}
