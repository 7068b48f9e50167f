/* nn/activation.c - the activation table against PyTorch and against its own rules.
 *
 * tests/ref/torch_activations.tsv holds PyTorch's float64 values and derivatives (dy/dx,
 * and dy/dp for learnable parameters) at points including 0 and negatives, written by
 * scripts/torch-reference.py. Every row is checked against the C code (derivatives from
 * the backward pass with dy = 1), and every entry of nn_activations[] must have rows with
 * its default hyperparameters at x = -1, 0, 1 and more: forgetting them fails here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/helpers.h"
#include "nn/act/activation.h"
#include "nn/init.h"
#include "suites.h"

#define TORCH_TSV "tests/ref/torch_activations.tsv"
#define TORCH_HOWTO "add it to scripts/torch-reference.py and run it"

enum { MAX_ROWS = 1024, MAX_DP = 8, MIN_POINTS = 5 };

typedef struct ref_row {
    int line;
    const nn_act_def *act;
    double hp[NN_MAX_HPARAMS]; /* the entry's defaults, then the row's values */
    int is_default;            /* the row's hyperparameters are the entry's defaults */
    double x, y, dx, dp[MAX_DP];
    size_t n_dp;   /* 0 when the column is "-" */
    char bad[160]; /* why the row could not be read ("" when fine) */
} ref_row;

typedef struct ref_table {
    size_t n;
    ref_row row[MAX_ROWS];
} ref_table;

static int parse_number(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0' ? 0 : -1;
}

/* "name=value,..." or "-" into r->hp (starting from the entry's defaults). */
static int parse_hparams(ref_row *r, char *s)
{
    const nn_act_def *a = r->act;
    for (int k = 0; k < NN_MAX_HPARAMS; k++)
        r->hp[k] = k < a->n_hparams ? a->hparams[k].def : 0.0;
    char *save = NULL;
    for (char *kv = strcmp(s, "-") ? strtok_r(s, ",", &save) : NULL; kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        int k = 0;
        if (eq)
            *eq = '\0';
        while (k < a->n_hparams && strcmp(a->hparams[k].name, kv) != 0)
            k++;
        if (!eq || k == a->n_hparams || parse_number(eq + 1, &r->hp[k]) != 0) {
            snprintf(r->bad, sizeof r->bad, "\"%s\" is no hyperparameter of %s", kv, a->name);
            return -1;
        }
    }
    r->is_default = 1;
    for (int k = 0; k < a->n_hparams; k++)
        r->is_default &= r->hp[k] == a->hparams[k].def;
    return 0;
}

static int parse_dp(ref_row *r, char *s)
{
    char *save = NULL;
    if (strcmp(s, "-") == 0)
        return 0;
    for (char *v = strtok_r(s, ",", &save); v; v = strtok_r(NULL, ",", &save))
        if (r->n_dp == MAX_DP || parse_number(v, &r->dp[r->n_dp++]) != 0) {
            snprintf(r->bad, sizeof r->bad, "dy/dp: expected up to %d numbers", MAX_DP);
            return -1;
        }
    return 0;
}

/* One data line: activation, hparams, x, y, dy/dx, dy/dp (tab-separated). */
static void parse_row(ref_row *r, char *line)
{
    char *f[6], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(line, "\t\n", &save); t && n < 6; t = strtok_r(NULL, "\t\n", &save))
        f[n++] = t;
    if (n != 6) {
        snprintf(r->bad, sizeof r->bad, "expected 6 tab-separated fields, found %d", n);
        return;
    }
    if (!(r->act = nn_act_find(f[0]))) {
        snprintf(r->bad, sizeof r->bad, "\"%s\" is not in nn_activations[]", f[0]);
        return;
    }
    if (parse_hparams(r, f[1]) || parse_dp(r, f[5]))
        return;
    if (parse_number(f[2], &r->x) || parse_number(f[3], &r->y) || parse_number(f[4], &r->dx))
        snprintf(r->bad, sizeof r->bad, "x, y and dy/dx must be numbers");
}

/* Reads TORCH_TSV (caller frees); fails the test when it is missing or too long. */
static ref_table *load_reference(void)
{
    FILE *f = fopen(TORCH_TSV, "r");
    ck_assert_msg(f != NULL, "cannot open %s (run the tests from the source tree)", TORCH_TSV);
    ref_table *t = calloc(1, sizeof *t);
    ck_assert_ptr_nonnull(t);
    char line[1024];
    for (int no = 1; fgets(line, sizeof line, f); no++) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        ck_assert_msg(t->n < MAX_ROWS, "%s: more than %d rows", TORCH_TSV, MAX_ROWS);
        t->row[t->n].line = no;
        parse_row(&t->row[t->n++], line);
    }
    fclose(f);
    return t;
}

static void expect_near(const ref_row *r, const char *what, double got, double want)
{
    double tol = 2e-6 * fmax(1.0, fabs(want)) + 1e-12;
    ck_assert_msg(fabs(got - want) <= tol, "%s:%d: %s %s at x = %g is %.10g, PyTorch %.10g",
                  TORCH_TSV, r->line, r->act->name, what, r->x, got, want);
}

/* One row against the C code, at width 1 with its initial learnable parameters. */
static void check_row(const ref_row *r)
{
    const nn_act_def *a = r->act;
    char why[128];
    ck_assert_msg(!a->check || a->check(r->hp, 1, why, sizeof why) == 0,
                  "%s:%d: hyperparameters rejected: %s", TORCH_TSV, r->line, why);
    size_t np = a->n_params ? a->n_params(r->hp, 1) : 0;
    ck_assert_msg(np == r->n_dp, "%s:%d: %s has %zu learnable parameters, the row %zu dy/dp",
                  TORCH_TSV, r->line, a->name, np, r->n_dp);
    float p[MAX_DP], dp[MAX_DP] = {0}, x = (float)r->x, y, dx, one = 1.0f;
    if (np)
        a->init_params(p, np, r->hp);
    a->forward(&x, &y, 1, 1, p, np, r->hp);
    a->backward(&x, &one, &dx, np ? dp : NULL, 1, 1, p, np, r->hp);
    expect_near(r, "y", y, r->y);
    expect_near(r, "dy/dx", dx, r->dx);
    for (size_t k = 0; k < np; k++)
        expect_near(r, "dy/dp", dp[k], r->dp[k]);
}

START_TEST(test_reference_values)
{
    ref_table *t = load_reference();
    for (size_t i = 0; i < t->n; i++) {
        ck_assert_msg(t->row[i].bad[0] == '\0', "%s:%d: %s", TORCH_TSV, t->row[i].line,
                      t->row[i].bad);
        check_row(&t->row[i]);
    }
    free(t);
}
END_TEST

/* Every entry has default-hyperparameter rows at x = -1, 0, 1 and MIN_POINTS points at
 * least, with dy/dp when it learns. */
START_TEST(test_every_entry_has_reference_rows)
{
    const nn_act_def *a = nn_activations[_i];
    ref_table *t = load_reference();
    int seen[3] = {0, 0, 0}, points = 0;
    for (size_t i = 0; i < t->n; i++) {
        const ref_row *r = &t->row[i];
        if (r->act != a || !r->is_default)
            continue;
        points++;
        for (int k = 0; k < 3; k++)
            seen[k] |= r->x == k - 1;
        ck_assert_msg(!a->n_params || r->n_dp > 0, "%s:%d: %s learns parameters: dy/dp missing",
                      TORCH_TSV, r->line, a->name);
    }
    free(t);
    ck_assert_msg(points > 0,
                  "%s: no PyTorch reference rows with its default hyperparameters in %s (%s)",
                  a->name, TORCH_TSV, TORCH_HOWTO);
    ck_assert_msg(seen[0] && seen[1] && seen[2] && points >= MIN_POINTS,
                  "%s: the reference rows in %s need x = -1, 0, 1 and %d points at least (%s)",
                  a->name, TORCH_TSV, MIN_POINTS, TORCH_HOWTO);
}
END_TEST

/* What every entry must satisfy, whatever it computes. */
START_TEST(test_entry_properties)
{
    const nn_act_def *a = nn_activations[_i];
    ck_assert(a->name && a->name[0]);
    ck_assert_msg(nn_act_find(a->name) == a, "%s: name not unique in the table", a->name);
    ck_assert_msg(a->forward && a->backward, "%s: forward and backward are required", a->name);
    ck_assert_msg(!a->n_params || a->init_params, "%s: n_params without init_params", a->name);
    ck_assert(a->n_hparams >= 0 && a->n_hparams <= NN_MAX_HPARAMS);
    for (int k = 0; k < a->n_hparams; k++) {
        const nn_hparam_spec *h = &a->hparams[k];
        ck_assert_msg(h->min <= h->def && h->def <= h->max, "%s.%s: default %g outside [%g, %g]",
                      a->name, h->name, h->def, h->min, h->max);
        ck_assert_msg(!h->integer || h->def == floor(h->def), "%s.%s: default %g not whole",
                      a->name, h->name, h->def);
        for (int j = 0; j < k; j++)
            ck_assert_msg(strcmp(h->name, a->hparams[j].name) != 0, "%s.%s twice", a->name,
                          h->name);
    }
    ck_assert_msg(!a->dense_init || nn_init_from_name(a->dense_init) != NN_INIT_AUTO,
                  "%s: dense_init \"%s\" is no init name", a->name, a->dense_init);
    double hp[TH_MAX_SETTINGS][NN_MAX_HPARAMS];
    char why[128];
    size_t n = th_act_settings(a, 3, hp);
    for (size_t s = 0; s < n; s++) {
        double g = a->gain(hp[s]);
        ck_assert_msg(isfinite(g) && g > 0, "%s: gain %g", a->name, g);
    }
    /* The defaults fit a layer of any width (a config may give only "type"). */
    for (size_t w = 1; w <= 1024; w *= 4)
        ck_assert_msg(!a->check || a->check(hp[0], w, why, sizeof why) == 0,
                      "%s: defaults rejected at width %zu: %s", a->name, w, why);
}
END_TEST

/* d/da of PReLU: x where x <= 0 (so -1 at x = -1, 0 at x = 0), 0 where x > 0; with one
 * slope per unit, each unit its own slope and its own gradient. */
START_TEST(test_prelu_per_channel)
{
    nn_module_spec mc2 = th_act("prelu", 2, 0.1);
    const nn_act_def *a = mc2.act;
    float p2[2] = {0.1f, 0.5f}, x2[4] = {-1, -2, 3, -4}, dy2[4] = {1, 1, 1, 1}, y2[4], dx2[4];
    float dp2[2] = {0, 0};
    a->forward(x2, y2, 2, 2, p2, 2, mc2.hp);
    ck_assert_float_eq(y2[0], -0.1f);
    ck_assert_float_eq(y2[1], -1.0f);
    ck_assert_float_eq(y2[3], -2.0f);
    a->backward(x2, dy2, dx2, dp2, 2, 2, p2, 2, mc2.hp);
    ck_assert_float_eq(dp2[0], -1.0f); /* x = -1 (row 0), x = 3 > 0 (row 1) */
    ck_assert_float_eq(dp2[1], -6.0f); /* -2 + -4 */
    ck_assert_float_eq(dx2[1], 0.5f);
}
END_TEST

/* torch.nn.init.calculate_gain where PyTorch has one. */
START_TEST(test_gains)
{
    ck_assert_ptr_null(nn_act_find("no_such_activation"));
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
    int n = (int)th_n_activations();
    tcase_add_test(tc, test_reference_values);
    tcase_add_loop_test(tc, test_every_entry_has_reference_rows, 0, n);
    tcase_add_loop_test(tc, test_entry_properties, 0, n);
    tcase_add_test(tc, test_prelu_per_channel);
    tcase_add_test(tc, test_gains);
    suite_add_tcase(s, tc);
    return s;
}
