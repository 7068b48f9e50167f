/* dead.c - counting units whose pre-activation is never > 0 over a probe set. */
#include "run/dead.h"

#include <stdlib.h>
#include <string.h>

void nn_dead_free(nn_dead *d)
{
    if (d->alive)
        for (size_t i = 0; i < d->n_modules; i++)
            free(d->alive[i]);
    free(d->alive);
    free(d->dead);
    free(d->width);
    memset(d, 0, sizeof *d);
}

nn_status nn_dead_init(nn_dead *d, const nn_model *m, nn_error *err)
{
    memset(d, 0, sizeof *d);
    size_t n = m->n_modules ? m->n_modules : 1;
    d->n_modules = m->n_modules;
    d->dead = calloc(n, sizeof *d->dead);
    d->width = calloc(n, sizeof *d->width);
    d->alive = calloc(n, sizeof *d->alive);
    if (!d->dead || !d->width || !d->alive)
        goto oom;
    for (size_t i = 0; i < m->n_modules; i++) {
        if (!m->modules[i].act)
            continue;
        d->width[i] = m->modules[i].out;
        d->alive[i] = calloc(d->width[i], 1);
        if (!d->alive[i])
            goto oom;
        d->total += d->width[i];
    }
    return NN_OK;
oom:
    nn_dead_free(d);
    return nn_fail(err, NN_ESYS, "out of memory for the dead-unit probe");
}

void nn_dead_reset(nn_dead *d)
{
    for (size_t i = 0; i < d->n_modules; i++)
        if (d->alive[i])
            memset(d->alive[i], 0, d->width[i]);
    memset(d->dead, 0, d->n_modules * sizeof *d->dead);
    d->dead_total = 0;
}

int nn_dead_observe(nn_dead *d, const nn_model *m, size_t rows)
{
    for (size_t i = 0; i < d->n_modules; i++) {
        uint8_t *alive = d->alive[i];
        if (!alive)
            continue;
        const size_t w = d->width[i];
        const float *x = m->acts[i]; /* the activation's input: the pre-activation */
        for (size_t r = 0; r < rows; r++) {
            const float *xr = x + r * w;
            /* A float is finite iff x - x == 0; checked on the whole row at once. */
            float finite = 0.0f;
            for (size_t j = 0; j < w; j++) {
                finite += xr[j] - xr[j];
                alive[j] |= xr[j] > 0.0f;
            }
            if (finite != 0.0f) { /* NaN != 0 too */
                d->bad_module = i;
                return -1;
            }
        }
    }
    return 0;
}

void nn_dead_finish(nn_dead *d)
{
    d->dead_total = 0;
    for (size_t i = 0; i < d->n_modules; i++) {
        size_t count = 0;
        for (size_t j = 0; j < d->width[i]; j++)
            count += !d->alive[i][j];
        d->dead[i] = count;
        d->dead_total += count;
    }
}
