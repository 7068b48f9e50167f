/* probe_run.c - a run's forward-only passes: batches, evaluations of the test and
 * validation sets, the dead-unit probes after each epoch and every N steps. */
#include "run/run.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "nn/loss.h"
#include "run/probe_csv.h"

enum { EVAL_CHUNK = NN_EVAL_CHUNK }; /* rows per forward pass when evaluating */

/* The model's input rows and their labels for samples idx[0 .. rows), rows shared between
 * the threads when there are enough pixels (each row is converted alone: the result does
 * not depend on the split). Each thread then reads only half of the batch from the other
 * core's cache in the first layer's product, which reads all of it on every thread. */
void nn_run_fill_batch(run *r, const nn_dataset *ds, const size_t *idx, size_t rows)
{
    nn_model *m = &r->model;
    int nt = rows * ds->dim >= (1u << 15) ? nn_gemm_team(m->gemm) : 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int t = omp_get_thread_num(), n_t = omp_get_num_threads();
        size_t lo = rows * (size_t)t / (size_t)n_t, hi = rows * (size_t)(t + 1) / (size_t)n_t;
        if (lo < hi)
            nn_batch_fill(ds, idx + lo, hi - lo, &r->norm, m->acts[0] + lo * ds->dim,
                          r->labels + lo);
    }
#else
    (void)nt;
    nn_batch_fill(ds, idx, rows, &r->norm, m->acts[0], r->labels);
#endif
}

/* Forward passes over the first count samples of ds (in order), or over ds samples
 * idx[0..count) when idx is not NULL. Adds loss and hits when loss is not NULL; feeds
 * the dead-unit probe when dead is not NULL. Returns -1 when a pre-activation is not
 * finite (the probe found a divergence). */
static int evaluate(run *r, const nn_dataset *ds, const size_t *idx, size_t count, double *loss,
                    double *acc, nn_dead *dead)
{
    nn_model *m = &r->model;
    double total = 0.0;
    size_t hits = 0;
    for (size_t start = 0; start < count; start += EVAL_CHUNK) {
        size_t rows = count - start < EVAL_CHUNK ? count - start : EVAL_CHUNK;
        for (size_t i = 0; i < rows; i++)
            r->seq[i] = idx ? idx[start + i] : start + i;
        nn_run_fill_batch(r, ds, r->seq, rows);
        const float *logits = nn_model_forward(m, rows, NN_EVAL);
        if (dead && nn_dead_observe(dead, m, rows) != 0)
            return -1;
        if (loss)
            total += nn_softmax_xent(logits, r->labels, rows, m->output_dim, NULL, 1, &hits);
    }
    if (loss) {
        *loss = count ? total / (double)count : 0.0;
        *acc = count ? (double)hits / (double)count : 0.0;
    }
    return 0;
}

/* Records where training stopped (for the status file); returns the CSV's name for the
 * message. */
const char *nn_run_stop_at(run *r, size_t epoch, size_t step, int exploded)
{
    r->fail_epoch = epoch;
    r->fail_step = step;
    r->status.exploded = exploded;
    return strcmp(r->cfg->csv, "-") == 0 ? "stdout" : r->cfg->csv;
}

nn_status nn_run_diverged(run *r, size_t epoch, size_t step, const char *what, nn_error *err)
{
    const char *csv = nn_run_stop_at(r, epoch, step, 0);
    if (epoch == 0)
        return nn_fail(err, NN_ETRAIN,
                       "the untrained model is already unstable: %s; no CSV row was written; "
                       "check the dense layers' init and bias_init and data.normalize",
                       what);
    return nn_fail(err, NN_ETRAIN,
                   "training diverged at epoch %zu, step %zu: %s; %s keeps the rows of epochs "
                   "%zu..%zu; try a smaller optimizer.lr",
                   epoch, step, what, csv, r->first_row, epoch - 1);
}

/* The dead-unit probe's set: test, the samples trained on, or the held-out ones; the
 * samples idx[0..n) of ds (the first n when idx is NULL). */
typedef struct probe_set {
    const nn_dataset *ds;
    const size_t *idx;
    size_t n;
} probe_set;

static probe_set probe_of(const run *r)
{
    const nn_config *cfg = r->cfg;
    probe_set p = {r->train, r->train_idx, r->n_train};
    if (cfg->dead.probe == NN_PROBE_TEST)
        p = (probe_set){r->test, NULL, r->test->n};
    else if (cfg->dead.probe == NN_PROBE_VAL)
        p = (probe_set){r->train, r->val_idx, r->n_val};
    if (cfg->dead.samples && cfg->dead.samples < p.n)
        p.n = cfg->dead.samples;
    return p;
}

static nn_status probe_diverged(run *r, size_t epoch, size_t step, const char *when, nn_error *err)
{
    char what[128];
    snprintf(what, sizeof what, "a pre-activation (input of module %zu) is NaN or Inf%s",
             r->dead.bad_module, when);
    return nn_run_diverged(r, epoch, step, what, err);
}

/* Test (and validation) evaluation and the dead-unit probe after an epoch. */
nn_status nn_run_probe_epoch(run *r, nn_epoch_report *rep, nn_error *err)
{
    size_t n_test = r->test->n;
    probe_set p = probe_of(r);
    /* One pass does both when the probe covers a whole evaluated set. */
    int shared_test = r->cfg->dead.probe == NN_PROBE_TEST && p.n == n_test;
    int shared_val = r->cfg->dead.probe == NN_PROBE_VAL && p.n == r->n_val;

    nn_dead_reset(&r->dead);
    rep->has_val = r->n_val > 0;
    if (evaluate(r, r->test, NULL, n_test, &rep->test_loss, &rep->test_acc,
                 shared_test ? &r->dead : NULL) != 0 ||
        (r->n_val && evaluate(r, r->train, r->val_idx, r->n_val, &rep->val_loss, &rep->val_acc,
                              shared_val ? &r->dead : NULL) != 0) ||
        (!shared_test && !shared_val && evaluate(r, p.ds, p.idx, p.n, NULL, NULL, &r->dead) != 0))
        return probe_diverged(r, rep->epoch, rep->step, "", err);
    if (!isfinite(rep->test_loss))
        return nn_run_diverged(r, rep->epoch, rep->step, "the test loss is not finite", err);
    if (rep->has_val && !isfinite(rep->val_loss))
        return nn_run_diverged(r, rep->epoch, rep->step, "the validation loss is not finite", err);
    nn_dead_finish(&r->dead);
    nn_dead_record(&r->dead);
    return NN_OK;
}

/* The probe after every dead_units.every_steps steps: the same set as the epoch probe,
 * forward passes only (no random draw, no parameter touched), one row of <csv>.steps.csv. */
nn_status nn_run_probe_step(run *r, const nn_epoch_report *rep, nn_error *err)
{
    probe_set p = probe_of(r);
    nn_dead_reset(&r->dead);
    if (evaluate(r, p.ds, p.idx, p.n, NULL, NULL, &r->dead) != 0)
        return probe_diverged(r, rep->epoch, rep->step, " (the probe every N steps)", err);
    if (r->dead.out_bad)
        return nn_run_diverged(r, rep->epoch, rep->step,
                               "a logit is NaN or Inf (the probe every N steps)", err);
    nn_dead_finish(&r->dead);
    return nn_steps_write(&r->steps, rep->epoch, rep->step, &r->dead, err);
}
