/* split.c - the validation split: which training samples are held out. */
#include "data/dataset.h"

#include <stdlib.h>

#include "math/rng.h"

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

void nn_split_indices(size_t n, size_t n_val, nn_rng *rng, size_t *train_idx, size_t *val_idx)
{
    if (n_val > n)
        n_val = n;
    /* train_idx (n entries) is the scratch permutation; its first n_val are held out. */
    for (size_t i = 0; i < n; i++)
        train_idx[i] = i;
    if (n_val == 0)
        return;
    nn_rng_shuffle(rng, train_idx, n);
    for (size_t i = 0; i < n_val; i++)
        val_idx[i] = train_idx[i];
    qsort(val_idx, n_val, sizeof *val_idx, cmp_size);
    /* The rest, ascending: the complement of the sorted held-out list. */
    size_t w = 0, v = 0;
    for (size_t i = 0; i < n; i++) {
        if (v < n_val && val_idx[v] == i)
            v++;
        else
            train_idx[w++] = i;
    }
}
