/* gemm.c - SGEMM: packing into cache-sized panels, register-blocked micro-kernels
 * (AVX-512, AVX2+FMA, portable C) chosen at run time, OpenMP threads over output tiles.
 * The design and the measurements behind it are in docs/gemm.md. */
#include "math/gemm/gemm.h"

#include "math/fpmode.h"
#include "sys/cpu.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NN_X86 1
#endif
#ifdef NN_BLAS
#include <cblas.h>
#endif

#ifndef GEMM_KC
#define GEMM_KC 256
#endif

enum {
    KC = GEMM_KC, /* k per block: a KC x NR panel of B stays in L1 */
    MC = 384,  /* rows of A per block (a multiple of every MR) */
    NC = 960,  /* columns of B packed at a time per thread (multiple of every NR) */
    MR_MAX = 12,
    NR_MAX = 32,
    MAX_THREADS = 64,
    /* Below this many multiply-adds (about 15 us on one core) a product runs on one
     * thread: each thread would pack its own copy of an operand. */
    PARALLEL_MIN_MACS = 1 << 21,
    /* Shared-out products (see run_units): each thread keeps one whole operand packed,
     * up to DYN_FULL floats, and one panel of the other over all of K (K <= DYN_K). */
    DYN_FULL = 1 << 20,
    DYN_K = 4096,
    DYN_CHUNK_PANELS = 2, /* row micro-panels per unit when units are column panels */
    UNIT_GUIDE = 4,     /* a queue's owner claims 1 / UNIT_GUIDE of what is left, */
    UNIT_CLAIM_MAX = 4, /* at most this many units at a time (see queue_take) */
    ROWS_DIRECT_PANELS = 8, /* rows of A read in place up to this many column panels */
};

/* C tile (mv x nv valid of MR x NR) from panels: C = acc, or C += acc when add. The value
 * of A for row i and step p is at a[p * as + i * ai], the NR values of B for step p at
 * b + p * bs. Packed panels: as = MR, ai = 1, bs = NR. Panels read where they lie (see
 * a_panel, b_panel): A^T and B with the matrix's row stride as as or bs (ai = 1), or the
 * rows of a non-transposed A, ai = its row stride and as = 1 (ai != 1 only with as = 1). */
typedef void (*micro_fn)(size_t kc, const float *a, size_t as, size_t ai, const float *b,
                         size_t bs, float *c, size_t ldc, size_t mv, size_t nv, int add);

typedef struct kernel {
    const char *name;
    size_t mr, nr;
    micro_fn micro;   /* NULL: cblas_sgemm */
    size_t mr_alt;    /* 0, or a second kernel with fewer rows and the same arithmetic, */
    micro_fn micro_alt; /* used when it pads C's rows less (64 rows: 8 x 8, not 6 x 12) */
} kernel;

/* One thread's share of a product's units, [front, back) in one word: the owner takes
 * from the front, a thread that has run out takes from the back. On its own cache line. */
typedef struct unit_queue {
    _Alignas(64) _Atomic uint64_t fb;
    char pad[64 - sizeof(uint64_t)];
} unit_queue;

struct nn_gemm_ctx {
    kernel k;
    int threads;
    int fast_transpose; /* the CPU has AVX-512: 16 x 16 transposes in registers */
    int flush;          /* worker threads flush subnormals to zero (nn_gemm_set_flush) */
    /* Packing buffers, one set per thread: threads never read what another core packed
     * and never wait for each other inside a product. */
    float *apack[MAX_THREADS]; /* (MC + MR_MAX) x KC */
    float *bpack[MAX_THREADS]; /* (NC + NR_MAX) x KC */
    float *full[MAX_THREADS];  /* DYN_FULL: one operand packed whole (run_units) */
    float *panel[MAX_THREADS]; /* DYN_K x NR_MAX: one panel of the other over all of K */
    unit_queue queue[MAX_THREADS];
};

/* Writes an MR x NR accumulator tile (row-major in acc) to the valid part of C. */
static void store_tile(const float *acc, size_t nr, float *c, size_t ldc, size_t mv, size_t nv,
                       int add)
{
    for (size_t i = 0; i < mv; i++) {
        float *ci = c + i * ldc;
        const float *ai = acc + i * nr;
        if (add)
            for (size_t j = 0; j < nv; j++)
                ci[j] += ai[j];
        else
            for (size_t j = 0; j < nv; j++)
                ci[j] = ai[j];
    }
}

/* ------------------------------------------------------------ portable kernel 4 x 16 */

enum { P_MR = 4, P_NR = 16 };

static void micro_portable(size_t kc, const float *a, size_t as, size_t ai, const float *b,
                           size_t bs, float *c, size_t ldc, size_t mv, size_t nv, int add)
{
    float acc[P_MR * P_NR] = {0};
    for (size_t p = 0; p < kc; p++, a += as, b += bs)
        for (size_t i = 0; i < P_MR; i++)
            for (size_t j = 0; j < P_NR; j++)
                acc[i * P_NR + j] += a[i * ai] * b[j];
    store_tile(acc, P_NR, c, ldc, mv, nv, add);
}

#ifdef NN_X86
/* ------------------------------------------------------------ AVX2 + FMA kernel 6 x 16 */

enum { V2_MR = 6, V2_NR = 16 };

__attribute__((target("avx2,fma"))) static void micro_avx2(size_t kc, const float *a,
                                                           size_t as, size_t ai, const float *b,
                                                           size_t bs, float *c, size_t ldc,
                                                           size_t mv, size_t nv, int add)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    /* The same loop for packed panels (rows next to each other: constant offsets) and for
     * rows read in place (ai apart). */
#define ROW2(i, r0, r1)                                                                        \
    x = _mm256_broadcast_ss(a + (i) * (AI));                                                   \
    r0 = _mm256_fmadd_ps(x, b0, r0);                                                           \
    r1 = _mm256_fmadd_ps(x, b1, r1);
#define LOOP                                                                                   \
    for (size_t p = 0; p < kc; p++, a += as, b += bs) {                                        \
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), x;                        \
        ROW2(0, c00, c01) ROW2(1, c10, c11) ROW2(2, c20, c21)                                  \
        ROW2(3, c30, c31) ROW2(4, c40, c41) ROW2(5, c50, c51)                                  \
    }
    if (ai == 1) {
#define AI 1
        LOOP
#undef AI
    } else {
#define AI ai
        LOOP
#undef AI
    }
#undef LOOP
#undef ROW2
    const __m256 rows[V2_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                                   {c30, c31}, {c40, c41}, {c50, c51}};
    if (mv == V2_MR && nv == V2_NR) {
        for (size_t i = 0; i < V2_MR; i++) {
            float *ci = c + i * ldc;
            __m256 r0 = rows[i][0], r1 = rows[i][1];
            if (add) {
                r0 = _mm256_add_ps(_mm256_loadu_ps(ci), r0);
                r1 = _mm256_add_ps(_mm256_loadu_ps(ci + 8), r1);
            }
            _mm256_storeu_ps(ci, r0);
            _mm256_storeu_ps(ci + 8, r1);
        }
        return;
    }
    float acc[V2_MR * V2_NR];
    for (size_t i = 0; i < V2_MR; i++) {
        _mm256_storeu_ps(acc + i * V2_NR, rows[i][0]);
        _mm256_storeu_ps(acc + i * V2_NR + 8, rows[i][1]);
    }
    store_tile(acc, V2_NR, c, ldc, mv, nv, add);
}

/* ------------------------------------------------------------ AVX-512 kernels 12 x 32, 8 x 32 */

enum { V5_MR = 12, V5_MR8 = 8, V5_NR = 32 };

/* The body of both AVX-512 kernels: MR rows (a constant after inlining) of two 16-wide
 * accumulators each, fully unrolled so that they live in registers. Both compute each
 * element of C as the same sum in the same order: the choice between them never changes
 * a result. */
__attribute__((target("avx512f"), always_inline)) static inline void
micro512(size_t mr, size_t kc, const float *a, size_t as, size_t ai, const float *b, size_t bs,
         float *c, size_t ldc, size_t mv, size_t nv, int add)
{
    __m512 acc[V5_MR][2];
#pragma GCC unroll 12
    for (size_t i = 0; i < V5_MR; i++)
        if (i < mr)
            acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (size_t p = 0; p < kc; p++, a += as, b += bs) {
        /* A panel read in place has rows too far apart for the hardware to predict. */
        _mm_prefetch((const char *)(b + 8 * bs), _MM_HINT_T0);
        _mm_prefetch((const char *)(b + 8 * bs + 16), _MM_HINT_T0);
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
        for (size_t i = 0; i < V5_MR; i++) {
            if (i < mr) {
                __m512 x = _mm512_set1_ps(a[i * ai]);
                acc[i][0] = _mm512_fmadd_ps(x, b0, acc[i][0]);
                acc[i][1] = _mm512_fmadd_ps(x, b1, acc[i][1]);
            }
        }
    }
    /* Column masks: the valid part of each 16-wide half. */
    __mmask16 m0 = nv >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nv) - 1);
    __mmask16 m1 = nv >= 32  ? (__mmask16)0xFFFF
                   : nv > 16 ? (__mmask16)((1u << (nv - 16)) - 1)
                             : (__mmask16)0;
#pragma GCC unroll 12
    for (size_t i = 0; i < V5_MR; i++) {
        if (i < mr && i < mv) {
            float *ci = c + i * ldc;
            __m512 r0 = acc[i][0], r1 = acc[i][1];
            if (add) {
                r0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, ci), r0);
                r1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, ci + 16), r1);
            }
            _mm512_mask_storeu_ps(ci, m0, r0);
            _mm512_mask_storeu_ps(ci + 16, m1, r1);
        }
    }
}

/* Each kernel in two forms: packed or A^T panels (ai = 1, constant offsets) and rows of A
 * read in place (as = 1, ai apart). */
__attribute__((target("avx512f"), always_inline)) static inline void
micro512_either(size_t mr, size_t kc, const float *a, size_t as, size_t ai, const float *b,
                size_t bs, float *c, size_t ldc, size_t mv, size_t nv, int add)
{
    if (ai == 1)
        micro512(mr, kc, a, as, 1, b, bs, c, ldc, mv, nv, add);
    else
        micro512(mr, kc, a, 1, ai, b, bs, c, ldc, mv, nv, add);
}

__attribute__((target("avx512f"))) static void micro_avx512(size_t kc, const float *a,
                                                            size_t as, size_t ai, const float *b,
                                                            size_t bs, float *c, size_t ldc,
                                                            size_t mv, size_t nv, int add)
{
    micro512_either(V5_MR, kc, a, as, ai, b, bs, c, ldc, mv, nv, add);
}

__attribute__((target("avx512f"))) static void micro_avx512_8(size_t kc, const float *a,
                                                              size_t as, size_t ai,
                                                              const float *b, size_t bs,
                                                              float *c, size_t ldc, size_t mv,
                                                              size_t nv, int add)
{
    micro512_either(V5_MR8, kc, a, as, ai, b, bs, c, ldc, mv, nv, add);
}

/* ------------------------------------------------------------ A B^T with few columns */

/* The lane sums of 16 vectors at once: element 4 (e % 4) + e / 4 of the result is the sum
 * of s[e], added in the pairs _mm512_reduce_add_ps uses (lane l with l + 8, then l + 4,
 * l + 2, l + 1), so each equals _mm512_reduce_add_ps(s[e]) bit for bit. */
__attribute__((target("avx512f"), always_inline)) static inline __m512
reduce16(const __m512 s[16])
{
    __m512 w[8], y[4], p[2];
    for (int j = 0; j < 8; j++) /* l + 8: s[2j] in lanes 0-7, s[2j+1] in lanes 8-15 */
        w[j] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * j], s[2 * j + 1], 0x44),
                             _mm512_shuffle_f32x4(s[2 * j], s[2 * j + 1], 0xEE));
    for (int j = 0; j < 4; j++) /* l + 4: one vector per 128-bit lane */
        y[j] = _mm512_add_ps(_mm512_shuffle_f32x4(w[2 * j], w[2 * j + 1], 0x88),
                             _mm512_shuffle_f32x4(w[2 * j], w[2 * j + 1], 0xDD));
    for (int j = 0; j < 2; j++) /* l + 2 */
        p[j] = _mm512_add_ps(_mm512_shuffle_ps(y[2 * j], y[2 * j + 1], 0x44),
                             _mm512_shuffle_ps(y[2 * j], y[2 * j + 1], 0xEE));
    return _mm512_add_ps(_mm512_shuffle_ps(p[0], p[1], 0x88), /* l + 1 */
                         _mm512_shuffle_ps(p[0], p[1], 0xDD));
}

/* C = alpha * A B^T (+ C when add) for a C with few columns (a classifier's outputs): each
 * element a dot product of two contiguous rows, 16 lanes at a time, lanes summed in a fixed
 * tree; four rows by four columns at a time, so each load feeds four chains. */
__attribute__((target("avx512f"))) static void dots_avx512(size_t m, size_t n, size_t k,
                                                           float alpha, const float *a,
                                                           size_t lda, const float *b,
                                                           size_t ldb, float *c, size_t ldc,
                                                           int add)
{
    const size_t k16 = k & ~(size_t)15;
    const __mmask16 tail = (__mmask16)((1u << (k - k16)) - 1);
    for (size_t i = 0; i < m; i += 4) {
        size_t ni = m - i < 4 ? m - i : 4;
        const float *ar[4];
        for (size_t r = 0; r < 4; r++) /* missing rows repeat the first (not stored) */
            ar[r] = a + (i + (r < ni ? r : 0)) * lda;
        for (size_t j0 = 0; j0 < n; j0 += 4) {
            size_t nj = n - j0 < 4 ? n - j0 : 4;
            const float *bj[4];
            for (size_t q = 0; q < 4; q++)
                bj[q] = b + (j0 + (q < nj ? q : 0)) * ldb;
            __m512 s[16]; /* row r, column q at 4 r + q */
            for (size_t r = 0; r < 4; r++)
                for (size_t q = 0; q < 4; q++)
                    s[4 * r + q] = _mm512_setzero_ps();
            for (size_t p = 0; p < k16; p += 16) {
                __m512 y[4];
                for (size_t q = 0; q < 4; q++)
                    y[q] = _mm512_loadu_ps(bj[q] + p);
                for (size_t r = 0; r < 4; r++) {
                    __m512 x = _mm512_loadu_ps(ar[r] + p);
                    for (size_t q = 0; q < 4; q++)
                        s[4 * r + q] = _mm512_fmadd_ps(x, y[q], s[4 * r + q]);
                }
            }
            if (tail) {
                __m512 y[4];
                for (size_t q = 0; q < 4; q++)
                    y[q] = _mm512_maskz_loadu_ps(tail, bj[q] + k16);
                for (size_t r = 0; r < 4; r++) {
                    __m512 x = _mm512_maskz_loadu_ps(tail, ar[r] + k16);
                    for (size_t q = 0; q < 4; q++)
                        s[4 * r + q] = _mm512_fmadd_ps(x, y[q], s[4 * r + q]);
                }
            }
            float sum[16];
            _mm512_storeu_ps(sum, reduce16(s));
            for (size_t r = 0; r < ni; r++)
                for (size_t q = 0; q < nj; q++) {
                    float v = alpha * sum[4 * q + r];
                    float *cij = c + (i + r) * ldc + j0 + q;
                    *cij = add ? *cij + v : v;
                }
        }
    }
}
#endif /* NN_X86 */

/* ------------------------------------------------------------ packing */

#ifdef NN_X86
/* The first `lanes` floats of v to dst, with plain 256- and 128-bit stores where they fit
 * (a masked 512-bit store that starts mid-line is slow; see docs/gemm.md). */
__attribute__((target("avx512f"), always_inline)) static inline void
store_lanes(float *dst, __m512 v, size_t lanes, __mmask16 mask)
{
    if (lanes == 16) {
        _mm512_storeu_ps(dst, v);
    } else if (lanes == 8) {
        _mm256_storeu_ps(dst, _mm512_castps512_ps256(v));
    } else if (lanes == 12) {
        _mm256_storeu_ps(dst, _mm512_castps512_ps256(v));
        _mm_storeu_ps(dst + 8, _mm512_extractf32x4_ps(v, 2));
    } else {
        _mm512_mask_storeu_ps(dst, mask, v);
    }
}

/* Transposes a block of 16 columns: dst[j * lds + i] = src[i * ldr + j] for j < 16 and
 * i < 16 within store (a lane mask), reading rows i < rows (zeros below). */
__attribute__((target("avx512f"), always_inline)) static inline void
transpose16_rows(const float *src, size_t ldr, size_t rows, float *dst, size_t lds,
                 size_t lanes)
{
    const __mmask16 store = (__mmask16)((1u << lanes) - 1);
    __m512 r[16], t[16];
    for (size_t i = 0; i < 16; i++)
        r[i] = i < rows ? _mm512_loadu_ps(src + i * ldr) : _mm512_setzero_ps();
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    /* Now r[4g + c] holds, for rows 4g..4g+3, column c of each 4-wide group of columns. */
    for (int g = 0; g < 4; g++) {
        for (int c = 0; c < 4; c++)
            t[4 * g + c] = r[4 * g + c];
    }
    for (int c = 0; c < 4; c++) {
        __m512 a0 = _mm512_shuffle_f32x4(t[c], t[4 + c], 0x44);     /* groups 0,1 of rows 0-7 */
        __m512 a1 = _mm512_shuffle_f32x4(t[c], t[4 + c], 0xEE);     /* groups 2,3 */
        __m512 b0 = _mm512_shuffle_f32x4(t[8 + c], t[12 + c], 0x44);
        __m512 b1 = _mm512_shuffle_f32x4(t[8 + c], t[12 + c], 0xEE);
        /* column c + 4 * lane-group: rows 0-15 */
        __m512 o0 = _mm512_shuffle_f32x4(a0, b0, 0x88);
        __m512 o1 = _mm512_shuffle_f32x4(a0, b0, 0xDD);
        __m512 o2 = _mm512_shuffle_f32x4(a1, b1, 0x88);
        __m512 o3 = _mm512_shuffle_f32x4(a1, b1, 0xDD);
        store_lanes(dst + (size_t)(c + 0) * lds, o0, lanes, store);
        store_lanes(dst + (size_t)(c + 4) * lds, o1, lanes, store);
        store_lanes(dst + (size_t)(c + 8) * lds, o2, lanes, store);
        store_lanes(dst + (size_t)(c + 12) * lds, o3, lanes, store);
    }
}

/* A whole 16 x 16 block: dst[j * lds + i] = src[i * ldr + j]. */
__attribute__((target("avx512f"))) static void transpose16(const float *src, size_t ldr,
                                                           float *dst, size_t lds)
{
    transpose16_rows(src, ldr, 16, dst, lds, 16);
}

/* Eight rows by 16 columns: d[p * 8 + i] = src[i * ldr + p] for p < 16, i < 8 (zero for
 * rows >= mv): the 128 floats of an 8-row micro-panel's 16 steps of k, in eight whole
 * vectors. Half the shuffles and stores of a 16 x 16 transpose with eight empty rows. */
__attribute__((target("avx512f"))) static void transpose8x16(const float *src, size_t ldr,
                                                             size_t mv, float *d)
{
    __m512 r[8], t[8], u[8];
    for (size_t i = 0; i < 8; i++)
        r[i] = i < mv ? _mm512_loadu_ps(src + i * ldr) : _mm512_setzero_ps();
    for (int j = 0; j < 8; j += 2) { /* pairs of rows, interleaved within 128-bit lanes */
        t[j] = _mm512_unpacklo_ps(r[j], r[j + 1]);
        t[j + 1] = _mm512_unpackhi_ps(r[j], r[j + 1]);
    }
    for (int g = 0; g < 8; g += 4) { /* u[g + c], lane L: column 4L + c of rows g .. g+3 */
        u[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        u[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        u[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
        u[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
    }
    /* Output vector v holds columns 2v and 2v + 1 (both in lane L = v / 2, as c and c + 1):
     * [u[c].L, u[4 + c].L, u[c + 1].L, u[5 + c].L]. */
#define OUT8(v, c, imm)                                                                        \
    _mm512_storeu_ps(d + 16 * (v), _mm512_mask_shuffle_f32x4(                                  \
                                       _mm512_shuffle_f32x4(u[c], u[(c) + 1], imm), 0xF0F0,    \
                                       u[4 + (c)], u[5 + (c)], imm));
    OUT8(0, 0, 0x00) OUT8(1, 2, 0x00) OUT8(2, 0, 0x55) OUT8(3, 2, 0x55)
    OUT8(4, 0, 0xAA) OUT8(5, 2, 0xAA) OUT8(6, 0, 0xFF) OUT8(7, 2, 0xFF)
#undef OUT8
}

/* mv <= mr <= 16 rows of A into a micro-panel, 16 values of k at a time:
 * d[p * mr + i] = src[i * lda + p] (zero for mv <= i < mr) for p < kc16, a multiple of 16. */
__attribute__((target("avx512f"))) static void transpose_rows(const float *src, size_t lda,
                                                              size_t mv, size_t mr, size_t kc16,
                                                              float *d)
{
    if (mr == 8) {
        for (size_t p = 0; p < kc16; p += 16)
            transpose8x16(src + p, lda, mv, d + p * 8);
        return;
    }
    for (size_t p = 0; p < kc16; p += 16)
        transpose16_rows(src + p, lda, mv, d + p * mr, mr, mr);
}
#endif

#ifdef NN_X86
/* Rows already in panel order: d[p * width + j] = src[p * ld + j] for j < nv, zero for
 * nv <= j < width (width <= 32), p < kc: two masked loads and whole stores per step. */
__attribute__((target("avx512f"))) static void copy_panel(const float *src, size_t ld, size_t kc,
                                                          size_t nv, size_t width, float *d)
{
    size_t v0 = nv < 16 ? nv : 16, v1 = nv > 16 ? nv - 16 : 0;
    const __mmask16 m0 = (__mmask16)((1u << v0) - 1), m1 = (__mmask16)((1u << v1) - 1);
    for (size_t p = 0; p < kc; p++, src += ld, d += width) {
        __m512 lo = _mm512_maskz_loadu_ps(m0, src);
        if (width > 16) {
            _mm512_storeu_ps(d, lo);
            store_lanes(d + 16, _mm512_maskz_loadu_ps(m1, src + 16), width - 16,
                        (__mmask16)((1u << (width - 16)) - 1));
        } else {
            store_lanes(d, lo, width, (__mmask16)((1u << width) - 1));
        }
    }
}
#endif

/* d[p * mr + i] = src[i * lda + p] for rows i < mv (zero for mv <= i < mr), p < kc: the
 * transposition that packing a non-transposed A needs. */
static void pack_rows(const float *src, size_t lda, size_t mv, size_t mr, size_t kc, float *d,
                      int fast)
{
    size_t p0 = 0;
#ifdef NN_X86
    if (mr <= 16 && fast) { /* 16 x 16 transposes in registers */
        p0 = kc & ~(size_t)15;
        transpose_rows(src, lda, mv, mr, p0, d);
    }
#else
    (void)fast;
#endif
    /* Written contiguously, read as mr sequential streams. */
    for (size_t p = p0; p < kc; p++)
        for (size_t i = 0; i < mr; i++)
            d[p * mr + i] = i < mv ? src[i * lda + p] : 0.0f;
}

/* Whether panels with this row stride may be read in place: not when it is a multiple of
 * 512 bytes, as their rows would then share a few of L1's sets and evict each other. */
static int in_place_stride(size_t ld)
{
    return ld * sizeof(float) % 512 != 0;
}

static int b_in_place(nn_trans tb, size_t ldb)
{
    return tb == NN_NO_TRANS && in_place_stride(ldb);
}

/* op(A)[i0 .. i0+mc, k0 .. k0+kc] into MR-row panels dst[panel][p][i], zero padded;
 * only panels q0 .. q1-1, and not the whole panels read in place (direct: see a_direct).
 * fast: AVX-512 is there. */
static void pack_a(nn_trans ta, const float *a, size_t lda, size_t i0, size_t mc, size_t k0,
                   size_t kc, float alpha, size_t mr, float *dst, size_t q0, size_t q1,
                   int direct, int fast)
{
    for (size_t q = q0; q < q1; q++) {
        float *d = dst + q * mr * kc;
        size_t r0 = q * mr, mv = mc - r0 < mr ? mc - r0 : mr;
        if (mv == mr && direct)
            continue;
        if (ta == NN_NO_TRANS) {
            pack_rows(a + (i0 + r0) * lda + k0, lda, mv, mr, kc, d, fast);
        } else {
#ifdef NN_X86
            if (fast && mr <= 32) {
                copy_panel(a + k0 * lda + i0 + r0, lda, kc, mv, mr, d);
            } else
#endif
                for (size_t p = 0; p < kc; p++) {
                    memcpy(d + p * mr, a + (k0 + p) * lda + i0 + r0, mv * sizeof(float));
                    memset(d + p * mr + mv, 0, (mr - mv) * sizeof(float));
                }
        }
        if (alpha != 1.0f)
            for (size_t x = 0; x < mr * kc; x++)
                d[x] *= alpha;
    }
}

/* op(B)[k0 .. k0+kc, j0 .. j0+nc] into NR-column panels dst[panel][p][j], zero padded,
 * except whole panels read in place (b_in_place). */
static void pack_b(nn_trans tb, const float *b, size_t ldb, size_t k0, size_t kc, size_t j0,
                   size_t nc, size_t nr, float *dst, int fast_transpose)
{
    for (size_t q = 0; q * nr < nc; q++) {
        float *d = dst + q * nr * kc;
        size_t c0 = q * nr, nv = nc - c0 < nr ? nc - c0 : nr;
        if (nv == nr && b_in_place(tb, ldb))
            continue;
        if (tb == NN_NO_TRANS) {
#ifdef NN_X86
            if (fast_transpose && nr <= 32) {
                copy_panel(b + k0 * ldb + j0 + c0, ldb, kc, nv, nr, d);
                continue;
            }
#endif
            for (size_t p = 0; p < kc; p++) {
                memcpy(d + p * nr, b + (k0 + p) * ldb + j0 + c0, nv * sizeof(float));
                memset(d + p * nr + nv, 0, (nr - nv) * sizeof(float));
            }
            continue;
        }
        const float *src = b + (j0 + c0) * ldb + k0;
        size_t p = 0;
#ifdef NN_X86
        /* Whole 16 x 16 blocks in registers: rows j (columns of op(B)) become k-major. */
        if (fast_transpose && nv == nr && nr % 16 == 0)
            for (; p + 16 <= kc; p += 16)
                for (size_t j = 0; j < nr; j += 16)
                    transpose16(src + j * ldb + p, ldb, d + p * nr + j, nr);
#else
        (void)fast_transpose;
#endif
        for (size_t j = 0; j < nv; j++)
            for (size_t pp = p; pp < kc; pp++)
                d[pp * nr + j] = src[j * ldb + pp];
        for (size_t j = nv; j < nr; j++)
            for (size_t pp = p; pp < kc; pp++)
                d[pp * nr + j] = 0.0f;
    }
}

/* ------------------------------------------------------------ driver */

typedef struct job {
    nn_trans ta, tb;
    size_t m, n, k;
    float alpha;
    const float *a, *b;
    size_t lda, ldb;
    int overwrite; /* beta == 0: the first K block stores instead of adding */
    float *c;
    size_t ldc;
    nn_gemm_split split;
    nn_gemm_epilogue epilogue; /* on each block after the last K block (may be NULL) */
    void *epilogue_ctx;
    size_t mr;      /* the kernel's rows for this product */
    micro_fn micro; /* and the kernel */
    int a_direct;   /* whole A micro-panels are read in place (a_direct) */
} job;

/* Whether whole micro-panels of op(A) are read where they lie instead of packed: A^T
 * always, the rows of a non-transposed A only when C has few column panels (each A panel
 * then meets few B panels, and packing it would cost about as much as using it). Never
 * when alpha != 1 (applied while packing) or the stride rules it out (in_place_stride). */
static int a_direct(const job *jb, size_t nr)
{
    if (jb->alpha != 1.0f || !in_place_stride(jb->lda))
        return 0;
    return jb->ta == NN_TRANS || (jb->n + nr - 1) / nr <= ROWS_DIRECT_PANELS;
}

/* Where the micro-kernel reads the A micro-panel of op(A) rows i0 .. i0+mv, k from k0, and
 * its steps *as (between values of k) and *ai (between rows): in place, or at packed
 * (where pack_a put it). */
static const float *a_panel(const job *jb, const float *packed, size_t i0, size_t mv, size_t k0,
                            size_t *as, size_t *ai)
{
    *ai = 1;
    if (mv == jb->mr && jb->a_direct) {
        if (jb->ta == NN_NO_TRANS) { /* mr rows, each contiguous in k */
            *as = 1;
            *ai = jb->lda;
            return jb->a + i0 * jb->lda + k0;
        }
        *as = jb->lda;
        return jb->a + k0 * jb->lda + i0;
    }
    *as = jb->mr;
    return packed;
}

/* Likewise the B micro-panel of op(B) columns j0 .. j0+nv. */
static const float *b_panel(const job *jb, size_t nr, const float *packed, size_t j0, size_t nv,
                            size_t k0, size_t *bs)
{
    if (nv == nr && b_in_place(jb->tb, jb->ldb)) {
        *bs = jb->ldb;
        return jb->b + k0 * jb->ldb + j0;
    }
    *bs = nr;
    return packed;
}

/* Thread t of nt: its columns (or rows) of C, from its own packed copies of the parts of
 * A and B it needs. */
static void run_thread(const nn_gemm_ctx *ctx, const job *jb, int t, int nt)
{
    const size_t mr = jb->mr, nr = ctx->k.nr;
    const size_t n_panels = (jb->n + nr - 1) / nr, m_first = jb->m < MC ? jb->m : MC;
    /* Split by columns when there are enough column panels (or rows were asked for but
     * there are too few row panels), else by row panels. */
    const int by_cols = jb->split == NN_SPLIT_ROWS ? (m_first + mr - 1) / mr < (size_t)nt
                                                   : n_panels >= (size_t)nt;
    size_t col0 = 0, col1 = jb->n;
    if (by_cols) {
        col0 = (n_panels * (size_t)t / (size_t)nt) * nr;
        col1 = (n_panels * (size_t)(t + 1) / (size_t)nt) * nr;
        if (col1 > jb->n)
            col1 = jb->n;
    }
    float *abuf = ctx->apack[t], *bbuf = ctx->bpack[t];
    for (size_t k0 = 0; k0 < jb->k; k0 += KC) {
        size_t kc = jb->k - k0 < KC ? jb->k - k0 : KC;
        int add = !(jb->overwrite && k0 == 0), last = k0 + kc == jb->k;
        for (size_t i0 = 0; i0 < jb->m; i0 += MC) {
            size_t mc = jb->m - i0 < MC ? jb->m - i0 : MC;
            size_t m_panels = (mc + mr - 1) / mr;
            size_t row_p0 = 0, row_p1 = m_panels;
            if (!by_cols) {
                row_p0 = m_panels * (size_t)t / (size_t)nt;
                row_p1 = m_panels * (size_t)(t + 1) / (size_t)nt;
            }
            pack_a(jb->ta, jb->a, jb->lda, i0, mc, k0, kc, jb->alpha, mr, abuf, row_p0, row_p1,
                   jb->a_direct, ctx->fast_transpose);
            for (size_t j0 = col0; j0 < col1; j0 += NC) {
                size_t nc = col1 - j0 < NC ? col1 - j0 : NC;
                pack_b(jb->tb, jb->b, jb->ldb, k0, kc, j0, nc, nr, bbuf, ctx->fast_transpose);
                /* An A micro-panel (MR x KC, a few KB) stays in L1 while the B micro-panels
                 * (KC x NR) stream past it from L2. */
                for (size_t q = row_p0; q < row_p1; q++) {
                    size_t ir = q * mr, mv = mc - ir < mr ? mc - ir : mr;
                    size_t as, ai, bs;
                    const float *ap =
                        a_panel(jb, abuf + q * mr * kc, i0 + ir, mv, k0, &as, &ai);
                    for (size_t jr = 0; jr < nc; jr += nr) {
                        size_t nv = nc - jr < nr ? nc - jr : nr;
                        float *c = jb->c + (i0 + ir) * jb->ldc + j0 + jr;
                        const float *bp =
                            b_panel(jb, nr, bbuf + (jr / nr) * nr * kc, j0 + jr, nv, k0, &bs);
                        jb->micro(kc, ap, as, ai, bp, bs, c, jb->ldc, mv, nv, add);
                    }
                }
            }
            /* This thread's part of the block is final: hand it over in one piece (long
             * contiguous rows, still in this core's cache). */
            size_t r0 = row_p0 * mr, r1 = row_p1 * mr < mc ? row_p1 * mr : mc;
            if (last && jb->epilogue && r0 < r1 && col0 < col1)
                jb->epilogue(jb->epilogue_ctx, i0 + r0, col0, r1 - r0, col1 - col0,
                             jb->c + (i0 + r0) * jb->ldc + col0, jb->ldc);
        }
    }
}

/* ------------------------------------------------------------ shared-out products */

/* Products on two or more threads are cut into units: each thread starts with the units
 * a static split would give it, then takes from the back of the others' queues. A unit
 * computes its elements of C completely, as the same sums as run_thread. */

static void queue_set(unit_queue *q, size_t front, size_t back)
{
    atomic_store_explicit(&q->fb, (uint64_t)front | (uint64_t)back << 32, memory_order_relaxed);
}

/* Units *first .. *first + *count - 1 of q: its owner takes a quarter of what is left from
 * the front (one to UNIT_CLAIM_MAX, as each claim is a locked instruction), another thread
 * one unit from the back. */
static int queue_take(unit_queue *q, int from_back, size_t *first, size_t *count)
{
    uint64_t v = atomic_load_explicit(&q->fb, memory_order_relaxed);
    for (;;) {
        uint32_t f = (uint32_t)v, b = (uint32_t)(v >> 32);
        if (f >= b)
            return 0;
        uint32_t g = (b - f) / UNIT_GUIDE;
        g = from_back || g < 1 ? 1 : g > UNIT_CLAIM_MAX ? UNIT_CLAIM_MAX : g;
        uint64_t next = from_back ? (uint64_t)f | (uint64_t)(b - 1) << 32 : v + g;
        if (atomic_compare_exchange_weak_explicit(&q->fb, &v, next, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            *first = from_back ? b - 1 : f;
            *count = g;
            return 1;
        }
    }
}

static int next_units(nn_gemm_ctx *ctx, int t, int nt, size_t *first, size_t *count)
{
    if (queue_take(&ctx->queue[t], 0, first, count))
        return 1;
    for (int d = 1; d < nt; d++)
        if (queue_take(&ctx->queue[(t + d) % nt], 1, first, count))
            return 1;
    return 0;
}

typedef struct units {
    int by_cols;
    size_t m_panels, n_panels; /* micro-panels of op(A) rows and op(B) columns */
    size_t chunk;              /* by_cols: row micro-panels per unit */
    size_t per_panel;          /* units per column panel (by_cols) */
    size_t count;
} units;

static units plan_units(const kernel *kr, const job *jb)
{
    units u = {0};
    u.m_panels = (jb->m + jb->mr - 1) / jb->mr;
    u.n_panels = (jb->n + kr->nr - 1) / kr->nr;
    u.by_cols = jb->split == NN_SPLIT_COLS;
    if (u.by_cols) {
        u.chunk = DYN_CHUNK_PANELS;
        u.per_panel = (u.m_panels + u.chunk - 1) / u.chunk;
        u.count = u.n_panels * u.per_panel;
    } else {
        u.count = u.m_panels;
    }
    return u;
}

/* Whether a product fits the buffers of run_units (and its unit numbers the 32-bit halves
 * of a queue). */
static int units_fit(const kernel *kr, const job *jb, const units *u)
{
    size_t m_pad = (jb->m + jb->mr - 1) / jb->mr * jb->mr;
    size_t n_pad = (jb->n + kr->nr - 1) / kr->nr * kr->nr;
    size_t whole = jb->split == NN_SPLIT_COLS ? m_pad : n_pad;
    return jb->k <= DYN_K && whole <= DYN_FULL / jb->k && u->count <= UINT32_MAX;
}

/* Thread t's work; nt is the number of queues (threads planned), which may be more than
 * the threads that run. */
static void run_units(nn_gemm_ctx *ctx, const job *jb, const units *u, int t, int nt)
{
    const size_t mr = jb->mr, nr = ctx->k.nr, k = jb->k;
    const size_t m_pad = u->m_panels * mr, n_pad = u->n_panels * nr;
    float *full = ctx->full[t], *panel = ctx->panel[t];
    const int fast = ctx->fast_transpose;
    /* The whole operand: k-block kb of it at full + (m_pad or n_pad) * k0. */
    for (size_t k0 = 0; k0 < k; k0 += KC) {
        size_t kc = k - k0 < KC ? k - k0 : KC;
        if (u->by_cols)
            pack_a(jb->ta, jb->a, jb->lda, 0, jb->m, k0, kc, jb->alpha, mr, full + m_pad * k0, 0,
                   u->m_panels, jb->a_direct, fast);
        else
            pack_b(jb->tb, jb->b, jb->ldb, k0, kc, 0, jb->n, nr, full + n_pad * k0, fast);
    }
    size_t packed = SIZE_MAX, unit; /* which panel is in panel[] */
    size_t next = 0, left = 0; /* units claimed and not yet run */
    for (;;) {
        if (left == 0 && !next_units(ctx, t, nt, &next, &left))
            break;
        unit = next++;
        left--;
        size_t r0, r1, c0, c1; /* micro-panel ranges of this unit */
        if (u->by_cols) {
            size_t pj = unit / u->per_panel, ch = unit % u->per_panel;
            c0 = pj, c1 = pj + 1;
            r0 = ch * u->chunk;
            r1 = r0 + u->chunk < u->m_panels ? r0 + u->chunk : u->m_panels;
            if (packed != pj)
                for (size_t k0 = 0; k0 < k; k0 += KC) {
                    size_t kc = k - k0 < KC ? k - k0 : KC;
                    size_t j0 = pj * nr, nc = jb->n - j0 < nr ? jb->n - j0 : nr;
                    pack_b(jb->tb, jb->b, jb->ldb, k0, kc, j0, nc, nr, panel + nr * k0, fast);
                }
            packed = pj;
        } else {
            r0 = unit, r1 = unit + 1;
            c0 = 0, c1 = u->n_panels;
            if (packed != unit)
                for (size_t k0 = 0; k0 < k; k0 += KC) {
                    size_t kc = k - k0 < KC ? k - k0 : KC;
                    size_t i0 = unit * mr, mc = jb->m - i0 < mr ? jb->m - i0 : mr;
                    pack_a(jb->ta, jb->a, jb->lda, i0, mc, k0, kc, jb->alpha, mr,
                           panel + mr * k0, 0, 1, jb->a_direct, fast);
                }
            packed = unit;
        }
        /* k-blocks outermost: a B panel's k-block (by_cols) or an A micro-panel's (by rows)
         * stays in L1 while the unit's other panels pass it. */
        for (size_t k0 = 0; k0 < k; k0 += KC) {
            size_t kc = k - k0 < KC ? k - k0 : KC;
            int add = !(jb->overwrite && k0 == 0);
            for (size_t q = r0; q < r1; q++) {
                size_t i0 = q * mr, mv = jb->m - i0 < mr ? jb->m - i0 : mr, as, ai;
                const float *ap = a_panel(
                    jb, u->by_cols ? full + m_pad * k0 + q * mr * kc : panel + mr * k0, i0, mv,
                    k0, &as, &ai);
                for (size_t p = c0; p < c1; p++) {
                    size_t j0 = p * nr, nv = jb->n - j0 < nr ? jb->n - j0 : nr, bs;
                    const float *bp = b_panel(
                        jb, nr, u->by_cols ? panel + nr * k0 : full + n_pad * k0 + p * nr * kc,
                        j0, nv, k0, &bs);
                    jb->micro(kc, ap, as, ai, bp, bs, jb->c + i0 * jb->ldc + j0, jb->ldc, mv,
                              nv, add);
                }
            }
        }
        if (jb->epilogue) {
            size_t i0 = r0 * mr, i1 = r1 * mr < jb->m ? r1 * mr : jb->m;
            size_t j0 = c0 * nr, j1 = c1 * nr < jb->n ? c1 * nr : jb->n;
            jb->epilogue(jb->epilogue_ctx, i0, j0, i1 - i0, j1 - j0,
                         jb->c + i0 * jb->ldc + j0, jb->ldc);
        }
    }
}

static void scale_c(size_t m, size_t n, float beta, float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        if (beta == 0.0f)
            memset(ci, 0, n * sizeof *ci);
        else
            for (size_t j = 0; j < n; j++)
                ci[j] *= beta;
    }
}

void nn_gemm(nn_gemm_ctx *ctx, nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k,
             float alpha, const float *a, size_t lda, const float *b, size_t ldb, float beta,
             float *c, size_t ldc)
{
    nn_gemm_ex(ctx, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, NN_SPLIT_COLS, NULL,
               NULL);
}

void nn_gemm_ex(nn_gemm_ctx *ctx, nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k,
                float alpha, const float *a, size_t lda, const float *b, size_t ldb, float beta,
                float *c, size_t ldc, nn_gemm_split split, nn_gemm_epilogue epilogue,
                void *epilogue_ctx)
{
    if (m == 0 || n == 0)
        return;
    int whole = !ctx->k.micro || k == 0 || alpha == 0.0f; /* no tiles: C in one piece */
#ifdef NN_BLAS
    if (!ctx->k.micro)
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
#endif
    if (ctx->k.micro && whole && beta != 1.0f)
        scale_c(m, n, beta, c, ldc);
    if (whole) {
        if (epilogue)
            epilogue(epilogue_ctx, 0, 0, m, n, c, ldc);
        return;
    }
    if (beta != 0.0f && beta != 1.0f) {
        scale_c(m, n, beta, c, ldc);
        beta = 1.0f;
    }
#ifdef NN_X86
    if (ctx->fast_transpose && ta == NN_NO_TRANS && tb == NN_TRANS && n <= 16) {
        dots_avx512(m, n, k, alpha, a, lda, b, ldb, c, ldc, beta != 0.0f);
        if (epilogue)
            epilogue(epilogue_ctx, 0, 0, m, n, c, ldc);
        return;
    }
#endif
    job jb = {ta,  tb,  m,           n,   k,     alpha,    a,        b,           lda,
              ldb, beta == 0.0f, c, ldc, split, epilogue, epilogue_ctx, ctx->k.mr, ctx->k.micro, 0};
    const size_t mr = ctx->k.mr, alt = ctx->k.mr_alt;
    if (alt && (m + alt - 1) / alt * alt < (m + mr - 1) / mr * mr) { /* less row padding */
        jb.mr = alt;
        jb.micro = ctx->k.micro_alt;
    }
    jb.a_direct = a_direct(&jb, ctx->k.nr);
    int nt = ctx->threads;
    size_t panels = (n + ctx->k.nr - 1) / ctx->k.nr, mpanels = (m + jb.mr - 1) / jb.mr;
    size_t most = panels > mpanels ? panels : mpanels;
    if ((double)m * (double)n * (double)k < PARALLEL_MIN_MACS)
        nt = 1;
    if ((size_t)nt > most)
        nt = (int)most;
    if (nt <= 1) {
        run_thread(ctx, &jb, 0, 1);
        return;
    }
#ifdef _OPENMP
    units u = plan_units(&ctx->k, &jb);
    if (units_fit(&ctx->k, &jb, &u)) {
        if ((size_t)nt > u.count)
            nt = (int)u.count;
        for (int t = 0; t < nt; t++) /* thread t's own share, as a static split */
            queue_set(&ctx->queue[t], u.count * (size_t)t / (size_t)nt,
                      u.count * (size_t)(t + 1) / (size_t)nt);
        /* The runtime may start fewer threads than asked (OMP_THREAD_LIMIT, OMP_DYNAMIC, a
         * call from inside another parallel region): the threads that run take units
         * from all nt queues, so the absent threads' shares are done too. */
#pragma omp parallel num_threads(nt)
        {
            nn_fpmode fp = nn_fp_flush(ctx->flush);
            run_units(ctx, &jb, &u, omp_get_thread_num(), nt);
            nn_fp_restore(fp);
        }
        return;
    }
#pragma omp parallel num_threads(nt)
    {
        nn_fpmode fp = nn_fp_flush(ctx->flush);
        run_thread(ctx, &jb, omp_get_thread_num(), omp_get_num_threads());
        nn_fp_restore(fp);
    }
#else
    run_thread(ctx, &jb, 0, 1);
#endif
}

/* ------------------------------------------------------------ context */

/* The kernel called want (NULL or "": the best this CPU supports); -1 when unavailable. */
static int pick_kernel(const char *want, kernel *k, int *fast)
{
    int any = !want || !*want;
#ifdef NN_BLAS
    if (any || strcmp(want, "blas") == 0) { /* a BLAS build uses it by default */
        *k = (kernel){"blas", 1, 1, NULL, 0, NULL};
        return 0;
    }
#endif
#ifdef NN_X86
    __builtin_cpu_init();
    int has512 = __builtin_cpu_supports("avx512f");
    int has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (has512 && (any || strcmp(want, "avx512") == 0)) {
        *k = (kernel){"avx512", V5_MR, V5_NR, micro_avx512, V5_MR8, micro_avx512_8};
        *fast = 1;
        return 0;
    }
    if (has2 && (any || strcmp(want, "avx2") == 0)) {
        *k = (kernel){"avx2", V2_MR, V2_NR, micro_avx2, 0, NULL};
        return 0;
    }
#endif
    if (any || strcmp(want, "portable") == 0) {
        *k = (kernel){"portable", P_MR, P_NR, micro_portable, 0, NULL};
        return 0;
    }
    return -1;
}

/* A packing buffer of n floats on a cache-line boundary: the packed panels are written
 * and read in whole 64-byte vectors, and a vector that straddles two lines costs both. */
static float *pack_alloc(size_t n)
{
    return aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
}

nn_status nn_gemm_create(nn_gemm_ctx **out, const char *want, int threads, nn_error *err)
{
    *out = NULL;
    if (!want || !*want)
        want = getenv("NNTRAIN_GEMM");
    /* On a cache-line boundary: the unit queues are aligned to (and alone on) one each. */
    nn_gemm_ctx *ctx = aligned_alloc(64, (sizeof *ctx + 63) / 64 * 64);
    if (!ctx)
        return nn_fail(err, NN_ESYS, "out of memory");
    memset(ctx, 0, sizeof *ctx);
    if (pick_kernel(want, &ctx->k, &ctx->fast_transpose) != 0) {
        free(ctx);
        return nn_fail(err, NN_ECONFIG,
                       "GEMM kernel \"%s\" is not available on this CPU or in this build "
                       "(kernels: avx512, avx2, portable%s)",
                       want,
#ifdef NN_BLAS
                       ", blas"
#else
                       "; blas with make BLAS=openblas"
#endif
        );
    }
    if (threads <= 0)
        threads = nn_cpu_count();
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    ctx->threads = threads;
    int ok = 1;
    for (int t = 0; t < threads && ok; t++)
        ok = (ctx->apack[t] = pack_alloc((size_t)(MC + MR_MAX) * KC)) != NULL &&
             (ctx->bpack[t] = pack_alloc((size_t)(NC + NR_MAX) * KC)) != NULL &&
             (threads == 1 || ((ctx->full[t] = pack_alloc(DYN_FULL)) != NULL &&
                               (ctx->panel[t] = pack_alloc((size_t)DYN_K * NR_MAX)) != NULL));
    if (!ok) {
        nn_gemm_destroy(ctx);
        return nn_fail(err, NN_ESYS, "out of memory for the GEMM packing buffers");
    }
    *out = ctx;
    return NN_OK;
}

void nn_gemm_destroy(nn_gemm_ctx *ctx)
{
    if (!ctx)
        return;
    for (int t = 0; t < MAX_THREADS; t++) {
        free(ctx->apack[t]);
        free(ctx->bpack[t]);
        free(ctx->full[t]);
        free(ctx->panel[t]);
    }
    free(ctx);
}

const char *nn_gemm_kernel(const nn_gemm_ctx *ctx)
{
    return ctx->k.name;
}

void nn_gemm_set_flush(nn_gemm_ctx *ctx, int flush)
{
    ctx->flush = flush;
}

int nn_gemm_threads(const nn_gemm_ctx *ctx)
{
    return ctx->threads;
}
