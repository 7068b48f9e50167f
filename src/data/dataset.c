/* dataset.c - freeing a data set, its pixel statistics, and float batch assembly. */
#include "nn/dataset.h"

#include "nn/vec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* One sample: a plain counted loop over restrict pointers that the compiler vectorizes
 * (uint8 -> float, subtract, divide: the same IEEE operations as the scalar code). */
NN_VECTORIZE static void convert_row(const uint8_t *restrict p, size_t dim, float mean, float std,
                                     float *restrict x)
{
    for (size_t j = 0; j < dim; j++)
        x[j] = ((float)p[j] / 255.0f - mean) / std;
}

void nn_batch_fill(const nn_dataset *ds, const size_t *idx, size_t count, nn_norm norm, float *x,
                   int32_t *y)
{
    const size_t dim = ds->dim;
    for (size_t i = 0; i < count; i++) {
        convert_row(ds->pixels + idx[i] * dim, dim, norm.mean, norm.std, x + i * dim);
        if (y != NULL)
            y[i] = ds->labels[idx[i]];
    }
}
