/* train.c - the training loop: epochs of shuffled mini-batches, an evaluation and a
 * dead-unit probe after each epoch (and before the first), one CSV row per epoch; the
 * optional probes every N steps; a stop asked for through the hooks. */
#include "run/run.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "sys/clock.h"
#include "sys/log.h"
#include "run/check.h"
#include "run/csv.h"
#include "run/outputs.h"
#include "run/probe_csv.h"
#include "run/status.h"
#include "math/fpmode.h"
#include "data/load.h"
#include "nn/loss.h"
#include "math/rng.h"

enum { EVAL_CHUNK = NN_EVAL_CHUNK }; /* rows per forward pass when evaluating */
enum { RNG_INIT = NN_RNG_INIT, RNG_SHUFFLE = NN_RNG_SHUFFLE, RNG_SPLIT = NN_RNG_SPLIT };
enum { EXPLODE_FACTOR = 10 }; /* see exploded() */

double nn_run_lr(const nn_config *cfg, size_t e)
{
    return nn_schedule_lr(&cfg->optim.schedule, cfg->optim.lr, cfg->train.epochs, e);
}

static void run_free(run *r)
{
    nn_model_free(&r->model);
    nn_optim_free(&r->optim);
    nn_dead_free(&r->dead);
    nn_csv_close(&r->csv, NULL);
    nn_csv_close(&r->units, NULL);
    nn_csv_close(&r->steps, NULL);
    nn_run_status_free(&r->status);
    nn_resume_free(&r->ck);
    nn_run_resume_free(r);
    free(r->order);
    free(r->train_idx);
    free(r->val_idx);
    free(r->seq);
    free(r->labels);
}

/* A finite mean training loss above EXPLODE_FACTOR x ln(classes) (a model that guesses
 * uniformly scores ln(classes)) means the model left any useful regime without a NaN: the
 * run stops as "exploded", and no row reports its units, which are not dead but swamped. */
static nn_status exploded(run *r, const nn_epoch_report *rep, nn_error *err)
{
    size_t classes = r->model.output_dim > 2 ? r->model.output_dim : 2;
    double limit = EXPLODE_FACTOR * log((double)classes);
    if (!(rep->train_loss > limit))
        return NN_OK;
    const char *csv = nn_run_stop_at(r, rep->epoch, rep->step, 1);
    return nn_fail(err, NN_ETRAIN,
                   "training exploded in epoch %zu: the mean training loss %.4g is above %g x "
                   "ln(%zu classes) = %.4g, with every value finite; %s keeps the rows of "
                   "epochs %zu..%zu; try a smaller optimizer.lr",
                   rep->epoch, rep->train_loss, (double)EXPLODE_FACTOR, classes, limit, csv,
                   r->first_row, rep->epoch - 1);
}

/* The caller asked the run to stop (hooks->stop). */
static int stop_asked(const run *r)
{
    return r->hooks && r->hooks->stop && *r->hooks->stop != 0;
}

/* Ends a run the caller stopped after step optimizer steps, in epoch (0: before the
 * untrained model's probe). */
static nn_status interrupted(run *r, size_t epoch, size_t step, nn_error *err)
{
    const char *csv = nn_run_stop_at(r, epoch, step, 0);
    if (epoch == 0)
        return nn_fail(err, NN_EINTR,
                       "interrupted at epoch 0, step 0, before the untrained model's probe; no "
                       "CSV row was written");
    /* The last checkpoint (written, or resumed from) is the end of the last epoch that wrote
     * one: resume redoes the epochs after it from their start. */
    if (r->saved)
        return nn_fail(err, NN_EINTR,
                       "interrupted at epoch %zu, step %zu; %s keeps the rows of epochs %zu..%zu; "
                       "continue with --resume %s (from epoch %zu)",
                       epoch, step, csv, r->first_row, epoch - 1, r->saved, r->saved_epoch + 1);
    return nn_fail(err, NN_EINTR,
                   "interrupted at epoch %zu, step %zu; %s keeps the rows of epochs %zu..%zu",
                   epoch, step, csv, r->first_row, epoch - 1);
}

/* Test evaluation and dead-unit probe after an epoch, then the CSV rows and report. */
static nn_status end_epoch(run *r, nn_epoch_report *rep, nn_error *err)
{
    if (stop_asked(r))
        return interrupted(r, rep->epoch, rep->step, err);
    nn_status st = NN_OK;
    if (rep->epoch == 0 && r->probed0) { /* probed while the training set loaded */
        rep->test_loss = r->test_loss0;
        rep->test_acc = r->test_acc0;
        r->probed0 = 0;
    } else {
        st = nn_run_probe_epoch(r, rep, err);
    }
    if (st != NN_OK)
        return st;
    rep->seconds = nn_now() - r->t0;
    rep->dead = &r->dead;
    rep->model = &r->model;
    st = nn_csv_write(&r->csv, rep, err);
    if (st == NN_OK && nn_csv_is_open(&r->units))
        st = nn_units_write(&r->units, rep->epoch, &r->dead, err);
    if (st != NN_OK)
        return st;
    r->epochs_done = rep->epoch;
    if (r->hooks && r->hooks->epoch)
        r->hooks->epoch(r->hooks->ctx, rep);
    return NN_OK;
}

/* The optimizer's step of one parameter range, as the backward pass finishes it. */
typedef struct optim_update {
    const nn_optim *optim;
    float *params;
    const float *grads;
    float lr;
} optim_update;

static void apply_update(void *ctx, size_t lo, size_t hi)
{
    const optim_update *u = ctx;
    nn_optim_update(u->optim, u->params, u->grads, u->lr, lo, hi);
}

/* One pass over the shuffled training set. */
static nn_status train_epoch(run *r, nn_rng *shuffle_rng, nn_epoch_report *rep, nn_error *err)
{
    const nn_config *cfg = r->cfg;
    nn_model *m = &r->model;
    const size_t n = r->n_train, bs = cfg->train.batch_size;
    const size_t n_batches = (n + bs - 1) / bs;
    const float lr = (float)rep->lr;
    if (cfg->train.shuffle)
        nn_rng_shuffle(shuffle_rng, r->order, n);

    double total = 0.0, t_start = nn_now(), t_report = t_start;
    size_t hits = 0;
    const size_t every = cfg->dead.every_steps;
    for (size_t b = 0; b < n_batches; b++) {
        if (stop_asked(r))
            return interrupted(r, rep->epoch, rep->step, err);
        size_t start = b * bs, rows = n - start < bs ? n - start : bs;
        nn_run_fill_batch(r, r->train, r->order + start, rows);
        if (start + rows < n) /* the next batch's first samples load during this step */
            nn_batch_prefetch(r->train, r->order + start + rows, n - start - rows);
        const float *logits = nn_model_forward(m, rows, NN_TRAIN);
        double loss = nn_softmax_xent(logits, r->labels, rows, m->output_dim,
                                      m->dacts[m->n_modules], rows, &hits);
        if (!isfinite(loss)) {
            char what[64];
            snprintf(what, sizeof what, "the training loss is %s (batch %zu of %zu)",
                     isnan(loss) ? "NaN" : "Inf", b + 1, n_batches);
            return nn_run_diverged(r, rep->epoch, rep->step + 1, what, err);
        }
        total += loss;
        optim_update upd = {&r->optim, m->params, m->grads, lr};
        nn_model_backward(m, rows, apply_update, &upd); /* the optimizer's step, fused */
        nn_optim_end_step(&r->optim);
        rep->step++;
        if (every && rep->step % every == 0) {
            nn_status st = nn_run_probe_step(r, rep, err);
            if (st != NN_OK)
                return st;
        }
        if (r->hooks && r->hooks->batch && (b + 1) % 16 == 0) {
            double t = nn_now();
            if (t - t_report > 0.1) {
                t_report = t;
                r->hooks->batch(r->hooks->ctx, rep->epoch, rep->epochs, b + 1, n_batches,
                                (double)(start + rows) / (t - t_start));
            }
        }
    }
    double elapsed = nn_now() - t_start;
    rep->has_train = 1;
    rep->train_loss = total / (double)n;
    rep->train_acc = (double)hits / (double)n;
    rep->images_per_sec = elapsed > 0 ? (double)n / elapsed : 0.0;
    return NN_OK;
}

/* --resume's checkpoint read, and checked against the config: before the data loads. */
static nn_status resume_read(run *r, nn_error *err)
{
    nn_status st = nn_resume_read(&r->ck, r->cfg->resume, err);
    if (st == NN_OK)
        st = nn_resume_check_config(&r->ck, r->cfg, err);
    return st;
}

/* The checkpoint against the data and the model the config plans, before the model is
 * allocated: a small file may name a config of a huge model. */
static nn_status resume_check(run *r, size_t dim, nn_error *err)
{
    const nn_config *cfg = r->cfg;
    nn_model planned;
    nn_status st = nn_model_plan(&planned, cfg->modules, cfg->n_modules, dim, err);
    if (st == NN_OK)
        st = nn_resume_check_run(&r->ck, cfg, &planned, r->n_train, r->norm.mean, r->norm.std, err);
    nn_model_free(&planned);
    return st;
}

/* A resumed run at its checkpoint: the sample order and the shuffle stream as the epochs
 * done left them (the shuffles replayed from the seed, then checked against the stream
 * the checkpoint saved), its files checked, then its state restored. Writes nothing. */
static nn_status resume_prepare(run *r, nn_error *err)
{
    r->pos = r->ck.pos;
    for (size_t e = 1; r->cfg->train.shuffle && e <= r->pos.epoch; e++)
        nn_rng_shuffle(&r->shuffle, r->order, r->n_train);
    if (memcmp(r->shuffle.s, r->pos.shuffle, sizeof r->pos.shuffle) != 0)
        return nn_fail(err, NN_EDATA,
                       "%s: metadata \"rng.shuffle\" is \"%016" PRIx64
                       "...\"; expected \"%016" PRIx64
                       "...\", the stream seed %llu gives after %zu epochs",
                       r->cfg->resume, r->pos.shuffle[0], r->shuffle.s[0],
                       (unsigned long long)r->cfg->seed, r->pos.epoch);
    nn_status st = nn_run_resume_plan(r, err);
    if (st == NN_OK)
        st = nn_resume_restore(&r->ck, &r->model, &r->optim, &r->dead, err);
    if (st != NN_OK)
        return st;
    r->resumed = 1;
    r->first_row = r->csv_file.kept ? r->csv_file.first : r->pos.epoch;
    r->saved = r->cfg->resume;
    r->saved_epoch = r->pos.epoch;
    r->epochs_done = r->pos.epoch;
    return NN_OK;
}

/* The CSV and the probe's files: new, or for a resumed run as its plan says. */
static nn_status open_outputs(run *r, nn_error *err)
{
    const nn_config *cfg = r->cfg;
    if (r->resumed)
        return nn_run_resume_open(r, err);
    nn_status st = nn_csv_open(&r->csv, cfg->csv, &r->model, r->n_val > 0, err);
    if (st == NN_OK && cfg->units)
        st = nn_units_open(&r->units, cfg->units, err);
    if (st == NN_OK && cfg->dead.every_steps)
        st = nn_steps_open(&r->steps, cfg->csv, &r->dead, err);
    return st;
}

/* The model, its optimizer state, the probe and the batch buffers: all the run needs that
 * depends on the data only through its input width. */
static nn_status run_build(run *r, size_t dim, nn_error *err)
{
    const nn_config *cfg = r->cfg;
    nn_rng init_rng;
    nn_rng_seed(&init_rng, cfg->seed, RNG_INIT);
    size_t max_batch = cfg->train.batch_size > EVAL_CHUNK ? cfg->train.batch_size : EVAL_CHUNK;
    nn_status st = nn_model_build(&r->model, cfg->modules, cfg->n_modules, dim, max_batch,
                                  nn_optim_state_per_param(cfg->optim.def, cfg->optim.hp),
                                  cfg->train.threads, &init_rng, err);
    /* Weights from a file replace the seed's init; a resumed run takes the checkpoint's. */
    if (st == NN_OK && cfg->init_from && !cfg->resume)
        st = nn_state_load_weights(cfg->init_from, &r->model, err);
    if (st == NN_OK)
        st = nn_optim_init(&r->optim, cfg->optim.def, cfg->optim.hp, r->model.n_params, err);
    if (st == NN_OK) {
        nn_gemm_set_flush(r->model.gemm, cfg->train.flush_denormals);
        st = nn_dead_init(&r->dead, &r->model, err);
    }
    if (st == NN_OK) {
        r->seq = malloc(max_batch * sizeof *r->seq);
        r->labels = malloc(max_batch * sizeof *r->labels);
        if (!r->seq || !r->labels)
            st = nn_fail(err, NN_ESYS, "out of memory");
    }
    r->built = st == NN_OK;
    return st;
}

/* Everything the run needs before its first step, every check made and nothing written:
 * the validation split and the sample order, a resumed run's checkpoint checked against
 * the model the config plans, the model, the optimizer, the probe, the buffers (unless
 * built early), and a resumed run's position, files and state. On failure the caller
 * frees r. */
static nn_status run_open(run *r, nn_error *err)
{
    const nn_config *cfg = r->cfg;
    const nn_dataset *train = r->train;
    r->n_val = cfg->data.validation;
    r->n_train = train->n - r->n_val;
    r->order = malloc(train->n * sizeof *r->order);
    r->train_idx = malloc(train->n * sizeof *r->train_idx);
    r->val_idx = malloc((r->n_val ? r->n_val : 1) * sizeof *r->val_idx);
    if (!r->order || !r->train_idx || !r->val_idx)
        return nn_fail(err, NN_ESYS, "out of memory");
    /* The held-out samples come from their own stream: the same for every model. */
    nn_rng split_rng;
    nn_rng_seed(&split_rng, cfg->seed, RNG_SPLIT);
    nn_split_indices(train->n, r->n_val, &split_rng, r->train_idx, r->val_idx);
    memcpy(r->order, r->train_idx, r->n_train * sizeof *r->order);
    nn_rng_seed(&r->shuffle, cfg->seed, RNG_SHUFFLE);
    nn_status st = cfg->resume ? resume_check(r, train->dim, err) : NN_OK;
    if (st == NN_OK && !r->built)
        st = run_build(r, train->dim, err);
    if (st == NN_OK && cfg->resume)
        st = resume_prepare(r, err);
    return st;
}

/* output.checkpoint after epoch e (step steps so far). */
static nn_status save_checkpoint(run *r, size_t e, size_t step, nn_error *err)
{
    nn_run_state cs = {.model = &r->model,
                       .optim = &r->optim,
                       .dead = &r->dead,
                       .shuffle = &r->shuffle,
                       .config_json = r->cfg->resolved,
                       .command = r->cfg->command,
                       .kernel = nn_gemm_kernel(r->model.gemm),
                       .epoch = e,
                       .step = step,
                       .mean = r->norm.mean,
                       .std = r->norm.std};
    nn_status st = nn_state_save(r->cfg->checkpoint, &cs, err);
    if (st == NN_OK) {
        r->saved_epoch = e;
        r->saved = r->cfg->checkpoint;
    }
    return st;
}

/* Epoch 0 (the untrained model), then every training epoch, each ending with its row; a
 * resumed run starts after its checkpoint's epoch, whose row it rebuilds for a file it
 * starts new. The checkpoint is written every checkpoint_every epochs and after the last,
 * epoch 0 when that is the last (the untrained weights, for init.from or PyTorch). */
static nn_status run_epochs(run *r, nn_error *err)
{
    const nn_config *cfg = r->cfg;
    nn_epoch_report rep = {.epoch = 0, .epochs = cfg->train.epochs, .lr = nn_run_lr(cfg, 0)};
    if (r->resumed) {
        rep.epoch = r->pos.epoch;
        rep.step = r->pos.step;
        rep.lr = nn_run_lr(cfg, rep.epoch ? rep.epoch - 1 : 0);
    }
    nn_status st = r->resumed ? nn_run_resume_row(r, &rep, err) : end_epoch(r, &rep, err);
    if (st == NN_OK && !r->resumed && cfg->checkpoint && cfg->train.epochs == 0)
        st = save_checkpoint(r, 0, 0, err);
    for (size_t e = rep.epoch + 1; st == NN_OK && e <= cfg->train.epochs; e++) {
        rep.epoch = e;
        rep.lr = nn_run_lr(cfg, e - 1);
        st = train_epoch(r, &r->shuffle, &rep, err);
        if (st == NN_OK)
            st = exploded(r, &rep, err);
        if (st == NN_OK)
            st = end_epoch(r, &rep, err);
        if (st == NN_OK && cfg->checkpoint &&
            (e % cfg->checkpoint_every == 0 || e == cfg->train.epochs))
            st = save_checkpoint(r, e, rep.step, err);
    }
    return st;
}

/* Writes the final status of a run that ended with st; returns st, or the status file's
 * write error when the run itself succeeded. */
static nn_status end_status(run *r, nn_status st, nn_error *err)
{
    nn_error scratch;
    nn_status wst = nn_run_status_end(&r->status, st, err, r->epochs_done, r->fail_epoch,
                                      r->fail_step, st == NN_OK ? err : &scratch);
    return st == NN_OK ? wst : st;
}

/* pre: a run built and probed at epoch 0 while the data loaded (taken over), or NULL;
 * keep: an earlier run's files are kept, not overwritten (nn_run_keep_previous). */
static nn_status train_on(const nn_config *cfg, const nn_dataset *train, const nn_dataset *test,
                          const nn_hooks *hooks, run *pre, int keep, nn_error *err)
{
    run r = {.cfg = cfg};
    if (pre) {
        r = *pre;
        *pre = (run){.cfg = cfg};
    }
    r.train = train, r.test = test, r.hooks = hooks, r.t0 = nn_now();
    double mean, std;
    nn_status st = nn_check_outputs(cfg, err); /* before any file is written */
    if (st == NN_OK && cfg->resume && !r.ck.open)
        st = resume_read(&r, err);
    if (st == NN_OK)
        st = nn_check_run(cfg, train, test, &mean, &std, err);
    if (st != NN_OK) {
        run_free(&r);
        return st;
    }
    if (cfg->data.normalize == NN_NORM_STANDARD)
        nn_say(hooks,
               "normalize: standard, mean %.6f std %.6f (of pixel/255 over %zu training images)",
               mean, std, train->n);
    r.norm = nn_norm_make((float)mean, (float)std);
    st = run_open(&r, err);
    /* Written only once every check has passed: a refused run changes no file. */
    if (st == NN_OK && keep && !cfg->resume)
        st = nn_run_keep_previous(cfg, hooks, err);
    if (st == NN_OK)
        st = nn_csv_write_classes(cfg->csv, train, hooks, err);
    if (st == NN_OK)
        st = open_outputs(&r, err);
    int opened = st == NN_OK; /* from here on the run's status file says how it ended */
    nn_run_made made = {cfg->resolved, cfg->command, opened ? nn_gemm_kernel(r.model.gemm) : NULL};
    if (opened)
        st = nn_run_status_begin(&r.status, cfg->csv, &r.dead, cfg->train.epochs, &made, err);
    if (st == NN_OK) {
        if (r.n_val)
            nn_say(hooks, "validation: %zu of the %zu training samples held out (seed %llu)",
                   r.n_val, train->n, (unsigned long long)cfg->seed);
        nn_say(hooks,
               "model: %zu modules, %zu parameters, %zu hidden units; %zu training and %zu test "
               "samples",
               r.model.n_modules, r.model.n_params, r.dead.total, r.n_train, test->n);
        st = run_epochs(&r, err);
    }
    if (st == NN_OK)
        st = nn_csv_close(&r.csv, err);
    if (st == NN_OK)
        st = nn_csv_close(&r.units, err);
    if (st == NN_OK)
        st = nn_csv_close(&r.steps, err);
    if (opened)
        st = end_status(&r, st, err);
    if (st == NN_OK && hooks && hooks->done)
        hooks->done(hooks->ctx, &r.model);
    run_free(&r);
    return st;
}

nn_status nn_train_on(const nn_config *cfg, const nn_dataset *train, const nn_dataset *test,
                      const nn_hooks *hooks, nn_error *err)
{
    nn_fpmode fp = nn_fp_flush(cfg->train.flush_denormals); /* this thread, for the run */
    nn_status st = train_on(cfg, train, test, hooks, NULL, 0, err);
    nn_fp_restore(fp);
    return st;
}

/* Epoch 0 made while the training set loads: the model built for the test set's input
 * width and probed on the test set, on the thread that loaded it (nn_data_load_beside), so
 * that the run starts with its first step. Only where that is the probe the run would
 * make: more than one thread, not resumed, no init.from, no validation split, "unit"
 * normalization, the test set probed. A probe that fails, or labels past the outputs,
 * drop it: the run then makes its epoch 0 as always, after every check. */
static int early_fits(const nn_config *cfg)
{
    return cfg->train.threads != 1 && !cfg->resume && !cfg->init_from &&
           cfg->data.validation == 0 && cfg->data.normalize == NN_NORM_UNIT &&
           cfg->dead.probe == NN_PROBE_TEST;
}

static void early_probe(void *ctx, const nn_dataset *test)
{
    run *r = ctx;
    nn_error err;
    nn_fpmode fp = nn_fp_flush(r->cfg->train.flush_denormals); /* this thread, for the probe */
    r->test = test;
    r->norm = nn_norm_make(0.0f, 1.0f);
    nn_epoch_report rep = {.epoch = 0, .epochs = r->cfg->train.epochs};
    nn_status st = run_build(r, test->dim, &err);
    if (st == NN_OK && test->n_classes <= r->model.output_dim &&
        nn_run_probe_epoch(r, &rep, &err) == NN_OK) {
        r->probed0 = 1;
        r->test_loss0 = rep.test_loss;
        r->test_acc0 = rep.test_acc;
    }
    nn_fp_restore(fp);
}

nn_status nn_train(const nn_config *cfg, const nn_hooks *hooks, nn_error *err)
{
    nn_dataset train = {0}, test = {0};
    run early = {.cfg = cfg};
    nn_status st = nn_check_outputs(cfg, err); /* before the data loads, too */
    if (st == NN_OK && cfg->resume) /* a checkpoint that lies is refused before the load */
        st = resume_read(&early, err);
    if (st == NN_OK)
        st = nn_data_load_beside(&cfg->data, cfg->source, cfg->train.threads, hooks, &train, &test,
                                 early_fits(cfg) ? early_probe : NULL, &early, err);
    if (st == NN_OK) {
        nn_fpmode fp = nn_fp_flush(cfg->train.flush_denormals); /* this thread, for the run */
        st = train_on(cfg, &train, &test, hooks, early.probed0 || early.ck.open ? &early : NULL,
                      1, err);
        nn_fp_restore(fp);
    }
    if (early.built || early.ck.open) /* not taken over: the load or the probe failed */
        run_free(&early);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return st;
}
