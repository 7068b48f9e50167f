/* run/torch_train.c - whole training runs against PyTorch, epoch by epoch, from the same
 * initial weights: how the loop wires the parts (the schedule's epoch, weight decay with
 * momentum, Nesterov, dampening, PReLU slopes, short last batches, the shuffle), not only
 * the parts.
 *
 * scripts/torch-train-reference.py wrote tests/ref/torch_train/: per case a config, its
 * initial weights (init.from), PyTorch's weights after every epoch, and in cases.tsv the
 * step count, lr, train_loss and test_loss of every epoch. Each case runs through the
 * public interface (nn_config_load, nn_train) with output.checkpoint written every
 * epoch; the epoch hook reads the checkpoint there, which its "epoch" metadata dates. The
 * CSV's columns and every tensor of every epoch are compared with PyTorch's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/safetensors.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "support/ref.h"
#include "nntrain.h"
#include "suites.h"

#define TT_DIR "tests/ref/torch_train"
#define TT_HOWTO "run scripts/torch-train-reference.py"

enum { TT_MAX_EPOCHS = 16 };

/* Tolerances. Both sides compute in float32 from the same weights, in different summation
 * orders (nntrain's GEMM against PyTorch's BLAS), so the weights drift apart by a few
 * ulps: the worst measured over every case and epoch is 6e-8 absolute, 2e-6 relative;
 * allowed: 1e-6 + 1e-5 |w|. The CSV rounds losses to 6 decimals (worst measured 5e-7)
 * and prints lr with 9 significant digits (worst 2.8e-9 relative). The wiring bugs tried
 * move some weight by 1e-4 or more in the first epoch they touch. */
#define W_ATOL 1e-6
#define W_RTOL 1e-5
#define LOSS_ATOL 1.5e-6
#define LR_RTOL 1e-8

typedef struct tt_epoch {
    size_t step;
    double lr, train_loss, test_loss; /* train_loss NAN for epoch 0 */
} tt_epoch;

typedef struct tt_case {
    char name[64];
    size_t epochs, rows; /* rows read: epochs 0..epochs */
    tt_epoch e[TT_MAX_EPOCHS + 1];
    char bad[96]; /* what is wrong with the case's rows ("" when fine) */
} tt_case;

static double number(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return end != s && *end == '\0' ? v : NAN;
}

/* The row "epoch" + "step,lr,train_loss,test_loss" into c (the case's next epoch); what is
 * wrong with it into c->bad. */
static void case_row(tt_case *c, const char *epoch, const th_ref_row *row)
{
    double e = number(epoch);
    if (c->bad[0] || !(e == (double)c->rows && e <= TT_MAX_EPOCHS && row->n == 4)) {
        if (!c->bad[0])
            snprintf(c->bad, sizeof c->bad, "row \"%s\": not epoch %zu with 4 numbers", row->key,
                     c->rows);
        return;
    }
    const double *v = row->v;
    c->e[c->rows] = (tt_epoch){v[0] >= 0 ? (size_t)v[0] : 0, v[1], v[2], v[3]};
    if (!(v[0] >= 0 && v[1] > 0 && isfinite(v[3]) && (c->rows == 0 || isfinite(v[2]))))
        snprintf(c->bad, sizeof c->bad, "row \"%s\": bad numbers", row->key);
    c->epochs = c->rows++;
}

/* Fills c with case number i of cases.tsv (rows "case\tepoch", in order); returns the
 * number of cases, or 0 when the file cannot be read. */
static size_t read_case(size_t i, tt_case *c)
{
    th_ref ref;
    if (th_ref_load(&ref, TT_DIR "/cases.tsv") != 0)
        return 0;
    memset(c, 0, sizeof *c);
    size_t n = 0;
    char prev[64] = "";
    for (size_t r = 0; r < ref.n; r++) {
        const char *key = ref.rows[r].key, *tab = strchr(key, '\t');
        size_t len = tab ? (size_t)(tab - key) : strlen(key);
        if (len >= sizeof prev)
            len = sizeof prev - 1;
        if (strncmp(key, prev, len) != 0 || prev[len] != '\0') {
            memcpy(prev, key, len);
            prev[len] = '\0';
            n++;
        }
        if (n == i + 1) {
            snprintf(c->name, sizeof c->name, "%s", prev);
            case_row(c, tab ? tab + 1 : "", &ref.rows[r]);
        }
    }
    th_ref_free(&ref);
    return n;
}

/* The checkpoints a run wrote, by the epoch their metadata gives. */
typedef struct tt_run {
    const char *ck;
    nn_st_file w[TT_MAX_EPOCHS + 1];
    int have[TT_MAX_EPOCHS + 1];
} tt_run;

static void grab(tt_run *r)
{
    if (access(r->ck, F_OK) != 0)
        return;
    nn_st_file f;
    nn_error err;
    ck_assert_msg(nn_st_read(r->ck, &f, &err) == NN_OK, "%s", err.msg);
    const char *ep = nn_st_meta(&f, "epoch");
    double e = ep ? number(ep) : NAN;
    ck_assert_msg(e >= 0 && e <= TT_MAX_EPOCHS, "%s: epoch metadata \"%s\"", r->ck,
                  ep ? ep : "(none)");
    if (r->have[(size_t)e])
        nn_st_free(&r->w[(size_t)e]);
    r->w[(size_t)e] = f;
    r->have[(size_t)e] = 1;
}

static void on_epoch(void *ctx, const nn_epoch_report *rep)
{
    (void)rep;
    grab(ctx);
}

/* The CSV's field named col in a row split into fields (header: the header's fields). */
static const char *field(char **header, char **row, size_t n, const char *col)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(header[k], col) == 0)
            return row[k];
    ck_abort_msg("the CSV has no column %s", col);
    return NULL;
}

enum { MAX_FIELDS = 64 };

static size_t split(char *line, char **f)
{
    size_t n = 0;
    for (char *p = line; n < MAX_FIELDS; p++) {
        f[n++] = p;
        p = strchr(p, ',');
        if (!p)
            break;
        *p = '\0';
    }
    return n;
}

/* The run's CSV row by row against PyTorch's epochs: step, lr, train_loss, test_loss. */
static void compare_csv(const tt_case *c, const char *csv)
{
    char *text = th_slurp(csv), *save = NULL, *head[MAX_FIELDS], *f[MAX_FIELDS];
    ck_assert_msg(text != NULL, "%s: not written", csv);
    size_t nh = split(strtok_r(text, "\n", &save), head), e = 0;
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save), e++) {
        ck_assert_msg(e <= c->epochs, "%s: more rows than PyTorch's %zu epochs", c->name,
                      c->epochs);
        size_t n = split(line, f);
        const tt_epoch *t = &c->e[e];
        ck_assert_msg(n == nh && number(field(head, f, n, "epoch")) == (double)e,
                      "%s: row %zu is no epoch %zu", c->name, e, e);
        double step = number(field(head, f, n, "step")), lr = number(field(head, f, n, "lr"));
        double tl = e ? number(field(head, f, n, "train_loss")) : NAN;
        double te = number(field(head, f, n, "test_loss"));
        ck_assert_msg(step == (double)t->step, "%s epoch %zu: step %g, PyTorch %zu", c->name, e,
                      step, t->step);
        ck_assert_msg(fabs(lr - t->lr) <= LR_RTOL * t->lr, "%s epoch %zu: lr %.9g, PyTorch %.9g",
                      c->name, e, lr, t->lr);
        ck_assert_msg(e == 0 || fabs(tl - t->train_loss) <= LOSS_ATOL,
                      "%s epoch %zu: train_loss %.6f, PyTorch %.9f", c->name, e, tl,
                      t->train_loss);
        ck_assert_msg(fabs(te - t->test_loss) <= LOSS_ATOL,
                      "%s epoch %zu: test_loss %.6f, PyTorch %.9f", c->name, e, te, t->test_loss);
    }
    ck_assert_msg(e == c->epochs + 1, "%s: %zu rows, PyTorch has epochs 0..%zu", c->name, e,
                  c->epochs);
    free(text);
}

/* nntrain's tensor name of PyTorch's "<epoch>/<name>", or NULL for another epoch. */
static const char *in_epoch(const char *torch_name, size_t e)
{
    char *end;
    unsigned long v = strtoul(torch_name, &end, 10);
    return end != torch_name && *end == '/' && v == e ? end + 1 : NULL;
}

/* Every tensor of epoch e of PyTorch's run against the checkpoint of that epoch. */
static void compare_epoch(const tt_case *c, size_t e, const nn_st_file *ours,
                          const nn_st_file *torch)
{
    size_t seen = 0;
    for (size_t k = 0; k < torch->n; k++) {
        const nn_tensor *t = &torch->tensors[k];
        const char *name = in_epoch(t->name, e);
        if (!name)
            continue;
        seen++;
        const nn_tensor *o = nn_st_find(ours, name);
        const float *a = o ? nn_st_f32(o) : NULL, *b = nn_st_f32(t);
        ck_assert_msg(a && b && o->n == t->n,
                      "%s epoch %zu: tensor %s missing, not F32 or not %zu values", c->name, e,
                      name, t->n);
        size_t worst = 0;
        double excess = -INFINITY; /* the largest |d| - tolerance */
        for (size_t i = 0; i < t->n; i++) {
            double d = fabs((double)a[i] - b[i]);
            double x = d - (W_ATOL + W_RTOL * fabs((double)b[i]));
            if (x > excess)
                excess = x, worst = i;
        }
        ck_assert_msg(excess <= 0, "%s epoch %zu: %s[%zu] = %.9g, PyTorch %.9g (|d| %.3g)",
                      c->name, e, name, worst, a[worst], b[worst],
                      fabs((double)a[worst] - b[worst]));
    }
    ck_assert_msg(seen > 0, "%s: PyTorch's file has no tensors of epoch %zu; " TT_HOWTO, c->name,
                  e);
}

START_TEST(test_torch_train_case)
{
    tt_case c;
    ck_assert_msg(read_case((size_t)_i, &c) > (size_t)_i, TT_DIR "/cases.tsv: no case %d", _i);
    ck_assert_msg(!c.bad[0], TT_DIR "/cases.tsv: %s; " TT_HOWTO, c.bad);
    char *dir = th_tmpdir(), cfg_path[256], csv[600], ck[600], ov_csv[640], ov_ck[640],
         torch_path[256];
    snprintf(cfg_path, sizeof cfg_path, TT_DIR "/%s.json", c.name);
    snprintf(torch_path, sizeof torch_path, TT_DIR "/%s.torch.safetensors", c.name);
    snprintf(csv, sizeof csv, "%s/run.csv", dir);
    snprintf(ck, sizeof ck, "%s/run.safetensors", dir);
    snprintf(ov_csv, sizeof ov_csv, "output.csv=%s", csv);
    snprintf(ov_ck, sizeof ov_ck, "output.checkpoint=%s", ck);
    const char *ov[] = {ov_csv, ov_ck, "output.checkpoint_every=1"};
    nn_config cfg;
    nn_error err;
    ck_assert_msg(nn_config_load(&cfg, cfg_path, ov, 3, &err) == NN_OK, "%s", err.msg);
    ck_assert_msg(cfg.train.epochs == c.epochs, "%s: %zu epochs, PyTorch's %zu; " TT_HOWTO,
                  cfg_path, cfg.train.epochs, c.epochs);
    tt_run r = {.ck = ck};
    nn_hooks h = {.ctx = &r, .epoch = on_epoch};
    ck_assert_msg(nn_train(&cfg, &h, &err) == NN_OK, "%s: %s", c.name, err.msg);
    grab(&r); /* the last epoch's, written after its row */
    nn_config_free(&cfg);
    compare_csv(&c, csv);

    nn_st_file torch;
    ck_assert_msg(nn_st_read(torch_path, &torch, &err) == NN_OK, "%s", err.msg);
    for (size_t e = 1; e <= c.epochs; e++) {
        ck_assert_msg(r.have[e], "%s: no checkpoint of epoch %zu was seen", c.name, e);
        compare_epoch(&c, e, &r.w[e], &torch);
    }
    nn_st_free(&torch);
    for (size_t e = 0; e <= TT_MAX_EPOCHS; e++)
        if (r.have[e])
            nn_st_free(&r.w[e]);
    th_rmdir(dir);
    free(dir);
}
END_TEST

START_TEST(test_torch_train_missing)
{
    ck_abort_msg(TT_DIR "/cases.tsv: missing or without cases; " TT_HOWTO);
}
END_TEST

Suite *torch_train_suite(void)
{
    Suite *s = suite_create("torch_train");
    TCase *tc = tcase_create("runs");
    tt_case scratch;
    size_t n = read_case(0, &scratch);
    tcase_set_timeout(tc, 60);
    if (n)
        tcase_add_loop_test(tc, test_torch_train_case, 0, (int)n);
    else
        tcase_add_test(tc, test_torch_train_missing);
    suite_add_tcase(s, tc);
    return s;
}
