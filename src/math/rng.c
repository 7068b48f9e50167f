/* rng.c - xoshiro256** (Blackman & Vigna), seeded by splitmix64. */
#include "math/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void nn_rng_seed(nn_rng *rng, uint64_t seed, uint64_t stream)
{
    /* Mix the stream into the seed so streams are unrelated sequences. */
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

uint64_t nn_rng_below(nn_rng *rng, uint64_t bound)
{
    /* Reject the lowest (2^64 mod bound) values so every residue is equally likely. */
    uint64_t threshold = (0 - bound) % bound;
    uint64_t r;
    do
        r = nn_rng_next(rng);
    while (r < threshold);
    return r % bound;
}

double nn_rng_normal(nn_rng *rng)
{
    /* Box-Muller; one of the pair is used so the sequence has no hidden cached value. */
    double u1 = 1.0 - nn_rng_uniform(rng); /* (0, 1]: log is finite */
    double u2 = nn_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925286766559 * u2);
}

void nn_rng_shuffle(nn_rng *rng, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)nn_rng_below(rng, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
