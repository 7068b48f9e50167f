/* dataset.c - freeing a data set, its pixel statistics, and float batch assembly. */
#include "nn/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

void nn_dataset_free(nn_dataset *ds)
{
    if (ds == NULL)
        return;
    free(ds->pixels);
    free(ds->labels);
    if (ds->class_names != NULL)
        for (size_t c = 0; c < ds->n_classes; c++)
            free(ds->class_names[c]);
    free(ds->class_names);
    memset(ds, 0, sizeof *ds);
}

/* Pixels are uint8, so a 256-bin histogram (exact integer counts) holds everything the
 * two moments need. The mean and the centred second moment are then summed in double
 * over 256 bins: exact counts, no catastrophic cancellation, one pass over the data. */
void nn_dataset_stats(const nn_dataset *ds, double *mean, double *std)
{
    double m = 0.0, s = 0.0;
    size_t total = ds != NULL && ds->pixels != NULL ? ds->n * ds->dim : 0;

    if (total > 0) {
        uint64_t hist[256] = {0};
        const uint8_t *p = ds->pixels;
        for (size_t i = 0; i < total; i++)
            hist[p[i]]++;

        double sum = 0.0;
        for (unsigned v = 0; v < 256; v++)
            sum += (double)hist[v] * (v / 255.0);
        m = sum / (double)total;

        double ss = 0.0;
        for (unsigned v = 0; v < 256; v++) {
            double d = v / 255.0 - m;
            ss += (double)hist[v] * d * d;
        }
        s = sqrt(ss / (double)total);
    }
    if (mean != NULL)
        *mean = m;
    if (std != NULL)
        *std = s;
}

nn_norm nn_norm_make(float mean, float std)
{
    nn_norm n = {.mean = mean, .std = std};
    for (int p = 0; p < 256; p++)
        n.value[p] = ((float)p / 255.0f - mean) / std;
    return n;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* 16 pixels at a time: widen the bytes to indices, gather their values. */
__attribute__((target("avx512f"))) static void convert_row512(const uint8_t *restrict p,
                                                              size_t dim,
                                                              const float *restrict value,
                                                              float *restrict x)
{
    size_t j = 0;
    for (; j + 16 <= dim; j += 16) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
        _mm512_storeu_ps(x + j, _mm512_i32gather_ps(_mm512_cvtepu8_epi32(bytes), value, 4));
    }
    for (; j < dim; j++)
        x[j] = value[p[j]];
}
#endif

/* One sample by table lookup: the same values as computing each pixel. */
static void convert_row(const uint8_t *restrict p, size_t dim, const float *restrict value,
                        float *restrict x, int wide)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (wide) {
        convert_row512(p, dim, value, x);
        return;
    }
#else
    (void)wide;
#endif
    for (size_t j = 0; j < dim; j++)
        x[j] = value[p[j]];
}

/* Asks for a sample's pixels ahead of use, one request per 64-byte line. */
static void prefetch_row(const uint8_t *p, size_t dim)
{
#if defined(__GNUC__)
    for (size_t j = 0; j < dim; j += 64)
        __builtin_prefetch(p + j, 0, 0);
    __builtin_prefetch(p + dim - 1, 0, 0);
#else
    (void)p, (void)dim;
#endif
}

enum { AHEAD = 4 }; /* rows prefetched ahead: samples come in random order */

void nn_batch_prefetch(const nn_dataset *ds, const size_t *idx, size_t count)
{
    for (size_t i = 0; i < count && i < AHEAD; i++)
        prefetch_row(ds->pixels + idx[i] * ds->dim, ds->dim);
}

void nn_batch_fill(const nn_dataset *ds, const size_t *idx, size_t count, const nn_norm *norm,
                   float *x, int32_t *y)
{
    const size_t dim = ds->dim;
    int wide = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    wide = __builtin_cpu_supports("avx512f");
#endif
    for (size_t i = 0; i < count && i < AHEAD; i++)
        prefetch_row(ds->pixels + idx[i] * dim, dim);
    for (size_t i = 0; i < count; i++) {
        if (i + AHEAD < count)
            prefetch_row(ds->pixels + idx[i + AHEAD] * dim, dim);
        convert_row(ds->pixels + idx[i] * dim, dim, norm->value, x + i * dim, wide);
        if (y != NULL)
            y[i] = ds->labels[idx[i]];
    }
}
