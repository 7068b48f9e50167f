/* dataset.c - freeing a data set, its pixel statistics, and float batch assembly. */
#include "data/dataset.h"

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
    free(ds->pixels_block ? ds->pixels_block : ds->pixels);
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

/* x / 255 and then (x - mean) / std, each division as a product with the reciprocal
 * refined by one exact residual: q = x * r, q += (x - q * d) * r. That is the correctly
 * rounded quotient for nearly every input; nn_norm_make checks all 256 and keeps the table
 * when any differs. The same operations as convert_row_arith's, one lane at a time. */
static float norm_arith(float x, float mean, float std)
{
    const float r255 = 1.0f / 255.0f, rstd = 1.0f / std;
    float q = x * r255;
    q = fmaf(fmaf(-q, 255.0f, x), r255, q);
    float u = q - mean, w = u * rstd;
    return fmaf(fmaf(-w, std, u), rstd, w);
}

nn_norm nn_norm_make(float mean, float std)
{
    nn_norm n = {.mean = mean, .std = std, .arith_exact = 1};
    for (int p = 0; p < 256; p++) {
        n.value[p] = ((float)p / 255.0f - mean) / std;
        float a = norm_arith((float)p, mean, std);
        if (memcmp(&a, &n.value[p], sizeof a) != 0)
            n.arith_exact = 0;
    }
    return n;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* 16 pixels at a time, computed (norm_arith) where that is exact for every pixel value. */
__attribute__((target("avx512f"))) static void convert_row_arith(const uint8_t *restrict p,
                                                                 size_t dim,
                                                                 const nn_norm *restrict norm,
                                                                 float *restrict x)
{
    const __m512 d255 = _mm512_set1_ps(255.0f), r255 = _mm512_set1_ps(1.0f / 255.0f);
    const __m512 mean = _mm512_set1_ps(norm->mean), std = _mm512_set1_ps(norm->std);
    const __m512 rstd = _mm512_set1_ps(1.0f / norm->std);
    size_t j = 0;
    for (; j + 16 <= dim; j += 16) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
        __m512 v = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes));
        __m512 q = _mm512_mul_ps(v, r255);
        q = _mm512_fmadd_ps(_mm512_fnmadd_ps(q, d255, v), r255, q);
        __m512 u = _mm512_sub_ps(q, mean), w = _mm512_mul_ps(u, rstd);
        w = _mm512_fmadd_ps(_mm512_fnmadd_ps(w, std, u), rstd, w);
        _mm512_storeu_ps(x + j, w);
    }
    for (; j < dim; j++)
        x[j] = norm->value[p[j]];
}
#endif

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

/* How a batch's pixels are converted: all give the table's values. */
enum { CONVERT_TABLE, CONVERT_GATHER, CONVERT_COMPUTED };

/* One sample. */
static void convert_row(const uint8_t *restrict p, size_t dim, const nn_norm *restrict norm,
                        float *restrict x, int how)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (how == CONVERT_COMPUTED) {
        convert_row_arith(p, dim, norm, x);
        return;
    }
    if (how == CONVERT_GATHER) {
        convert_row512(p, dim, norm->value, x);
        return;
    }
#else
    (void)how;
#endif
    for (size_t j = 0; j < dim; j++)
        x[j] = norm->value[p[j]];
}

/* Asks for a sample's pixels ahead of use, one request per 64-byte line: for use soon
 * (to_l2 = 0), or into L2 for the next batch. */
static void prefetch_row(const uint8_t *p, size_t dim, int to_l2)
{
#if defined(__GNUC__)
    for (size_t j = 0; j < dim; j += 64) {
        if (to_l2)
            __builtin_prefetch(p + j, 0, 2);
        else
            __builtin_prefetch(p + j, 0, 0);
    }
    if (to_l2)
        __builtin_prefetch(p + dim - 1, 0, 2);
    else
        __builtin_prefetch(p + dim - 1, 0, 0);
#else
    (void)p, (void)dim, (void)to_l2;
#endif
}

/* Rows prefetched ahead (samples come in random order). A row is 13 lines: more rows
 * ahead than this run out of the core's line fill buffers, and the prefetches stall. */
enum { AHEAD = 2 };

/* Rows of the next batch asked for into L2 while the current batch is computed, so that
 * assembling it finds them there. */
enum { NEXT_ROWS = 32 };

void nn_batch_prefetch(const nn_dataset *ds, const size_t *idx, size_t count)
{
    for (size_t i = 0; i < count && i < NEXT_ROWS; i++)
        prefetch_row(ds->pixels + idx[i] * ds->dim, ds->dim, 1);
}

void nn_batch_fill(const nn_dataset *ds, const size_t *idx, size_t count, const nn_norm *norm,
                   float *x, int32_t *y)
{
    const size_t dim = ds->dim;
    int how = CONVERT_TABLE;
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx512f"))
        how = norm->arith_exact ? CONVERT_COMPUTED : CONVERT_GATHER;
#endif
    if (y != NULL) /* first: independent loads, whose cache misses overlap */
        for (size_t i = 0; i < count; i++)
            y[i] = ds->labels[idx[i]];
    for (size_t i = 0; i < count && i < AHEAD; i++)
        prefetch_row(ds->pixels + idx[i] * dim, dim, 0);
    for (size_t i = 0; i < count; i++) {
        if (i + AHEAD < count)
            prefetch_row(ds->pixels + idx[i + AHEAD] * dim, dim, 0);
        convert_row(ds->pixels + idx[i] * dim, dim, norm, x + i * dim, how);
    }
}
