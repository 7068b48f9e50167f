/* kernel_avx512.c - the AVX-512 micro-kernels (12 x 32 and 8 x 32), the dot-product path
 * for A B^T with few columns, and the packing that uses AVX-512 registers. Built with
 * -mavx512f: only called when the CPU has it (see kernel.h). */
#include "math/gemm/kernel.h"

#include <immintrin.h>

enum { V5_MR = 12, V5_MR8 = 8, V5_NR = 32 };

/* The body of both kernels: mr rows (a constant after inlining) of two 16-wide
 * accumulators, unrolled so that they stay in registers. Both compute each element of C as
 * the same sum in the same order, so the choice between them never changes a result. */
__attribute__((always_inline)) static inline void micro512(size_t mr, size_t kc, const float *a,
                                                           size_t as, size_t ai, const float *b,
                                                           size_t bs, float *c, size_t ldc,
                                                           size_t mv, size_t nv, int add)
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
__attribute__((always_inline)) static inline void
micro512_either(size_t mr, size_t kc, const float *a, size_t as, size_t ai, const float *b,
                size_t bs, float *c, size_t ldc, size_t mv, size_t nv, int add)
{
    if (ai == 1)
        micro512(mr, kc, a, as, 1, b, bs, c, ldc, mv, nv, add);
    else
        micro512(mr, kc, a, 1, ai, b, bs, c, ldc, mv, nv, add);
}

static void micro_avx512(size_t kc, const float *a, size_t as, size_t ai, const float *b, size_t bs,
                         float *c, size_t ldc, size_t mv, size_t nv, int add)
{
    micro512_either(V5_MR, kc, a, as, ai, b, bs, c, ldc, mv, nv, add);
}

static void micro_avx512_8(size_t kc, const float *a, size_t as, size_t ai, const float *b,
                           size_t bs, float *c, size_t ldc, size_t mv, size_t nv, int add)
{
    micro512_either(V5_MR8, kc, a, as, ai, b, bs, c, ldc, mv, nv, add);
}

/* The lane sums of 16 vectors at once: element 4 (e % 4) + e / 4 of the result is the sum
 * of s[e], added in the pairs _mm512_reduce_add_ps uses (lane l with l + 8, then l + 4,
 * l + 2, l + 1), so each equals _mm512_reduce_add_ps(s[e]) bit for bit. */
__attribute__((always_inline)) static inline __m512 reduce16(const __m512 s[16])
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

/* C = alpha * A B^T (+ C when add) for a C with few columns (a classifier's outputs, a
 * narrow layer): each element a dot product of two contiguous rows, 16 lanes at a time,
 * lanes summed in a fixed tree. R rows by Q columns at a time (R Q = 16 chains, one
 * reduce16 for all): 4 x 4 in general, 8 x 2 and 16 x 1 for one or two columns so that no
 * chain computes a column twice. Every element is the same sum in the same order whatever
 * the block shape, so the shape never changes a result. */
__attribute__((always_inline)) static inline void dots_block(size_t R, size_t Q, size_t m,
                                                             size_t n, size_t k, float alpha,
                                                             const float *a, size_t lda,
                                                             const float *b, size_t ldb, float *c,
                                                             size_t ldc, int add)
{
    const size_t k16 = k & ~(size_t)15;
    const __mmask16 tail = (__mmask16)((1u << (k - k16)) - 1);
    for (size_t i = 0; i < m; i += R) {
        size_t ni = m - i < R ? m - i : R;
        const float *ar[16];
        for (size_t r = 0; r < R; r++) /* missing rows repeat the first (not stored) */
            ar[r] = a + (i + (r < ni ? r : 0)) * lda;
        for (size_t j0 = 0; j0 < n; j0 += Q) {
            size_t nj = n - j0 < Q ? n - j0 : Q;
            const float *bj[4];
            for (size_t q = 0; q < Q; q++)
                bj[q] = b + (j0 + (q < nj ? q : 0)) * ldb;
            __m512 s[16]; /* row r, column q at Q r + q */
            for (size_t e = 0; e < 16; e++)
                s[e] = _mm512_setzero_ps();
            for (size_t p = 0; p < k16; p += 16) {
                __m512 y[4];
                for (size_t q = 0; q < Q; q++)
                    y[q] = _mm512_loadu_ps(bj[q] + p);
                for (size_t r = 0; r < R; r++) {
                    __m512 x = _mm512_loadu_ps(ar[r] + p);
                    for (size_t q = 0; q < Q; q++)
                        s[Q * r + q] = _mm512_fmadd_ps(x, y[q], s[Q * r + q]);
                }
            }
            if (tail) {
                __m512 y[4];
                for (size_t q = 0; q < Q; q++)
                    y[q] = _mm512_maskz_loadu_ps(tail, bj[q] + k16);
                for (size_t r = 0; r < R; r++) {
                    __m512 x = _mm512_maskz_loadu_ps(tail, ar[r] + k16);
                    for (size_t q = 0; q < Q; q++)
                        s[Q * r + q] = _mm512_fmadd_ps(x, y[q], s[Q * r + q]);
                }
            }
            float sum[16]; /* the sum of s[e] is at 4 (e % 4) + e / 4 */
            _mm512_storeu_ps(sum, reduce16(s));
            for (size_t r = 0; r < ni; r++)
                for (size_t q = 0; q < nj; q++) {
                    size_t e = Q * r + q;
                    float v = alpha * sum[4 * (e % 4) + e / 4];
                    float *cij = c + (i + r) * ldc + j0 + q;
                    *cij = add ? *cij + v : v;
                }
        }
    }
}

/* The 16 x 16 transpose of r[0..16) in place (rows become columns). */
__attribute__((always_inline)) static inline void transpose_regs16(__m512 r[16])
{
    __m512 t[16];
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
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
    }
}

/* One column of dots_narrow: lane r holds sum over l of x[l][r] b[l], as reduce16 sums the
 * lane products fma(x, b, 0) (zero lanes for l >= k): l with l + 8, then l + 4, l + 2,
 * l + 1. A zero lane adds +0, which only turns a -0 into +0; adding +0 twice is adding it
 * once, so for k <= 4 and k <= 8 the levels whose partners are all zero become one +0. */
__attribute__((always_inline)) static inline __m512 narrow_column(const __m512 x[16],
                                                                  const float *bj, size_t k)
{
    const __m512 zero = _mm512_setzero_ps();
    __m512 s[16], w[8], y[4];
    for (size_t l = 0; l < 16; l++)
        s[l] = l < k ? _mm512_fmadd_ps(x[l], _mm512_set1_ps(bj[l]), zero) : zero;
    if (k <= 4) {
        for (int l = 0; l < 4; l++) /* (s + 0) + 0 */
            y[l] = _mm512_add_ps(s[l], zero);
    } else {
        for (int l = 0; l < 8; l++)
            w[l] = k <= 8 ? _mm512_add_ps(s[l], zero) : _mm512_add_ps(s[l], s[l + 8]);
        for (int l = 0; l < 4; l++)
            y[l] = _mm512_add_ps(w[l], w[l + 4]);
    }
    return _mm512_add_ps(_mm512_add_ps(y[0], y[2]), _mm512_add_ps(y[1], y[3]));
}

/* dots_block for k <= 16 and n <= 16 (a narrow layer after a narrow layer), sixteen rows at
 * a time with the rows in the lanes: the 16 x k block of A is transposed, and each column's
 * sixteen dot products are the same lane products fma(a, b, 0) summed in the same tree
 * (lane l with l + 8, then l + 4, l + 2, l + 1) as reduce16 sums them, zero lanes
 * included, so every element is bit for bit what dots_block gives, without a reduction
 * per 16 elements. */
static void dots_narrow(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                        const float *b, size_t ldb, float *c, size_t ldc, int add)
{
    const __mmask16 kmask = (__mmask16)((1u << k) - 1), nmask = (__mmask16)((1u << n) - 1);
    const __m512 zero = _mm512_setzero_ps(), va = _mm512_set1_ps(alpha);
    for (size_t i = 0; i < m; i += 16) {
        size_t ni = m - i < 16 ? m - i : 16;
        __m512 x[16]; /* after the transpose: x[l] = a[i + lane][l] */
        for (size_t r = 0; r < 16; r++)
            x[r] = r < ni ? _mm512_maskz_loadu_ps(kmask, a + (i + r) * lda) : zero;
        transpose_regs16(x);
        __m512 out[16];
        for (size_t j = 0; j < 16; j++) {
            if (j >= n) {
                out[j] = zero;
                continue;
            }
            out[j] = narrow_column(x, b + j * ldb, k);
            if (alpha != 1.0f) /* 1 x v is v, bit for bit */
                out[j] = _mm512_mul_ps(va, out[j]);
        }
        transpose_regs16(out); /* out[r] = row i + r of C */
        for (size_t r = 0; r < ni; r++) {
            float *cr = c + (i + r) * ldc;
            __m512 v = out[r];
            if (add)
                v = _mm512_add_ps(_mm512_maskz_loadu_ps(nmask, cr), v);
            _mm512_mask_storeu_ps(cr, nmask, v);
        }
    }
}

/* dots_narrow without its transposes: the rows are already in the lanes. */
static void dots_lanes_avx512(size_t k, size_t n, const float *at, const float *b, size_t ldb,
                              float *ct)
{
    __m512 x[16];
    for (size_t l = 0; l < 16; l++)
        x[l] = l < k ? _mm512_loadu_ps(at + 16 * l) : _mm512_setzero_ps();
    for (size_t j = 0; j < n; j++)
        _mm512_storeu_ps(ct + 16 * j, narrow_column(x, b + j * ldb, k));
}

static void dots_avx512(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                        const float *b, size_t ldb, float *c, size_t ldc, int add)
{
    if (k <= 16 && n <= 16 && (k > 2 || n > 2)) /* 2 x 2: the transposes cost more */
        dots_narrow(m, n, k, alpha, a, lda, b, ldb, c, ldc, add);
    else if (n == 1)
        dots_block(16, 1, m, n, k, alpha, a, lda, b, ldb, c, ldc, add);
    else if (n == 2)
        dots_block(8, 2, m, n, k, alpha, a, lda, b, ldb, c, ldc, add);
    else
        dots_block(4, 4, m, n, k, alpha, a, lda, b, ldb, c, ldc, add);
}
/* The first `lanes` floats of v to dst, with plain 256- and 128-bit stores where they fit
 * (a masked 512-bit store that starts mid-line is slow; see docs/gemm.md). */
__attribute__((always_inline)) static inline void store_lanes(float *dst, __m512 v, size_t lanes,
                                                              __mmask16 mask)
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

/* The first two steps of a register transpose of n rows (8 or 16, rows from `rows` on
 * read as zeros): then lane L of u[4 g + c] holds column 4 L + c of rows 4 g .. 4 g + 3. */
__attribute__((always_inline)) static inline void interleave4(const float *src, size_t ldr,
                                                              size_t rows, int n, __m512 *u)
{
    __m512 r[16], t[16];
    for (int i = 0; i < n; i++)
        r[i] = (size_t)i < rows ? _mm512_loadu_ps(src + (size_t)i * ldr) : _mm512_setzero_ps();
    for (int i = 0; i < n; i += 2) { /* pairs of rows, interleaved within 128-bit lanes */
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int g = 0; g < n; g += 4) {
        u[g] = _mm512_castpd_ps(
            _mm512_unpacklo_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        u[g + 1] = _mm512_castpd_ps(
            _mm512_unpackhi_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        u[g + 2] = _mm512_castpd_ps(
            _mm512_unpacklo_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
        u[g + 3] = _mm512_castpd_ps(
            _mm512_unpackhi_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
    }
}

/* Transposes a block of 16 columns: dst[j * lds + i] = src[i * ldr + j] for j < 16 and
 * i < 16 within store (a lane mask), reading rows i < rows (zeros below). */
__attribute__((always_inline)) static inline void
transpose16_rows(const float *src, size_t ldr, size_t rows, float *dst, size_t lds, size_t lanes)
{
    const __mmask16 store = (__mmask16)((1u << lanes) - 1);
    __m512 t[16];
    interleave4(src, ldr, rows, 16, t);
    for (int c = 0; c < 4; c++) {
        __m512 a0 = _mm512_shuffle_f32x4(t[c], t[4 + c], 0x44); /* groups 0,1 of rows 0-7 */
        __m512 a1 = _mm512_shuffle_f32x4(t[c], t[4 + c], 0xEE); /* groups 2,3 */
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
static void transpose16(const float *src, size_t ldr, float *dst, size_t lds)
{
    transpose16_rows(src, ldr, 16, dst, lds, 16);
}

/* Eight rows by 16 columns: d[p * 8 + i] = src[i * ldr + p] for p < 16, i < 8 (zero for
 * rows >= mv): the 128 floats of an 8-row micro-panel's 16 steps of k, in eight whole
 * vectors. Half the shuffles and stores of a 16 x 16 transpose with eight empty rows. */
static void transpose8x16(const float *src, size_t ldr, size_t mv, float *d)
{
    __m512 u[8];
    interleave4(src, ldr, mv, 8, u);
    /* Output vector v holds columns 2v and 2v + 1 (both in lane L = v / 2, as c and c + 1):
     * [u[c].L, u[4 + c].L, u[c + 1].L, u[5 + c].L]. */
/* clang-format off */
#define OUT8(v, c, imm)                                                                        \
    _mm512_storeu_ps(d + 16 * (v), _mm512_mask_shuffle_f32x4(                                  \
                                       _mm512_shuffle_f32x4(u[c], u[(c) + 1], imm), 0xF0F0,    \
                                       u[4 + (c)], u[5 + (c)], imm));
    OUT8(0, 0, 0x00) OUT8(1, 2, 0x00) OUT8(2, 0, 0x55) OUT8(3, 2, 0x55)
    OUT8(4, 0, 0xAA) OUT8(5, 2, 0xAA) OUT8(6, 0, 0xFF) OUT8(7, 2, 0xFF)
#undef OUT8
    /* clang-format on */
}

/* mv <= mr <= 16 rows of A into a micro-panel, 16 values of k at a time:
 * d[p * mr + i] = src[i * lda + p] (zero for mv <= i < mr) for p < kc16, a multiple of 16. */
static void transpose_rows(const float *src, size_t lda, size_t mv, size_t mr, size_t kc16,
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
/* Rows already in panel order: d[p * width + j] = src[p * ld + j] for j < nv, zero for
 * nv <= j < width (width <= 32), p < kc: two masked loads and whole stores per step. */
static void copy_panel(const float *src, size_t ld, size_t kc, size_t nv, size_t width, float *d)
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

/* Whole 16 x 16 blocks of the rows of B^T (the columns of op(B)) into a panel nr wide (a
 * multiple of 16), k-major: d[p * nr + j] = src[j * ldb + p] for j < nr and p below the
 * returned multiple of 16 (the rest of kc is left to the caller). */
static size_t pack_cols(const float *src, size_t ldb, size_t kc, size_t nr, float *d)
{
    size_t p = 0;
    for (; p + 16 <= kc; p += 16)
        for (size_t j = 0; j < nr; j += 16)
            transpose16(src + j * ldb + p, ldb, d + p * nr + j, nr);
    return p;
}

const nn_kernel_def nn_kernel_avx512 = {
    .name = "avx512",
    .isa = NN_ISA_AVX512F,
    .mr = V5_MR,
    .nr = V5_NR,
    .micro = micro_avx512,
    .mr_alt = V5_MR8,
    .micro_alt = micro_avx512_8,
    .dots = dots_avx512,
    .dots_lanes = dots_lanes_avx512,
    .pack_rows = transpose_rows,
    .copy_panel = copy_panel,
    .pack_cols = pack_cols,
};
