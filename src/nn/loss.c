/* loss.c - softmax cross-entropy. */
#include "nn/loss.h"

#include <math.h>

double nn_softmax_xent(const float *logits, const int32_t *labels, size_t rows, size_t c,
                       float *dlogits, size_t grad_rows, size_t *correct)
{
    double total = 0.0;
    size_t hits = 0;
    for (size_t r = 0; r < rows; r++) {
        const float *z = logits + r * c;
        size_t arg = 0;
        for (size_t j = 1; j < c; j++)
            if (z[j] > z[arg])
                arg = j;
        double zmax = z[arg], sum = 0.0;
        for (size_t j = 0; j < c; j++)
            sum += exp((double)z[j] - zmax);
        double lse = zmax + log(sum);
        size_t y = (size_t)labels[r];
        total += lse - (double)z[y];
        hits += arg == y;
        if (dlogits) {
            float *dz = dlogits + r * c;
            double inv = 1.0 / (double)grad_rows;
            for (size_t j = 0; j < c; j++)
                dz[j] = (float)((exp((double)z[j] - lse) - (j == y ? 1.0 : 0.0)) * inv);
        }
    }
    if (correct)
        *correct += hits;
    return total;
}
