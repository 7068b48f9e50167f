/* lanes.c - the lane-major mode of the model's forward pass (model.h): narrow layers keep
 * sixteen rows in the lanes of one vector from one product to the next, with no transpose
 * per layer. */
#include <assert.h>

#include "math/vec.h"
#include "nn/layer/model.h"

enum { MAX_BLOCKS = (NN_LANES_MAX_ROWS + 15) / 16 };

int nn_model_lanes(const nn_model *m)
{
    if (m->n_modules < 3 || !m->modules[0].def->product || !m->modules[1].def->forward_cols)
        return 0;
    for (size_t i = 2; i < m->n_modules; i++) {
        const nn_module *d = &m->modules[i];
        int product_here = i % 2 == 0, last = i + 1 == m->n_modules;
        if (product_here != d->def->product || (last && !d->def->product))
            return 0;
        if (d->def->product && (!d->def->forward_lanes || d->in > 16 || d->out > 16))
            return 0;
        if (!d->def->product &&
            (!d->def->forward_cols || d->np > 1 || (d->act && d->act->count_active)))
            return 0;
    }
    /* The kernel has the path: a product of one input and no outputs costs nothing. */
    float zero[16] = {0}, out[16];
    const nn_module *d = &m->modules[2];
    nn_module probe = *d;
    probe.in = 1, probe.out = 0, probe.b = NULL, probe.w = zero;
    return d->def->forward_lanes(&probe, m->gemm, zero, out, 1);
}

/* rows rows of width w into blocks of sixteen held lane-major (block b, column l at
 * at[(b * w + l) * 16]); the lanes past the last row are 0. */
NN_VECTORIZE static void rows_to_lanes(const float *restrict x, size_t rows, size_t w,
                                       float *restrict at)
{
    size_t blocks = (rows + 15) / 16;
    for (size_t b = 0; b < blocks; b++)
        for (size_t r = 0; r < 16; r++) {
            size_t q = 16 * b + r;
            for (size_t l = 0; l < w; l++)
                at[(b * w + l) * 16 + r] = q < rows ? x[q * w + l] : 0.0f;
        }
}

/* The reverse for the first rows rows (n columns). */
NN_VECTORIZE static void lanes_to_rows(const float *restrict ct, size_t rows, size_t n,
                                       float *restrict y)
{
    for (size_t q = 0; q < rows; q++)
        for (size_t j = 0; j < n; j++)
            y[q * n + j] = ct[((q >> 4) * n + j) * 16 + (q & 15)];
}

int nn_model_forward_lanes(nn_model *m, size_t rows, nn_lanes_observe observe, void *ctx)
{
    const size_t n_mod = m->n_modules, w1 = m->modules[1].out;
    const size_t blocks = (rows + 15) / 16, last = rows - 16 * (blocks - 1);
    static_assert(MAX_BLOCKS * 16 * 16 * sizeof(float) <= 64 * 1024, "two buffers on the stack");
    float at[MAX_BLOCKS * 16 * 16], ct[MAX_BLOCKS * 16 * 16];
    rows_to_lanes(m->acts[2], rows, w1, at);
    for (size_t i = 2; i < n_mod; i += 2) {
        const nn_module *d = &m->modules[i];
        d->def->forward_lanes(d, m->gemm, at, ct, blocks);
        if (i + 1 == n_mod) { /* the logits, back to rows */
            lanes_to_rows(ct, rows, d->out, m->acts[n_mod]);
            break;
        }
        const nn_module *a = &m->modules[i + 1];
        if (observe && observe(ctx, i + 1, ct, blocks, last) != 0)
            return -1;
        /* elementwise without per-unit parameters: the lanes as blocks x 16 rows */
        a->def->forward_cols(a, ct, at, 0, blocks * 16, d->out, NN_EVAL);
    }
    return 0;
}
