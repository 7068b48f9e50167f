/* untrained.c - epoch 0 of many networks on inputs normalized once. */
#include "run/untrained.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/vec.h"
#include "nn/loss.h"
#include "run/train.h"

static void inputs_free(nn_inputs *in)
{
    free(in->x);
    free(in->y);
    memset(in, 0, sizeof *in);
}

/* Rows idx[0..n) of ds (0..n-1 when idx is NULL). */
static nn_status inputs_fill(nn_inputs *in, const nn_dataset *ds, const size_t *idx, size_t n,
                             const nn_norm *norm, nn_error *err)
{
    memset(in, 0, sizeof *in);
    size_t *seq = idx ? NULL : malloc((n ? n : 1) * sizeof *seq);
    in->x = malloc((n ? n : 1) * ds->dim * sizeof *in->x);
    in->y = malloc((n ? n : 1) * sizeof *in->y);
    if (!in->x || !in->y || (!idx && !seq)) {
        free(seq);
        inputs_free(in);
        return nn_fail(err, NN_ESYS, "out of memory for the probe inputs");
    }
    for (size_t i = 0; seq && i < n; i++)
        seq[i] = i;
    nn_batch_fill(ds, idx ? idx : seq, n, norm, in->x, in->y);
    in->n = n;
    in->dim = ds->dim;
    free(seq);
    return NN_OK;
}

nn_status nn_untrained_inputs_make(nn_untrained_inputs *in, const nn_config *cfg,
                                   const nn_dataset *train, const nn_dataset *test, double mean,
                                   double std, nn_error *err)
{
    memset(in, 0, sizeof *in);
    nn_norm norm = nn_norm_make((float)mean, (float)std);
    nn_status st = inputs_fill(&in->test, test, NULL, test->n, &norm, err);
    if (st != NN_OK)
        return st;
    size_t n_val = cfg->data.validation, n_train = train->n - n_val;
    size_t probe_n = cfg->dead.probe == NN_PROBE_TEST  ? test->n
                     : cfg->dead.probe == NN_PROBE_VAL ? n_val
                                                       : n_train;
    size_t n_probe = cfg->dead.samples && cfg->dead.samples < probe_n ? cfg->dead.samples : probe_n;
    if (cfg->dead.probe == NN_PROBE_TEST) {
        in->probe = in->test;
        in->probe.n = n_probe;
        in->probe_is_test = 1;
        return NN_OK;
    }
    /* The samples trained on or held out, chosen as the run chooses them. */
    size_t *train_idx = malloc(train->n * sizeof *train_idx);
    size_t *val_idx = malloc((n_val ? n_val : 1) * sizeof *val_idx);
    if (!train_idx || !val_idx) {
        st = nn_fail(err, NN_ESYS, "out of memory for the probe inputs");
    } else {
        nn_rng split_rng;
        nn_rng_seed(&split_rng, cfg->seed, NN_RNG_SPLIT);
        nn_split_indices(train->n, n_val, &split_rng, train_idx, val_idx);
        st = inputs_fill(&in->probe, train, cfg->dead.probe == NN_PROBE_VAL ? val_idx : train_idx,
                         n_probe, &norm, err);
    }
    free(train_idx);
    free(val_idx);
    if (st != NN_OK)
        nn_untrained_inputs_free(in);
    return st;
}

void nn_untrained_inputs_free(nn_untrained_inputs *in)
{
    if (!in->probe_is_test)
        inputs_free(&in->probe);
    inputs_free(&in->test);
    memset(in, 0, sizeof *in);
}

/* One network of a group: its model and its probe. */
struct nn_untrained_net {
    nn_model m;
    nn_dead dead;
    double loss;
    size_t hits;
    int bad;
};

typedef struct nn_untrained_net net;

static void net_free(net *t)
{
    nn_dead_free(&t->dead);
    nn_model_free(&t->m);
}

static nn_status net_build(net *t, const nn_config *cfg, size_t dim, nn_error *err)
{
    memset(t, 0, sizeof *t);
    nn_rng rng;
    nn_rng_seed(&rng, cfg->seed, NN_RNG_INIT); /* drawn again per seed */
    size_t max_batch = cfg->train.batch_size > NN_EVAL_CHUNK ? cfg->train.batch_size
                                                             : NN_EVAL_CHUNK;
    nn_status st = nn_model_build(&t->m, cfg->modules, cfg->n_modules, dim, max_batch, 0, 1, &rng,
                                  err);
    if (st != NN_OK)
        return st;
    nn_gemm_set_flush(t->m.gemm, cfg->train.flush_denormals);
    st = nn_dead_init(&t->dead, &t->m, err);
    if (st != NN_OK)
        nn_model_free(&t->m);
    return st;
}

nn_status nn_untrained_group_new(nn_untrained_group *g, const nn_config *cfg, size_t n,
                                 size_t dim, nn_error *err)
{
    memset(g, 0, sizeof *g);
    g->cfg = cfg;
    g->nets = calloc(n ? n : 1, sizeof *g->nets);
    if (!g->nets)
        return nn_fail(err, NN_ESYS, "out of memory");
    for (; g->n < n; g->n++) {
        nn_status st = net_build(&g->nets[g->n], cfg, dim, err);
        if (st != NN_OK) {
            nn_untrained_group_free(g);
            return st;
        }
    }
    return NN_OK;
}

void nn_untrained_group_free(nn_untrained_group *g)
{
    for (size_t i = 0; i < g->n; i++)
        net_free(&g->nets[i]);
    free(g->nets);
    memset(g, 0, sizeof *g);
}

/* The probe shown each elementwise module's input in the lane-major pass. */
_Static_assert((size_t)NN_EVAL_CHUNK <= (size_t)NN_LANES_MAX_ROWS, "an evaluation chunk fits the lane-major pass");

static int observe_lanes(void *ctx, size_t module, const float *xt, size_t blocks, size_t lanes)
{
    return nn_dead_observe_lanes(ctx, module, xt, blocks, lanes);
}

/* Forward passes of every network over the first n rows of in, chunk by chunk as the run's
 * evaluate() makes them; a model reads its input from in->x in place (acts[0] points there
 * during the pass). Loss and hits are added when with_loss; the probe is fed when probe. */
static void pass(net *nets, size_t count, const nn_inputs *in, size_t n, int with_loss, int probe)
{
    int chain = count > 0 && nn_model_lanes(&nets[0].m); /* the same model for all */
    for (size_t start = 0; start < n; start += NN_EVAL_CHUNK) {
        size_t rows = n - start < NN_EVAL_CHUNK ? n - start : NN_EVAL_CHUNK;
        for (size_t g = 0; g < count; g++) {
            net *t = &nets[g];
            if (t->bad)
                continue;
            nn_model *m = &t->m;
            float *own = m->acts[0];
            m->acts[0] = in->x + start * in->dim;
            const float *logits;
            if (chain) {
                nn_model_forward_upto(m, rows, 2, NN_EVAL);
                t->bad = (probe && nn_dead_observe_module(&t->dead, m, 1, rows) != 0) ||
                         nn_model_forward_lanes(m, rows, probe ? observe_lanes : NULL,
                                                &t->dead) != 0;
                logits = m->acts[m->n_modules];
                if (probe && !t->bad)
                    nn_dead_observe_logits(&t->dead, logits, rows);
            } else {
                logits = nn_model_forward(m, rows, NN_EVAL);
                t->bad = probe && nn_dead_observe(&t->dead, m, rows) != 0;
            }
            if (with_loss && !t->bad)
                t->loss += nn_softmax_xent(logits, in->y + start, rows, m->output_dim, NULL, 1,
                                           &t->hits);
            m->acts[0] = own;
        }
    }
}

void nn_untrained_run(nn_untrained_group *g, const uint64_t *seeds, size_t n,
                      const nn_untrained_inputs *in, nn_untrained *out)
{
    n = n < g->n ? n : g->n;
    for (size_t i = 0; i < n; i++) { /* each network as nn_model_build makes it for seeds[i] */
        net *t = &g->nets[i];
        nn_rng rng;
        nn_rng_seed(&rng, seeds[i], NN_RNG_INIT);
        nn_model_init_params(&t->m, g->cfg->modules, &rng);
        nn_dead_reset(&t->dead);
        t->loss = 0.0;
        t->hits = 0;
        t->bad = 0;
    }
    const nn_inputs *probe = &in->probe;
    int shared = in->probe_is_test && probe->n == in->test.n;
    pass(g->nets, n, &in->test, in->test.n, 1, shared);
    if (!shared)
        pass(g->nets, n, probe, probe->n, 0, 1);
    for (size_t i = 0; i < n; i++) {
        net *t = &g->nets[i];
        nn_untrained *o = &out[i];
        memset(o, 0, sizeof *o);
        size_t nt = in->test.n;
        o->test_loss = nt ? t->loss / (double)nt : 0.0;
        o->test_acc = nt ? (double)t->hits / (double)nt : 0.0;
        o->status = t->bad || !isfinite(o->test_loss) ? NN_ETRAIN : NN_OK;
        nn_dead_finish(&t->dead);
        o->hidden = t->dead.total;
        o->dead = t->dead.dead_total;
        for (size_t k = 0; k < t->dead.n_modules; k++)
            if (t->dead.width[k]) {
                o->layers++;
                o->dead_layers += t->dead.dead[k] == t->dead.width[k];
            }
        o->constant_output = o->status == NN_OK && t->dead.constant_output;
    }
}
