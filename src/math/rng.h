/* rng.h - a seeded random generator with explicit state (xoshiro256**, seeded through
 * splitmix64). No hidden global state: the same seed and stream give the same numbers
 * on every platform. */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_rng {
    uint64_t s[4];
} nn_rng;

/* Independent streams from one seed: e.g. stream 1 for init, 2 for shuffling. */
void nn_rng_seed(nn_rng *rng, uint64_t seed, uint64_t stream);
/* The next 64 random bits (xoshiro256**; inline: the normal draws of an init call it twice
 * per value). */
static inline uint64_t nn_rng_next(nn_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double nn_rng_uniform(nn_rng *rng)
{
    return (double)(nn_rng_next(rng) >> 11) * 0x1.0p-53;
}
/* Uniform integer in [0, bound), unbiased (rejection of the short top range); bound > 0. */
uint64_t nn_rng_below(nn_rng *rng, uint64_t bound);
/* Standard normal (Box-Muller in double precision). */
double nn_rng_normal(nn_rng *rng);
/* out[i] = (float)(scale * nn_rng_normal(rng)) for i = 0, 1, ..., n-1, bit for bit, many
 * at a time (normal.c). */
void nn_rng_normal_floats(nn_rng *rng, double scale, float *out, size_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void nn_rng_shuffle(nn_rng *rng, size_t *idx, size_t n);

#endif
