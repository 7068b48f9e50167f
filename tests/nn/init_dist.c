/* nn/init_dist.c - the dense inits' distributions against torch.nn.init.
 *
 * tests/ref/torch_init.tsv (scripts/torch-train-reference.py) gives, per init, per
 * activation after the layer (whose gain the init takes) and per layer shape, the
 * distribution torch.nn.init draws from: the std or bound it passes to normal_ /
 * uniform_, recorded from the call, nn.Linear's bias bound, and calculate_gain. Each row
 * runs the public path a user takes to export an init (train.epochs 0 with
 * output.checkpoint writes the untrained weights) and checks the weights' sample mean and
 * std (within Z standard errors of the sample), every value inside a uniform's bound and
 * the extremes near it, a normal's tail, and the bias; the activation table's gain is
 * compared with calculate_gain. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/safetensors.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "support/ref.h"
#include "nntrain.h"
#include "suites.h"

#define INIT_TSV "tests/ref/torch_init.tsv"
#define INIT_HOWTO "run scripts/torch-train-reference.py"

/* Standard errors a sample statistic may stray: with the fixed seeds each row draws, a
 * correct init passes with probability 1 - 1e-9 per check. */
#define Z 6.0
/* The extremes of n uniform draws lie within EDGE / n of the bound on each side except
 * with probability e^(-EDGE / 2) = 5e-9. */
#define EDGE 40.0

typedef struct init_row {
    char init[32], act[32], hp[96], dist[16];
    size_t fan_out, fan_in;
    int uniform;               /* U(-param, param), else N(0, param^2) */
    double param, bias, gain;  /* bias: nn.Linear's bias bound, 0: the bias is 0 */
    char bad[96];
} init_row;

static double number(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return end != s && *end == '\0' ? v : NAN;
}

/* A row "init act hparams fan_out fan_in dist" + "param,bias,gain" into r. */
static void parse_row(init_row *r, const th_ref_row *row)
{
    char fo[32] = "", fi[32] = "";
    int k = sscanf(row->key, "%31[^\t]\t%31[^\t]\t%95[^\t]\t%31[^\t]\t%31[^\t]\t%15s", r->init,
                   r->act, r->hp, fo, fi, r->dist);
    r->fan_out = (size_t)number(fo);
    r->fan_in = (size_t)number(fi);
    r->uniform = strcmp(r->dist, "uniform") == 0;
    if (k == 6 && row->n == 3) {
        r->param = row->v[0];
        r->bias = row->v[1];
        r->gain = row->v[2];
    }
    if (k != 6 || row->n != 3 || !(r->param > 0 && r->bias >= 0 && r->gain > 0) ||
        !r->fan_out || !r->fan_in || (!r->uniform && strcmp(r->dist, "normal") != 0))
        snprintf(r->bad, sizeof r->bad, "row \"%.60s\": bad fields", row->key);
}

/* Fills r with row i of the file; returns the number of rows (0: unreadable). */
static size_t read_row(size_t i, init_row *r)
{
    th_ref ref;
    if (th_ref_load(&ref, INIT_TSV) != 0)
        return 0;
    memset(r, 0, sizeof *r);
    if (i < ref.n)
        parse_row(r, &ref.rows[i]);
    size_t n = ref.n;
    th_ref_free(&ref);
    return n;
}

/* The activation's members in the config ("negative_slope=0.2" as "\"negative_slope\":
 * 0.2") and its hyperparameters (defaults, then the row's) into hp. */
static void act_members(const init_row *r, const nn_act_def *a, char *json, size_t len,
                        double *hp)
{
    char list[96], *save = NULL;
    size_t used = 0;
    json[0] = '\0';
    for (int k = 0; k < a->n_hparams; k++)
        hp[k] = a->hparams[k].def;
    snprintf(list, sizeof list, "%s", r->hp);
    for (char *kv = strcmp(list, "-") ? strtok_r(list, ",", &save) : NULL; kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        ck_assert_msg(eq != NULL, INIT_TSV ": hparams \"%s\"", r->hp);
        *eq = '\0';
        int k = 0;
        while (k < a->n_hparams && strcmp(a->hparams[k].name, kv) != 0)
            k++;
        ck_assert_msg(k < a->n_hparams, "%s has no hyperparameter %s", a->name, kv);
        hp[k] = number(eq + 1);
        used += (size_t)snprintf(json + used, len - used, ", \"%s\": %s", kv, eq + 1);
        ck_assert(used < len);
    }
}

/* The config: the layer [fan_out, fan_in] with the row's init, its activation, an output
 * layer of 3 classes; epoch 0 only, the checkpoint in dir. */
static void make_config(nn_config *cfg, const init_row *r, size_t seed, const char *dir)
{
    char init[64] = "", act[256] = "", members[160] = "", json[4096];
    double hp[NN_MAX_HPARAMS];
    if (strcmp(r->init, "auto") != 0)
        snprintf(init, sizeof init, ", \"init\": \"%s\"", r->init);
    if (strcmp(r->act, "none") != 0) {
        const nn_act_def *a = nn_act_find(r->act);
        ck_assert_msg(a != NULL, INIT_TSV ": no activation %s", r->act);
        act_members(r, a, members, sizeof members, hp);
        snprintf(act, sizeof act, "{\"type\": \"%s\"%s}, ", r->act, members);
        /* The gain the init takes, against calculate_gain. */
        ck_assert_msg(fabs(a->gain(hp) - r->gain) <= 1e-12 * r->gain,
                      "%s (%s): gain %.17g, calculate_gain %.17g", r->act, r->hp, a->gain(hp),
                      r->gain);
    }
    snprintf(json, sizeof json,
             "{\"name\": \"init\", \"seed\": %zu, \"data\": {\"format\": \"idx\","
             " \"train_images\": \"%s/img\", \"train_labels\": \"%s/lab\","
             " \"test_images\": \"%s/img\", \"test_labels\": \"%s/lab\"},"
             " \"model\": [{\"type\": \"dense\", \"units\": %zu%s}, %s{\"type\": \"dense\","
             " \"units\": 3}], \"train\": {\"epochs\": 0},"
             " \"output\": {\"csv\": \"%s/run.csv\", \"checkpoint\": \"%s/ck.safetensors\"}}",
             seed, dir, dir, dir, dir, r->fan_out, init, act, dir, dir);
    nn_error err;
    ck_assert_msg(nn_config_parse(cfg, json, "init.json", NULL, 0, &err) == NN_OK, "%s: %s",
                  err.msg, json);
}

typedef struct sample {
    double mean, std, min, max;
} sample;

static sample stats(const float *v, size_t n)
{
    sample s = {0, 0, INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
        s.mean += v[i];
        s.min = fmin(s.min, v[i]);
        s.max = fmax(s.max, v[i]);
    }
    s.mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        s.std += ((double)v[i] - s.mean) * ((double)v[i] - s.mean);
    s.std = sqrt(s.std / (double)n);
    return s;
}

/* n draws of U(-bound, bound) (uniform) or N(0, bound^2): mean, std, bounds or tail. */
static void check_draws(const char *what, const float *v, size_t n, int uniform, double param)
{
    sample s = stats(v, n);
    double sigma = uniform ? param / sqrt(3.0) : param, kurtosis = uniform ? 1.8 : 3.0;
    double se_mean = sigma / sqrt((double)n), se_std = sqrt((kurtosis - 1) / (4.0 * (double)n));
    ck_assert_msg(fabs(s.mean) <= Z * se_mean, "%s: mean %.3g, more than %g x %.3g from 0",
                  what, s.mean, Z, se_mean);
    ck_assert_msg(fabs(s.std / sigma - 1) <= Z * se_std,
                  "%s: std %.6g, PyTorch's %.6g (relative %.3g, allowed %.3g)", what, s.std,
                  sigma, s.std / sigma - 1, Z * se_std);
    if (uniform) {
        double edge = param * (1 - EDGE / (double)n);
        ck_assert_msg(s.max <= param * (1 + 1e-6) && s.min >= -param * (1 + 1e-6),
                      "%s: [%.9g, %.9g] outside PyTorch's bound %.9g", what, s.min, s.max, param);
        ck_assert_msg(s.max >= edge && s.min <= -edge,
                      "%s: [%.9g, %.9g] short of PyTorch's bound %.9g (within %.3g)", what,
                      s.min, s.max, param, param - edge);
    } else { /* max |z| of n normal draws: above 3 (4096 or more draws), below 7 */
        double z = fmax(s.max, -s.min) / sigma;
        ck_assert_msg(z > 3 && z < 7, "%s: largest |w| %.3g std, expected 3 to 7", what, z);
    }
}

START_TEST(test_init_distribution)
{
    init_row r;
    ck_assert_msg(read_row((size_t)_i, &r) > (size_t)_i, INIT_TSV ": no row %d", _i);
    ck_assert_msg(!r.bad[0], INIT_TSV ": %s; " INIT_HOWTO, r.bad);
    size_t side = (size_t)sqrt((double)r.fan_in);
    ck_assert_msg(side * side == r.fan_in, "fan_in %zu is no square image", r.fan_in);
    char *dir = th_tmpdir(), img[600], lab[600], ck[600], what[256];
    snprintf(img, sizeof img, "%s/img", dir);
    snprintf(lab, sizeof lab, "%s/lab", dir);
    snprintf(ck, sizeof ck, "%s/ck.safetensors", dir);
    nn_dataset ds;
    ck_assert_int_eq(th_synthetic(&ds, 6, side, 3, 1), 0);
    ck_assert_int_eq(th_write_idx(&ds, img, lab, 0), 0);
    nn_dataset_free(&ds);
    nn_config cfg;
    make_config(&cfg, &r, (size_t)_i + 1, dir);
    nn_error err;
    ck_assert_msg(nn_train(&cfg, NULL, &err) == NN_OK, "%s", err.msg);
    nn_config_free(&cfg);

    nn_st_file f;
    ck_assert_msg(nn_st_read(ck, &f, &err) == NN_OK, "%s", err.msg);
    const nn_tensor *w = nn_st_find(&f, "0.weight"), *b = nn_st_find(&f, "0.bias");
    const float *wv = w ? nn_st_f32(w) : NULL, *bv = b ? nn_st_f32(b) : NULL;
    ck_assert(wv && bv && w->ndim == 2 && b->n == r.fan_out);
    ck_assert(w->shape[0] == r.fan_out && w->shape[1] == r.fan_in);
    snprintf(what, sizeof what, "%s before %s (%s), [%zu, %zu] weight", r.init, r.act, r.hp,
             r.fan_out, r.fan_in);
    check_draws(what, wv, w->n, r.uniform, r.param);
    snprintf(what, sizeof what, "%s before %s (%s), [%zu] bias", r.init, r.act, r.hp, r.fan_out);
    if (r.bias > 0)
        check_draws(what, bv, b->n, 1, r.bias);
    for (size_t i = 0; r.bias == 0 && i < b->n; i++)
        ck_assert_msg(bv[i] == 0.0f, "%s: [%zu] = %g, expected 0", what, i, bv[i]);
    nn_st_free(&f);
    th_rmdir(dir);
    free(dir);
}
END_TEST

START_TEST(test_init_reference_missing)
{
    ck_abort_msg(INIT_TSV ": missing or without rows; " INIT_HOWTO);
}
END_TEST

Suite *init_dist_suite(void)
{
    Suite *s = suite_create("init_dist");
    TCase *tc = tcase_create("torch");
    init_row scratch;
    size_t n = read_row(0, &scratch);
    if (n)
        tcase_add_loop_test(tc, test_init_distribution, 0, (int)n);
    else
        tcase_add_test(tc, test_init_reference_missing);
    suite_add_tcase(s, tc);
    return s;
}
