/* dense.c - the dense (fully connected) layer, torch.nn.Linear:
 *   y = x W^T + b          W [units x in] (PyTorch's layout), b [units]
 *   dx = dy W,  dW = dy^T x,  db = sum over rows of dy
 * Every product goes through nn_gemm_ex. The elementwise module after it runs inside the
 * product's epilogue on each finished block; the one in front of it (without parameters)
 * gets its input gradient the same way; each weight tile's gradient is handed to the
 * optimizer as soon as it is final, on the thread and while in cache. */
#include <stdio.h>
#include <string.h>

#include "math/vec.h"
#include "nn/init.h"
#include "nn/layer/dense.h"
#include "nn/layer/layer.h"

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

/* Rows of a block of width cols in a matrix of width ldc that one elementwise call can
 * take: all of them when they are whole rows (contiguous), else one. */
static size_t rows_per_call(size_t rows, size_t cols, size_t ldc)
{
    return cols == ldc ? rows : 1;
}

/* The epilogue of the forward product: the layer and its pass. */
typedef struct fwd_block {
    const nn_module *d;
    const nn_fwd *f;
} fwd_block;

/* Each finished block of the output: + bias, then the fused module into its own output.
 * Every element gets exactly the operations the separate passes would give it. */
static void forward_block_done(void *ctx, size_t i0, size_t j0, size_t rows, size_t cols,
                               float *c, size_t ldc)
{
    const fwd_block *fb = ctx;
    const float *b = fb->d->b;
    const nn_fwd *f = fb->f;
    if (b && cols == ldc)
        add_bias_rows(c, b + j0, rows, cols);
    else if (b)
        for (size_t r = 0; r < rows; r++)
            add_bias_row(c + r * ldc, b + j0, cols);
    const size_t span = rows_per_call(rows, cols, ldc);
    if (f->fuse)
        for (size_t r = 0; r < rows; r += span)
            f->fuse->def->forward_cols(f->fuse, c + r * ldc, f->fuse_out + (i0 + r) * ldc + j0,
                                       j0, span, cols, f->mode);
}

static void dense_forward(nn_module *d, const nn_fwd *f)
{
    fwd_block fb = {d, f};
    nn_gemm_ex(f->gemm, NN_NO_TRANS, NN_TRANS, f->rows, d->out, d->in, 1.0f, f->x, d->in, d->w,
               d->in, 0.0f, f->y, d->out, NN_SPLIT_COLS,
               d->b || f->fuse ? forward_block_done : NULL, &fb);
}

/* ct[(b * n + j) * 16 + r] += bias[j]: the same float addition the row-major pass makes. */
NN_VECTORIZE static void add_bias_lanes(float *restrict ct, const float *restrict bias,
                                        size_t blocks, size_t n)
{
    for (size_t b = 0; b < blocks; b++)
        for (size_t j = 0; j < n; j++) {
            const float v = bias[j];
            float *c = ct + (b * n + j) * 16;
            for (size_t r = 0; r < 16; r++)
                c[r] += v;
        }
}

static int dense_forward_lanes(const nn_module *d, nn_gemm_ctx *g, const float *xt, float *yt,
                               size_t blocks)
{
    const size_t k = d->in, n = d->out;
    for (size_t b = 0; b < blocks; b++)
        if (!nn_gemm_dots_lanes(g, k, n, xt + b * k * 16, d->w, k, yt + b * n * 16))
            return 0;
    if (d->b)
        add_bias_lanes(yt, d->b, blocks, n);
    return 1;
}

/* The epilogue of the weight-gradient product: each finished tile goes to the update. */
typedef struct tile_update {
    const nn_module *d;
    const nn_bwd *b;
} tile_update;

static void weight_tile_done(void *ctx, size_t i0, size_t j0, size_t rows, size_t cols,
                             float *c, size_t ldc)
{
    (void)c, (void)ldc;
    const tile_update *u = ctx;
    size_t base = (size_t)(u->d->w - u->b->params);
    if (j0 == 0 && cols == u->d->in) { /* whole rows: one contiguous range */
        u->b->update(u->b->update_ctx, base + i0 * cols, base + (i0 + rows) * cols);
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        size_t lo = base + (i0 + r) * u->d->in + j0;
        u->b->update(u->b->update_ctx, lo, lo + cols);
    }
}

/* The epilogue of the input-gradient product: the fused module in front turns each
 * finished block of dX into the gradient of its own input, dfuse_in = dX * f'(fuse_in). */
static void backward_block_done(void *ctx, size_t i0, size_t j0, size_t rows, size_t cols,
                                float *c, size_t ldc)
{
    const nn_bwd *b = ctx;
    const size_t span = rows_per_call(rows, cols, ldc);
    for (size_t r = 0; r < rows; r += span) {
        size_t off = (i0 + r) * ldc + j0;
        b->fuse->def->backward_cols(b->fuse, b->fuse_in + off, c + r * ldc, b->dfuse_in + off,
                                    j0, span, cols);
    }
}

/* dX = dY W (before W changes; skipped when dx is NULL), dW = dY^T X (each tile handed to
 * the update as it is finished), db = sum_rows dY. */
static void dense_backward(nn_module *d, const nn_bwd *b)
{
    if (b->dx)
        nn_gemm_ex(b->gemm, NN_NO_TRANS, NN_NO_TRANS, b->rows, d->in, d->out, 1.0f, b->dy, d->out,
                   d->w, d->in, 0.0f, b->dx, d->in, NN_SPLIT_COLS,
                   b->fuse ? backward_block_done : NULL, (void *)b);
    tile_update u = {d, b};
    nn_gemm_ex(b->gemm, NN_TRANS, NN_NO_TRANS, d->out, d->in, b->rows, 1.0f, b->dy, d->out, b->x,
               d->in, 0.0f, d->dw, d->in, NN_SPLIT_ROWS, b->update ? weight_tile_done : NULL, &u);
    if (d->db) {
        sum_rows(d->db, b->dy, b->rows, d->out);
        if (b->update) {
            size_t lo = (size_t)(d->b - b->params);
            b->update(b->update_ctx, lo, lo + d->out);
        }
    }
}

static int dense_validate(const nn_module_spec *s, const char **key, char *msg, size_t len)
{
    if (!s->given[NN_DENSE_BIAS_INIT] || s->hp[NN_DENSE_BIAS] != 0.0)
        return 0;
    *key = "bias_init";
    snprintf(msg, len, "given, but this layer has \"bias\": false");
    return 1;
}

static nn_layer_size dense_size(const nn_module_spec *s, size_t in)
{
    size_t units = (size_t)s->hp[NN_DENSE_UNITS];
    return (nn_layer_size){.out = units,
                           .params = units * in + (s->hp[NN_DENSE_BIAS] != 0.0 ? units : 0)};
}

static void dense_place(nn_module *m)
{
    m->w = m->p;
    m->dw = m->dp;
    size_t nw = m->out * m->in;
    m->b = m->np > nw ? m->p + nw : NULL;
    m->db = m->np > nw ? m->dp + nw : NULL;
}

static size_t dense_tensors(const nn_module *m, nn_layer_tensor *out)
{
    out[0] = (nn_layer_tensor){.suffix = "weight", .ndim = 2, .shape = {m->out, m->in},
                               .n = m->out * m->in};
    if (m->np == m->out * m->in) /* no bias (read from the sizes: a planned module has no b) */
        return 1;
    out[1] = (nn_layer_tensor){.suffix = "bias", .ndim = 1, .shape = {m->out}, .n = m->out,
                               .offset = m->out * m->in};
    return 2;
}

/* The init and gain: from the activation that follows (he_normal with its gain, or its own
 * default such as lecun_normal for SELU), unless "init" is given. */
static void dense_init(nn_module *m, const nn_module_spec *s, const nn_module_spec *next,
                       nn_rng *rng)
{
    const nn_act_def *act = next ? next->act : NULL;
    double gain = act ? act->gain(next->hp) : 1.0;
    nn_init_kind kind = (nn_init_kind)(int)s->hp[NN_DENSE_INIT];
    if (kind == NN_INIT_AUTO)
        kind = act && act->dense_init ? nn_init_from_name(act->dense_init) : NN_INIT_HE_NORMAL;
    nn_init_dense(m->w, m->b, m->out, m->in, kind, gain, s->hp[NN_DENSE_BIAS_INIT],
                  s->given[NN_DENSE_BIAS_INIT], rng);
}

static void init_choices(const char **out, size_t cap)
{
    nn_init_names(out, cap);
}

const nn_layer_def nn_layer_dense = {
    .name = "dense",
    .doc = "a fully connected layer, torch.nn.Linear",
    .n_keys = 4,
    .keys = {{.name = "units", .kind = NN_HP_SIZE, .flags = NN_HP_REQUIRED, .min = 1,
              .max = 1048576, .doc = "outputs of the layer: y = W x + b, W is units x inputs"},
             {.name = "bias", .kind = NN_HP_BOOL, .def = 1, .doc = "whether the layer has the bias b"},
             {.name = "init", .kind = NN_HP_ENUM, .list = init_choices, .base = NN_INIT_HE_NORMAL,
              .def = NN_INIT_AUTO, .def_doc = "the activation after the layer picks it (see below)",
              .doc = "how the weights (and with torch_default the bias) are drawn"},
             {.name = "bias_init", .min = -1e6, .max = 1e6,
              .doc = "the value every bias starts at; an error with \"bias\": false"}},
    .validate = dense_validate,
    .size = dense_size,
    .place = dense_place,
    .tensors = dense_tensors,
    .init = dense_init,
    .forward = dense_forward,
    .forward_lanes = dense_forward_lanes,
    .backward = dense_backward,
    .product = 1,
    .update_ranges = 1,
    .torch = "torch.nn.Linear({in}, {units}, bias={bias})",
};
