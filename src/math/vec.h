/* vec.h - NN_VECTORIZE marks a hot elementwise loop to be compiled several times (AVX-512,
 * AVX2, baseline x86-64); the loader picks the best clone for the CPU, so one binary runs
 * everywhere and uses the vector width it finds. Without GCC-style ifunc support the
 * marker is empty and the baseline build is used. Clones compute the same values as the
 * baseline (no FMA contraction in ISO C mode, no reassociation). */
#ifndef NN_VEC_H
#define NN_VEC_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) &&   \
    !defined(__SANITIZE_ADDRESS__)
#define NN_VECTORIZE __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_VECTORIZE
#endif

#endif
