/* model.c - building the module sequence, forward and backward passes. */
#include "nn/model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "math/gemm/gemm.h"
#include "nn/init.h"
#include "math/vec.h"

/* y[0 .. cols) += b[0 .. cols). */
NN_VECTORIZE static void add_bias_row(float *restrict y, const float *restrict b, size_t cols)
{
    for (size_t j = 0; j < cols; j++)
        y[j] += b[j];
}

/* y[r][0 .. cols) += b[0 .. cols) for rows contiguous rows. Narrow rows (a width that
 * divides 64) are added as one flat array against the bias repeated to 64 values, so that
 * a layer of 2 or 8 units is not a function call and a loop of 2 or 8 per row. */
static void add_bias_rows(float *restrict y, const float *restrict b, size_t rows, size_t cols)
{
    enum { PATTERN = 64 };
    if (cols == 0 || cols > PATTERN || PATTERN % cols != 0) {
        for (size_t r = 0; r < rows; r++)
            add_bias_row(y + r * cols, b, cols);
        return;
    }
    float pattern[PATTERN];
    for (size_t i = 0; i < PATTERN; i++)
        pattern[i] = b[i % cols];
    size_t n = rows * cols, i = 0;
    for (; i + PATTERN <= n; i += PATTERN)
        add_bias_row(y + i, pattern, PATTERN);
    add_bias_row(y + i, pattern, n - i);
}

/* db = sum over rows of dy (rows in order, so the sum is reproducible). */
NN_VECTORIZE static void sum_rows(float *restrict db, const float *restrict dy, size_t rows,
                                  size_t n)
{
    for (size_t j = 0; j < n; j++)
        db[j] = 0.0f;
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++)
            db[j] += dy[r * n + j];
}

/* What a dense layer's product does to each block of its output as soon as a thread has
 * finished it, while it is in that core's cache: add the bias, then (when an activation
 * follows) apply it into the activation's output buffer. Every element gets exactly the
 * operations the separate passes would give it. */
typedef struct fwd_block {
    const nn_module *d;   /* the dense layer */
    const nn_module *act; /* the activation after it, or NULL */
    float *act_out;       /* its output, same shape as the dense output */
} fwd_block;

/* An activation over columns j0 .. j0+cols of rows contiguous rows (x and y packed at cols
 * per row): per-unit parameters start at j0. */
static void act_forward_part(const nn_module *a, const float *x, float *y, size_t j0,
                             size_t rows, size_t cols)
{
    int per_unit = a->np > 1;
    a->act->forward(x, y, rows, cols, per_unit ? a->p + j0 : a->p, per_unit ? cols : a->np,
                    a->hp);
}

/* Rows of a block of width cols in a matrix of width ldc that one activation call can take:
 * all of them when they are whole rows (contiguous), else one. */
static size_t rows_per_call(size_t rows, size_t cols, size_t ldc)
{
    return cols == ldc ? rows : 1;
}

static void forward_block_done(void *ctx, size_t i0, size_t j0, size_t rows, size_t cols,
                               float *c, size_t ldc)
{
    const fwd_block *f = ctx;
    if (f->d->b && cols == ldc)
        add_bias_rows(c, f->d->b + j0, rows, cols);
    else if (f->d->b)
        for (size_t r = 0; r < rows; r++)
            add_bias_row(c + r * ldc, f->d->b + j0, cols);
    const size_t span = rows_per_call(rows, cols, ldc);
    if (f->act)
        for (size_t r = 0; r < rows; r += span)
            act_forward_part(f->act, c + r * ldc, f->act_out + (i0 + r) * ldc + j0, j0, span,
                             cols);
}

/* Dense forward: Y[rows x out] = X[rows x in] * W^T + b, and act(Y) when act is not NULL. */
static void dense_forward(nn_gemm_ctx *g, const nn_module *d, const nn_module *act,
                          const float *x, float *y, float *act_out, size_t rows)
{
    fwd_block f = {d, act, act_out};
    nn_gemm_ex(g, NN_NO_TRANS, NN_TRANS, rows, d->out, d->in, 1.0f, x, d->in, d->w, d->in, 0.0f,
               y, d->out, NN_SPLIT_COLS, d->b || act ? forward_block_done : NULL, &f);
}

/* Where a weight tile of dense module d lies in the flat parameter buffer. */
typedef struct tile_update {
    const nn_model *m;
    const nn_module *d;
    nn_param_update fn;
    void *ctx;
} tile_update;

static void weight_tile_done(void *ctx, size_t i0, size_t j0, size_t rows, size_t cols,
                             float *c, size_t ldc)
{
    (void)c, (void)ldc;
    const tile_update *u = ctx;
    size_t base = (size_t)(u->d->w - u->m->params);
    if (j0 == 0 && cols == u->d->in) { /* whole rows: one contiguous range */
        u->fn(u->ctx, base + i0 * cols, base + (i0 + rows) * cols);
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        size_t lo = base + (i0 + r) * u->d->in + j0;
        u->fn(u->ctx, lo, lo + cols);
    }
}

/* The derivative of the activation in front of a dense layer, applied to each block of
 * that layer's input gradient as soon as it is finished: dact_in = dX * f'(act_in). */
typedef struct bwd_block {
    const nn_module *act;
    const float *act_in; /* the activation's input */
    float *dact_in;      /* the gradient with respect to it */
} bwd_block;

static void backward_block_done(void *ctx, size_t i0, size_t j0, size_t rows, size_t cols,
                                float *c, size_t ldc)
{
    const bwd_block *bb = ctx;
    const nn_module *a = bb->act; /* has no parameters: nothing accumulates across rows */
    const size_t span = rows_per_call(rows, cols, ldc);
    for (size_t r = 0; r < rows; r += span) {
        size_t off = (i0 + r) * ldc + j0;
        a->act->backward(bb->act_in + off, c + r * ldc, bb->dact_in + off, NULL, span, cols,
                         a->p, 0, a->hp);
    }
}

/* Dense backward: dX = dY W (skipped when dx is NULL; before W changes; then through the
 * activation in front when act is not NULL), dW = dY^T X (each tile handed to the update
 * as it is finished), db = sum_rows dY. */
static void dense_backward(nn_model *m, const nn_module *d, const float *x, const float *dy,
                           float *dx, const nn_module *act, const float *act_in, float *dact_in,
                           size_t rows, nn_param_update update, void *update_ctx)
{
    nn_gemm_ctx *g = m->gemm;
    if (dx) {
        bwd_block bb = {act, act_in, dact_in};
        nn_gemm_ex(g, NN_NO_TRANS, NN_NO_TRANS, rows, d->in, d->out, 1.0f, dy, d->out, d->w,
                   d->in, 0.0f, dx, d->in, NN_SPLIT_COLS, act ? backward_block_done : NULL, &bb);
    }
    tile_update u = {m, d, update, update_ctx};
    nn_gemm_ex(g, NN_TRANS, NN_NO_TRANS, d->out, d->in, rows, 1.0f, dy, d->out, x, d->in, 0.0f,
               d->dw, d->in, NN_SPLIT_ROWS, update ? weight_tile_done : NULL, &u);
    if (d->db) {
        sum_rows(d->db, dy, rows, d->out);
        if (update) {
            size_t lo = (size_t)(d->b - m->params);
            update(update_ctx, lo, lo + d->out);
        }
    }
}

/* Gain and init for the dense layer at index i: from the activation that follows. */
static void dense_init_kind(const nn_module_spec *mods, size_t n, size_t i,
                            nn_init_kind *kind, double *gain)
{
    const nn_act_def *next = i + 1 < n ? mods[i + 1].act : NULL;
    *gain = next ? next->gain(mods[i + 1].hp) : 1.0;
    *kind = mods[i].init;
    if (*kind == NN_INIT_AUTO)
        *kind = next && next->dense_init ? nn_init_from_name(next->dense_init)
                                         : NN_INIT_HE_NORMAL;
}

void nn_model_free(nn_model *m)
{
    if (!m)
        return;
    if (m->acts)
        for (size_t i = 0; i <= m->n_modules; i++)
            free(m->acts[i]);
    if (m->dacts)
        for (size_t i = 0; i <= m->n_modules; i++)
            free(m->dacts[i]);
    free(m->acts);
    free(m->dacts);
    free(m->modules);
    free(m->params);
    free(m->grads);
    nn_gemm_destroy(m->gemm);
    memset(m, 0, sizeof *m);
}

/* Pass 1: each module's widths and parameter count; returns the parameter total. */
static size_t plan_modules(nn_model *m, const nn_module_spec *mods)
{
    size_t width = m->input_dim, total = 0;
    for (size_t i = 0; i < m->n_modules; i++) {
        nn_module *mod = &m->modules[i];
        mod->act = mods[i].act;
        mod->in = width;
        if (!mod->act) {
            mod->out = mods[i].units;
            total += mod->out * mod->in + (mods[i].bias ? mod->out : 0);
        } else {
            mod->out = width;
            memcpy(mod->hp, mods[i].hp, sizeof mod->hp);
            mod->np = mod->act->n_params ? mod->act->n_params(mod->hp, width) : 0;
            total += mod->np;
        }
        width = mod->out;
    }
    m->output_dim = width;
    return total;
}

/* Pass 2 for module i: its views into the parameter buffers from *off on, its initial
 * values (dense layers draw from rng in module order) and its activation buffers. */
/* The initial values of module i's parameters (dense: drawn from rng). */
static void init_module(nn_model *m, const nn_module_spec *mods, size_t i, nn_rng *rng)
{
    nn_module *mod = &m->modules[i];
    if (!mod->act) {
        nn_init_kind kind;
        double gain;
        dense_init_kind(mods, m->n_modules, i, &kind, &gain);
        nn_init_dense(mod->w, mod->b, mod->out, mod->in, kind, gain, mods[i].bias_init,
                      mods[i].bias_init_set, rng);
    } else if (mod->np) {
        mod->act->init_params(mod->p, mod->np, mod->hp);
    }
}

void nn_model_init_params(nn_model *m, const nn_module_spec *mods, nn_rng *rng)
{
    for (size_t i = 0; i < m->n_modules; i++)
        init_module(m, mods, i, rng);
}

static int place_module(nn_model *m, const nn_module_spec *mods, size_t i, size_t *off,
                        nn_rng *rng)
{
    nn_module *mod = &m->modules[i];
    if (!mod->act) {
        mod->w = m->params + *off;
        mod->dw = m->grads + *off;
        *off += mod->out * mod->in;
        if (mods[i].bias) {
            mod->b = m->params + *off;
            mod->db = m->grads + *off;
            *off += mod->out;
        }
    } else if (mod->np) {
        mod->p = m->params + *off;
        mod->dp = m->grads + *off;
        *off += mod->np;
    }
    init_module(m, mods, i, rng);
    m->acts[i + 1] = malloc(m->max_batch * mod->out * sizeof(float));
    m->dacts[i + 1] = malloc(m->max_batch * mod->out * sizeof(float));
    return m->acts[i + 1] && m->dacts[i + 1];
}

/* The most memory a model may take (parameters, gradients, momentum, activations): 8 GiB,
 * or the machine's physical memory when that is less (docs/config.md). */
#define MODEL_MAX_BYTES ((uint64_t)8 << 30)

static uint64_t model_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t limit = MODEL_MAX_BYTES;
    if (pages > 0 && page > 0 && (uint64_t)pages <= UINT64_MAX / (uint64_t)page &&
        (uint64_t)pages * (uint64_t)page < limit)
        limit = (uint64_t)pages * (uint64_t)page;
    return limit;
}

/* "4.0 TiB", "512.0 MiB", "100 bytes". */
static void human_bytes(char *buf, size_t len, double bytes)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    while (bytes >= 1024.0 && u + 1 < sizeof units / sizeof *units) {
        bytes /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%.0f bytes", bytes);
    else
        snprintf(buf, len, "%.1f %s", bytes, units[u]);
}

/* a * b + c, in doubles too (for messages once the exact sum no longer fits). */
static int mul_add(uint64_t a, uint64_t b, uint64_t *sum)
{
    if (b != 0 && a > (UINT64_MAX - *sum) / b)
        return 0;
    *sum += a * b;
    return 1;
}

/* Refuses (NN_ECONFIG, before anything is allocated) a model whose buffers would not fit:
 * per module, its parameters 3 times (values, gradients, momentum) and its output twice
 * (activations and their gradients) for max_batch rows; the message names the module. */
static nn_status check_model_size(const nn_model *m, nn_error *err)
{
    uint64_t limit = model_limit(), total = 0;
    char need[32], lim[32];
    human_bytes(lim, sizeof lim, (double)limit);
    int ok = mul_add((uint64_t)m->max_batch, (uint64_t)m->input_dim * sizeof(float) * 2, &total);
    for (size_t i = 0; ok && i < m->n_modules; i++) {
        const nn_module *mod = &m->modules[i];
        double w = mod->act ? (double)mod->np : (double)mod->in * (double)mod->out;
        uint64_t layer = 0;
        int fits = mul_add(mod->act ? 1 : (uint64_t)mod->in, mod->act ? mod->np : mod->out,
                           &layer) &&
                   mul_add(layer + (mod->act ? 0 : mod->out), 3 * sizeof(float), &total) &&
                   mul_add((uint64_t)m->max_batch, (uint64_t)mod->out * 2 * sizeof(float),
                           &total);
        if (!fits || total > limit) {
            human_bytes(need, sizeof need, w * sizeof(float) * 3); /* + gradients, momentum */
            if (mod->act)
                return nn_fail(err, NN_ECONFIG,
                               "model[%zu]: %zu parameters and the model so far need more "
                               "than the limit of %s",
                               i, mod->np, lim);
            return nn_fail(err, NN_ECONFIG,
                           "model[%zu]: %zu x %zu weights need %s with their gradients and "
                           "momentum; a model may use %s (weights, gradients, momentum and "
                           "activations at batch %zu)",
                           i, mod->out, mod->in, need, lim, m->max_batch);
        }
    }
    if (!ok || total > limit) {
        human_bytes(need, sizeof need, (double)m->max_batch * (double)m->input_dim * 8.0);
        return nn_fail(err, NN_ECONFIG, "model input: %zu rows x %zu values need %s (limit %s)",
                       m->max_batch, m->input_dim, need, lim);
    }
    return NN_OK;
}

nn_status nn_model_build(nn_model *m, const nn_module_spec *mods, size_t n, size_t input_dim,
                         size_t max_batch, int threads, nn_rng *rng, nn_error *err)
{
    memset(m, 0, sizeof *m);
    nn_status st = nn_gemm_create(&m->gemm, NULL, threads, err);
    if (st != NN_OK)
        return st;
    m->n_modules = n;
    m->input_dim = input_dim;
    m->max_batch = max_batch;
    m->modules = calloc(n, sizeof *m->modules);
    if (!m->modules)
        goto oom;
    size_t total = plan_modules(m, mods);
    m->n_params = total;
    st = check_model_size(m, err);
    if (st != NN_OK) {
        nn_model_free(m);
        return st;
    }
    m->params = calloc(total ? total : 1, sizeof *m->params);
    m->grads = calloc(total ? total : 1, sizeof *m->grads);
    m->acts = calloc(n + 1, sizeof *m->acts);
    m->dacts = calloc(n + 1, sizeof *m->dacts);
    if (!m->params || !m->grads || !m->acts || !m->dacts)
        goto oom;
    m->acts[0] = malloc(max_batch * input_dim * sizeof(float));
    /* dacts[0] is only needed when an activation with parameters comes first (its
     * backward pass writes an input gradient on the way to its slope gradients). */
    if (n > 0 && m->modules[0].np)
        m->dacts[0] = malloc(max_batch * input_dim * sizeof(float));
    if (!m->acts[0] || (n > 0 && m->modules[0].np && !m->dacts[0]))
        goto oom;
    size_t off = 0;
    for (size_t i = 0; i < n; i++)
        if (!place_module(m, mods, i, &off, rng))
            goto oom;
    return NN_OK;
oom:
    nn_model_free(m);
    return nn_fail(err, NN_ESYS, "out of memory building the model");
}

const float *nn_model_forward(nn_model *m, size_t rows)
{
    return nn_model_forward_upto(m, rows, m->n_modules);
}

const float *nn_model_forward_upto(nn_model *m, size_t rows, size_t upto)
{
    upto = upto < m->n_modules ? upto : m->n_modules;
    for (size_t i = 0; i < upto; i++) {
        const nn_module *mod = &m->modules[i];
        if (!mod->act) {
            /* An activation right after a dense layer runs inside its product. */
            const nn_module *next = i + 1 < upto && m->modules[i + 1].act
                                        ? &m->modules[i + 1]
                                        : NULL;
            dense_forward(m->gemm, mod, next, m->acts[i], m->acts[i + 1],
                          next ? m->acts[i + 2] : NULL, rows);
            if (next)
                i++;
        } else {
            mod->act->forward(m->acts[i], m->acts[i + 1], rows, mod->out, mod->p, mod->np,
                              mod->hp);
        }
    }
    return m->acts[upto];
}

void nn_model_backward(nn_model *m, size_t rows, nn_param_update update, void *update_ctx)
{
    for (size_t i = m->n_modules; i-- > 0;) {
        const nn_module *mod = &m->modules[i];
        if (!mod->act) { /* no gradient is needed for the input data */
            /* The activation in front, when it has no parameters and needs its input
             * gradient, runs inside the product that makes dX. */
            const nn_module *prev = i >= 2 && m->modules[i - 1].act && !m->modules[i - 1].np
                                        ? &m->modules[i - 1]
                                        : NULL;
            dense_backward(m, mod, m->acts[i], m->dacts[i + 1], i > 0 ? m->dacts[i] : NULL, prev,
                           prev ? m->acts[i - 1] : NULL, prev ? m->dacts[i - 1] : NULL, rows,
                           update, update_ctx);
            if (prev)
                i--;
        } else if (i > 0 || mod->np) {
            if (mod->np) /* the activation adds into dp */
                memset(mod->dp, 0, mod->np * sizeof *mod->dp);
            mod->act->backward(m->acts[i], m->dacts[i + 1], m->dacts[i], mod->dp, rows, mod->out,
                               mod->p, mod->np, mod->hp);
            if (update && mod->np) {
                size_t lo = (size_t)(mod->p - m->params);
                update(update_ctx, lo, lo + mod->np);
            }
        }
    }
}
