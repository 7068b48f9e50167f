/* model.c - building the module sequence from the layer table, the forward and backward
 * passes over it, and its tensors. */
#include "nn/layer/model.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    free(m->bufs);
    free(m->counts);
    nn_gemm_destroy(m->gemm);
    memset(m, 0, sizeof *m);
}

/* Pass 1: each module's widths and sizes, from its layer type; the totals go to m. */
static void plan_modules(nn_model *m, const nn_module_spec *mods)
{
    size_t width = m->input_dim;
    m->n_params = m->n_bufs = m->n_counts = 0;
    for (size_t i = 0; i < m->n_modules; i++) {
        nn_module *mod = &m->modules[i];
        nn_layer_size sz = mods[i].layer->size(&mods[i], width);
        mod->def = mods[i].layer;
        mod->act = mods[i].act;
        memcpy(mod->hp, mods[i].hp, sizeof mod->hp);
        mod->in = width;
        mod->out = sz.out;
        mod->np = sz.params;
        mod->nbuf = sz.bufs;
        mod->ncount = sz.counts;
        m->n_params += sz.params;
        m->n_bufs += sz.bufs;
        m->n_counts += sz.counts;
        width = mod->out;
    }
    m->output_dim = width;
}

/* The initial values of module i (what its layer type draws, from rng in module order). */
static void init_module(nn_model *m, const nn_module_spec *mods, size_t i, nn_rng *rng)
{
    const nn_module_spec *next = i + 1 < m->n_modules ? &mods[i + 1] : NULL;
    nn_module *mod = &m->modules[i];
    if (mod->def->init)
        mod->def->init(mod, &mods[i], next, rng);
}

void nn_model_init_params(nn_model *m, const nn_module_spec *mods, nn_rng *rng)
{
    for (size_t i = 0; i < m->n_modules; i++)
        init_module(m, mods, i, rng);
}

/* Pass 2 for module i: its views into the model's buffers (offsets advanced), its initial
 * values and its activation buffers. */
static int place_module(nn_model *m, const nn_module_spec *mods, size_t i, size_t off[3],
                        nn_rng *rng)
{
    nn_module *mod = &m->modules[i];
    if (mod->np) {
        mod->p = m->params + off[0];
        mod->dp = m->grads + off[0];
        off[0] += mod->np;
    }
    if (mod->nbuf) {
        mod->buf = m->bufs + off[1];
        off[1] += mod->nbuf;
    }
    if (mod->ncount) {
        mod->count = m->counts + off[2];
        off[2] += mod->ncount;
    }
    if (mod->def->place)
        mod->def->place(mod);
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
 * per module, its parameters 2 + state_per_param times (values, gradients, the optimizer's
 * state), its buffers, and its output twice (activations and their gradients) for
 * max_batch rows; the message names the module. */
static nn_status check_model_size(const nn_model *m, size_t state_per_param, nn_error *err)
{
    uint64_t limit = model_limit(), total = 0, per = (2 + (uint64_t)state_per_param) * 4;
    char need[32], lim[32];
    human_bytes(lim, sizeof lim, (double)limit);
    int ok = mul_add((uint64_t)m->max_batch, (uint64_t)m->input_dim * sizeof(float) * 2, &total);
    for (size_t i = 0; ok && i < m->n_modules; i++) {
        const nn_module *mod = &m->modules[i];
        int fits = mul_add(mod->np, per, &total) && mul_add(mod->nbuf, 4, &total) &&
                   mul_add(mod->ncount, 8, &total) &&
                   mul_add((uint64_t)m->max_batch, (uint64_t)mod->out * 2 * sizeof(float),
                           &total);
        if (fits && total <= limit)
            continue;
        human_bytes(need, sizeof need, (double)mod->np * (double)per);
        if (!mod->def->product)
            return nn_fail(err, NN_ECONFIG,
                           "model[%zu]: %zu parameters and the model so far need more than the "
                           "limit of %s",
                           i, mod->np, lim);
        return nn_fail(err, NN_ECONFIG,
                       "model[%zu]: %zu x %zu weights need %s with their gradients and optimizer "
                       "state; a model may use %s (weights, gradients, optimizer state and "
                       "activations at batch %zu)",
                       i, mod->out, mod->in, need, lim, m->max_batch);
    }
    if (!ok || total > limit) {
        human_bytes(need, sizeof need, (double)m->max_batch * (double)m->input_dim * 8.0);
        return nn_fail(err, NN_ECONFIG, "model input: %zu rows x %zu values need %s (limit %s)",
                       m->max_batch, m->input_dim, need, lim);
    }
    return NN_OK;
}

/* Allocates what plan_modules sized: the flat buffers and the activation pointers. */
static int alloc_buffers(nn_model *m)
{
    size_t np = m->n_params ? m->n_params : 1, n = m->n_modules;
    m->params = calloc(np, sizeof *m->params);
    m->grads = calloc(np, sizeof *m->grads);
    m->bufs = m->n_bufs ? calloc(m->n_bufs, sizeof *m->bufs) : NULL;
    m->counts = m->n_counts ? calloc(m->n_counts, sizeof *m->counts) : NULL;
    m->acts = calloc(n + 1, sizeof *m->acts);
    m->dacts = calloc(n + 1, sizeof *m->dacts);
    if (!m->params || !m->grads || !m->acts || !m->dacts || (m->n_bufs && !m->bufs) ||
        (m->n_counts && !m->counts))
        return 0;
    m->acts[0] = malloc(m->max_batch * m->input_dim * sizeof(float));
    /* dacts[0] is only needed when the first module has parameters (its backward pass
     * writes an input gradient on the way to its parameter gradients). */
    if (n > 0 && m->modules[0].np)
        m->dacts[0] = malloc(m->max_batch * m->input_dim * sizeof(float));
    return m->acts[0] && !(n > 0 && m->modules[0].np && !m->dacts[0]);
}

nn_status nn_model_plan(nn_model *m, const nn_module_spec *mods, size_t n, size_t input_dim,
                        nn_error *err)
{
    memset(m, 0, sizeof *m);
    m->n_modules = n;
    m->input_dim = input_dim;
    m->modules = calloc(n ? n : 1, sizeof *m->modules);
    if (!m->modules)
        return nn_fail(err, NN_ESYS, "out of memory planning the model");
    plan_modules(m, mods);
    return NN_OK;
}

nn_status nn_model_build(nn_model *m, const nn_module_spec *mods, size_t n, size_t input_dim,
                         size_t max_batch, size_t state_per_param, int threads, nn_rng *rng,
                         nn_error *err)
{
    memset(m, 0, sizeof *m);
    nn_status st = nn_gemm_create(&m->gemm, NULL, threads, err);
    if (st != NN_OK)
        return st;
    m->n_modules = n;
    m->input_dim = input_dim;
    m->max_batch = max_batch;
    m->modules = calloc(n ? n : 1, sizeof *m->modules);
    if (!m->modules)
        goto oom;
    plan_modules(m, mods);
    st = check_model_size(m, state_per_param, err);
    if (st != NN_OK) {
        nn_model_free(m);
        return st;
    }
    if (!alloc_buffers(m))
        goto oom;
    size_t off[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        if (!place_module(m, mods, i, off, rng))
            goto oom;
    return NN_OK;
oom:
    nn_model_free(m);
    return nn_fail(err, NN_ESYS, "out of memory building the model");
}

const float *nn_model_forward(nn_model *m, size_t rows, nn_mode mode)
{
    return nn_model_forward_upto(m, rows, m->n_modules, mode);
}

/* Whether module i + 1 (< upto) is elementwise and so runs inside module i's product. */
static const nn_module *fused_after(const nn_model *m, size_t i, size_t upto)
{
    const nn_module *mod = &m->modules[i];
    if (!mod->def->product || i + 1 >= upto || !m->modules[i + 1].def->forward_cols)
        return NULL;
    return &m->modules[i + 1];
}

const float *nn_model_forward_upto(nn_model *m, size_t rows, size_t upto, nn_mode mode)
{
    upto = upto < m->n_modules ? upto : m->n_modules;
    for (size_t i = 0; i < upto; i++) {
        nn_module *mod = &m->modules[i];
        const nn_module *next = fused_after(m, i, upto);
        nn_fwd f = {.gemm = m->gemm, .x = m->acts[i], .y = m->acts[i + 1], .rows = rows,
                    .mode = mode, .fuse = next, .fuse_out = next ? m->acts[i + 2] : NULL};
        mod->def->forward(mod, &f);
        if (next)
            i++;
    }
    return m->acts[upto];
}

/* The elementwise module in front of product module i whose input gradient the product
 * may write as it goes: it has no parameters and is not the first module (whose input
 * gradient nothing needs). */
static const nn_module *fused_before(const nn_model *m, size_t i)
{
    if (!m->modules[i].def->product || i < 2)
        return NULL;
    const nn_module *prev = &m->modules[i - 1];
    return prev->def->backward_cols && !prev->np ? prev : NULL;
}

void nn_model_backward(nn_model *m, size_t rows, nn_param_update update, void *update_ctx)
{
    for (size_t i = m->n_modules; i-- > 0;) {
        nn_module *mod = &m->modules[i];
        if (i == 0 && !mod->np && !mod->def->product)
            continue; /* no gradient is needed for the input data */
        const nn_module *prev = fused_before(m, i);
        nn_bwd b = {.gemm = m->gemm, .x = m->acts[i], .y = m->acts[i + 1],
                    .dy = m->dacts[i + 1], .dx = i > 0 || mod->np ? m->dacts[i] : NULL,
                    .rows = rows, .fuse = prev, .fuse_in = prev ? m->acts[i - 1] : NULL,
                    .dfuse_in = prev ? m->dacts[i - 1] : NULL, .update = update,
                    .update_ctx = update_ctx, .params = m->params};
        if (mod->def->product && i == 0)
            b.dx = NULL;
        mod->def->backward(mod, &b);
        if (update && mod->np && !mod->def->update_ranges) {
            size_t lo = (size_t)(mod->p - m->params);
            update(update_ctx, lo, lo + mod->np);
        }
        if (prev)
            i--;
    }
}

size_t nn_model_tensors(const nn_model *m, nn_tensor *out, char (*names)[NN_TENSOR_NAME],
                        size_t *param_offset)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n_modules; i++) {
        const nn_module *mod = &m->modules[i];
        nn_layer_tensor lt[NN_LAYER_MAX_TENSORS];
        size_t n = mod->def->tensors ? mod->def->tensors(mod, lt) : 0;
        assert(n <= NN_LAYER_MAX_TENSORS);
        for (size_t t = 0; t < n; t++, k++) {
            const nn_layer_tensor *l = &lt[t];
            int param = l->role == NN_PARAM;
            if (param_offset)
                param_offset[k] = param ? (size_t)(mod->p - m->params) + l->offset : SIZE_MAX;
            if (!out)
                continue;
            snprintf(names[k], NN_TENSOR_NAME, "%zu.%s", i, l->suffix);
            void *data = NULL; /* a planned model has no buffers */
            if (param && mod->p)
                data = mod->p + l->offset;
            else if (!param && l->dtype == NN_I64 && mod->count)
                data = mod->count + l->offset;
            else if (!param && l->dtype != NN_I64 && mod->buf)
                data = mod->buf + l->offset;
            out[k] = (nn_tensor){.name = names[k],
                                 .dtype = param ? NN_F32 : l->dtype,
                                 .ndim = l->ndim,
                                 .shape = {l->shape[0], l->shape[1]},
                                 .n = l->n,
                                 .data = data};
        }
    }
    return k;
}
