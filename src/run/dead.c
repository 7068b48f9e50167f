/* dead.c - counting, per unit, the probe samples on which it is active (pre-activation
 * > 0, unless its activation has its own rule: count_active), and the range of every logit
 * over the same samples. */
#include "run/dead.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/vec.h"

void nn_dead_free(nn_dead *d)
{
    for (size_t i = 0; i < d->n_modules; i++) {
        if (d->active)
            free(d->active[i]);
        if (d->was_dead)
            free(d->was_dead[i]);
    }
    free(d->active);
    free(d->was_dead);
    free(d->dead);
    free(d->width);
    free(d->out_min);
    free(d->out_max);
    memset(d, 0, sizeof *d);
}

nn_status nn_dead_init(nn_dead *d, const nn_model *m, nn_error *err)
{
    memset(d, 0, sizeof *d);
    size_t n = m->n_modules ? m->n_modules : 1;
    d->n_modules = m->n_modules;
    d->out_dim = m->output_dim;
    d->dead = calloc(n, sizeof *d->dead);
    d->width = calloc(n, sizeof *d->width);
    d->active = calloc(n, sizeof *d->active);
    d->was_dead = calloc(n, sizeof *d->was_dead);
    d->out_min = malloc((d->out_dim ? d->out_dim : 1) * sizeof *d->out_min);
    d->out_max = malloc((d->out_dim ? d->out_dim : 1) * sizeof *d->out_max);
    if (!d->dead || !d->width || !d->active || !d->was_dead || !d->out_min || !d->out_max)
        goto oom;
    for (size_t i = 0; i < m->n_modules; i++) {
        if (!m->modules[i].def->probed || !m->modules[i].act)
            continue;
        d->width[i] = m->modules[i].out;
        d->active[i] = calloc(d->width[i], sizeof *d->active[i]);
        d->was_dead[i] = calloc(d->width[i], 1);
        if (!d->active[i] || !d->was_dead[i])
            goto oom;
        d->total += d->width[i];
    }
    nn_dead_reset(d);
    return NN_OK;
oom:
    nn_dead_free(d);
    return nn_fail(err, NN_ESYS, "out of memory for the dead-unit probe");
}

void nn_dead_reset(nn_dead *d)
{
    for (size_t i = 0; i < d->n_modules; i++)
        if (d->active[i])
            memset(d->active[i], 0, d->width[i] * sizeof *d->active[i]);
    memset(d->dead, 0, d->n_modules * sizeof *d->dead);
    for (size_t k = 0; k < d->out_dim; k++) {
        d->out_min[k] = INFINITY;
        d->out_max[k] = -INFINITY;
    }
    d->dead_total = 0;
    d->samples = 0;
    d->out_bad = 0;
    d->constant_output = 0;
}

/* Each logit's range over rows samples of the output; out_bad when one is not finite. */
static void observe_output(nn_dead *d, const float *y, size_t rows)
{
    const size_t k = d->out_dim;
    float finite = 0.0f;
    for (size_t r = 0; r < rows; r++) {
        const float *yr = y + r * k;
        for (size_t j = 0; j < k; j++) {
            finite += yr[j] - yr[j];
            d->out_min[j] = yr[j] < d->out_min[j] ? yr[j] : d->out_min[j];
            d->out_max[j] = yr[j] > d->out_max[j] ? yr[j] : d->out_max[j];
        }
    }
    if (finite != 0.0f)
        d->out_bad = 1;
}

/* Sixteen floats and sixteen counters as one value (GCC vector extensions: one AVX-512
 * register in the avx512f clone, four SSE registers in the baseline one). */
typedef float lanes_f __attribute__((vector_size(64)));
typedef int32_t lanes_i __attribute__((vector_size(64)));

/* count[j] += the rows whose x[r][j] > 0, for a width w that divides 16: sixteen lanes
 * run over the rows as one flat array (lane l always holds unit l % w), so a layer of 2 or
 * 8 units costs no loop of 2 or 8 per row. Returns -1 when an x is NaN or Inf. */
NN_VECTORIZE static int count_narrow(const float *restrict x, size_t rows, size_t w,
                                     uint32_t *restrict count)
{
    lanes_i lane = {0};
    lanes_f finite = {0};
    size_t n = rows * w, i = 0;
    for (; i + 16 <= n; i += 16) {
        lanes_f v;
        memcpy(&v, x + i, sizeof v);
        finite += v - v;
        lane -= v > 0.0f; /* a true comparison is -1 */
    }
    int32_t tail[16] = {0};
    float tail_finite = 0.0f;
    for (size_t l = 0; i < n; i++, l++) {
        tail_finite += x[i] - x[i];
        tail[l] += x[i] > 0.0f;
    }
    float all = tail_finite;
    for (size_t l = 0; l < 16; l++) {
        all += finite[l];
        count[l % w] += (uint32_t)(lane[l] + tail[l]);
    }
    return all != 0.0f ? -1 : 0; /* NaN != 0 too */
}

int nn_dead_observe_module(nn_dead *d, const nn_model *m, size_t i, size_t rows)
{
    uint32_t *count = d->active[i];
    if (!count)
        return 0;
    const size_t w = d->width[i];
    const float *x = m->acts[i]; /* the activation's input: the pre-activation */
    const nn_act_def *act = m->modules[i].act;
    if (act && act->count_active) /* its own rule of what "active" is */
        return act->count_active(x, rows, w, count) != 0 ? (d->bad_module = i, -1) : 0;
    if (w <= 16 && 16 % w == 0) /* narrow: the rows as one flat array */
        return count_narrow(x, rows, w, count) != 0 ? (d->bad_module = i, -1) : 0;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * w;
        /* A float is finite iff x - x == 0; checked on the whole row at once. */
        float finite = 0.0f;
        for (size_t j = 0; j < w; j++) {
            finite += xr[j] - xr[j];
            count[j] += xr[j] > 0.0f;
        }
        if (finite != 0.0f) { /* NaN != 0 too */
            d->bad_module = i;
            return -1;
        }
    }
    return 0;
}

/* count[j] += the lanes of unit j with x > 0 over blocks of sixteen rows held lane-major
 * (block b, unit j at xt[(b * w + j) * 16]); the last block has lanes valid lanes.
 * Returns -1 when a valid x is NaN or Inf. */
NN_VECTORIZE static int count_lanes(const float *restrict xt, size_t w, size_t blocks,
                                    size_t lanes, uint32_t *restrict count)
{
    lanes_f finite = {0};
    for (size_t j = 0; j < w; j++) {
        lanes_i active = {0};
        for (size_t b = 0; b < blocks; b++) {
            lanes_f v;
            memcpy(&v, xt + (b * w + j) * 16, sizeof v);
            lanes_i valid = {0};
            for (size_t r = 0; r < 16; r++)
                valid[r] = b + 1 < blocks || r < lanes ? -1 : 0;
            v = (lanes_f)((lanes_i)v & valid); /* invalid lanes: +0, neither active nor bad */
            finite += v - v;
            active -= v > 0.0f;
        }
        uint32_t sum = 0;
        for (size_t r = 0; r < 16; r++)
            sum += (uint32_t)active[r];
        count[j] += sum;
    }
    float all = 0.0f;
    for (size_t r = 0; r < 16; r++)
        all += finite[r];
    return all != 0.0f ? -1 : 0;
}

int nn_dead_observe_lanes(nn_dead *d, size_t i, const float *xt, size_t blocks, size_t lanes)
{
    if (count_lanes(xt, d->width[i], blocks, lanes, d->active[i]) != 0) {
        d->bad_module = i;
        return -1;
    }
    return 0;
}

void nn_dead_observe_logits(nn_dead *d, const float *y, size_t rows)
{
    observe_output(d, y, rows);
    d->samples += rows;
}

int nn_dead_observe(nn_dead *d, const nn_model *m, size_t rows)
{
    for (size_t i = 0; i < d->n_modules; i++)
        if (nn_dead_observe_module(d, m, i, rows) != 0)
            return -1;
    observe_output(d, m->acts[m->n_modules], rows);
    d->samples += rows;
    return 0;
}

/* Every logit's spread (max - min) within NN_CONSTANT_TOL x (1 + the largest |logit|). */
static int output_constant(const nn_dead *d)
{
    if (d->out_bad || d->samples == 0)
        return 0;
    double big = 0.0;
    for (size_t k = 0; k < d->out_dim; k++)
        big = fmax(big, fmax(fabs((double)d->out_min[k]), fabs((double)d->out_max[k])));
    const double tol = NN_CONSTANT_TOL * (1.0 + big);
    for (size_t k = 0; k < d->out_dim; k++)
        if ((double)d->out_max[k] - (double)d->out_min[k] > tol)
            return 0;
    return 1;
}

void nn_dead_finish(nn_dead *d)
{
    d->dead_total = 0;
    for (size_t i = 0; i < d->n_modules; i++) {
        size_t count = 0;
        for (size_t j = 0; j < d->width[i]; j++)
            count += d->active[i][j] == 0;
        d->dead[i] = count;
        d->dead_total += count;
    }
    d->constant_output = output_constant(d);
}

void nn_dead_record(nn_dead *d)
{
    size_t revived = 0;
    for (size_t i = 0; i < d->n_modules; i++)
        for (size_t j = 0; j < d->width[i]; j++) {
            uint8_t dead = d->active[i][j] == 0;
            d->was_dead[i][j] |= dead;
            revived += d->was_dead[i][j] && !dead;
        }
    double frac = d->total ? (double)d->dead_total / (double)d->total : 0.0;
    if (d->recorded == 0 || frac > d->max_dead_frac)
        d->max_dead_frac = frac;
    d->revived = revived;
    d->last_constant = d->constant_output;
    d->recorded++;
}
