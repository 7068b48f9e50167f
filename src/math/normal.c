/* normal.c - many normal draws at once, bit for bit the floats of one draw at a time.
 *
 * A dense layer's init is out[i] = (float)(scale * nn_rng_normal(rng)): Box-Muller in
 * double through libm's log and cos, about 30 ns a value, a fifth of a born-dead study's
 * time. Here the uniforms are drawn in the same order, then the transform is computed
 * eight at a time with our own log and cos polynomials (relative error near 2^-50),
 * and each value is checked the way correctly rounded libraries check theirs (Ziv): the
 * libm chain differs from ours by far less than a bound B (libm's log and cos are within
 * one ulp; ours within a few), so when v - B and v + B round to the same float, that
 * float is the one the libm chain gives. The rare value too close to a float rounding
 * boundary (about one in a million) goes through the libm chain itself. tests/math/rng.c
 * compares the two on millions of draws. */
#include <math.h>
#include <string.h>

#include "math/rng.h"

enum { BLOCK = 256 };

/* The slow path, exactly the chain of nn_rng_normal. */
static float exact(double scale, double u1, double u2)
{
    return (float)(scale * (sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925286766559 * u2)));
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define NN_NORMAL_AVX512 1

/* Eight doubles from small non-negative integers held in int64 lanes (< 2^52). */
__attribute__((target("avx512f"))) static inline __m512d small_to_pd(__m512i v)
{
    const __m512i magic_i = _mm512_set1_epi64(0x4330000000000000LL); /* 2^52 */
    return _mm512_sub_pd(_mm512_castsi512_pd(_mm512_or_si512(v, magic_i)),
                         _mm512_set1_pd(0x1p52));
}

/* out[i] = our (float)(scale * sqrt(-2 ln u1[i]) cos(2 pi u2[i])), eight at a time;
 * slow[i] = 1 when the value is too close to a float rounding boundary to be trusted (or
 * u1 is 1, where the result is a signed zero). n is a multiple of 8. */
__attribute__((target("avx512f"))) static void transform(const double *u1, const double *u2,
                                                         double scale, float *out,
                                                         unsigned char *slow, size_t n)
{
    const __m512d one = _mm512_set1_pd(1.0), half = _mm512_set1_pd(0.5);
    const __m512d ln2_hi = _mm512_set1_pd(0x1.62e42fefa3800p-1),
                  ln2_lo = _mm512_set1_pd(0x1.ef35793c76730p-45);
    const __m512d pio2_1 = _mm512_set1_pd(0x1.921fb54400000p0),
                  pio2_2 = _mm512_set1_pd(0x1.0b4611a600000p-34),
                  pio2_3 = _mm512_set1_pd(0x1.3198a2e037073p-69);
    const __m512d vscale = _mm512_set1_pd(scale), ascale = _mm512_set1_pd(fabs(scale));
    static const double lp[] = {1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13,
                                1.0 / 11, 1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3};
    static const double cp[] = {-1.0 / 6402373705728000.0, 1.0 / 20922789888000.0,
                                -1.0 / 87178291200.0,      1.0 / 479001600.0,
                                -1.0 / 3628800.0,          1.0 / 40320.0,
                                -1.0 / 720.0,              1.0 / 24.0,
                                -0.5,                      1.0};
    static const double sp[] = {1.0 / 355687428096000.0, -1.0 / 1307674368000.0,
                                1.0 / 6227020800.0,      -1.0 / 39916800.0,
                                1.0 / 362880.0,          -1.0 / 5040.0,
                                1.0 / 120.0,             -1.0 / 6.0};
    for (size_t i = 0; i < n; i += 8) {
        /* ln u1 = e ln 2 + ln m, m in [sqrt(1/2), sqrt(2)): ln m = 2 atanh(s), s = (m-1)/(m+1) */
        __m512d a = _mm512_loadu_pd(u1 + i);
        __m512i bits = _mm512_castpd_si512(a);
        __m512i eb = _mm512_srli_epi64(bits, 52); /* biased exponent, > 0: u1 >= 2^-53 */
        __m512d m = _mm512_castsi512_pd(_mm512_or_si512(
            _mm512_and_si512(bits, _mm512_set1_epi64(0x000fffffffffffffLL)),
            _mm512_set1_epi64(0x3ff0000000000000LL)));
        __mmask8 big = _mm512_cmp_pd_mask(m, _mm512_set1_pd(0x1.6a09e667f3bcdp0), _CMP_GT_OQ);
        m = _mm512_mask_mul_pd(m, big, m, half);
        __m512d ed = _mm512_sub_pd(small_to_pd(eb), _mm512_set1_pd(1023.0));
        ed = _mm512_mask_add_pd(ed, big, ed, one);
        __m512d s = _mm512_div_pd(_mm512_sub_pd(m, one), _mm512_add_pd(m, one));
        __m512d s2 = _mm512_mul_pd(s, s), p = _mm512_set1_pd(lp[0]);
        for (size_t j = 1; j < sizeof lp / sizeof lp[0]; j++)
            p = _mm512_fmadd_pd(p, s2, _mm512_set1_pd(lp[j]));
        __m512d two_s = _mm512_add_pd(s, s);
        __m512d lnm = _mm512_fmadd_pd(two_s, _mm512_mul_pd(s2, p), two_s);
        __m512d ln = _mm512_fmadd_pd(ed, ln2_hi, _mm512_fmadd_pd(ed, ln2_lo, lnm));
        __m512d r = _mm512_sqrt_pd(_mm512_mul_pd(_mm512_set1_pd(-2.0), ln));
        /* cos x, x = 2 pi u2 in [0, 2 pi): y = x - k pi/2 in [-pi/4, pi/4], quadrant k & 3 */
        __m512d x = _mm512_mul_pd(_mm512_set1_pd(6.283185307179586476925286766559),
                                  _mm512_loadu_pd(u2 + i));
        __m512d kd = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(0x1.45f306dc9c883p-1)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m512d y = _mm512_fnmadd_pd(kd, pio2_1, x);
        y = _mm512_fnmadd_pd(kd, pio2_2, y);
        y = _mm512_fnmadd_pd(kd, pio2_3, y);
        __m512d y2 = _mm512_mul_pd(y, y), c = _mm512_set1_pd(cp[0]), sn = _mm512_set1_pd(sp[0]);
        for (size_t j = 1; j < sizeof cp / sizeof cp[0]; j++)
            c = _mm512_fmadd_pd(c, y2, _mm512_set1_pd(cp[j]));
        for (size_t j = 1; j < sizeof sp / sizeof sp[0]; j++)
            sn = _mm512_fmadd_pd(sn, y2, _mm512_set1_pd(sp[j]));
        sn = _mm512_fmadd_pd(_mm512_mul_pd(y, y2), sn, y);
        __mmask8 q1 = _mm512_cmp_pd_mask(kd, one, _CMP_EQ_OQ);
        __mmask8 q2 = _mm512_cmp_pd_mask(kd, _mm512_set1_pd(2.0), _CMP_EQ_OQ);
        __mmask8 q3 = _mm512_cmp_pd_mask(kd, _mm512_set1_pd(3.0), _CMP_EQ_OQ);
        const __m512i sign = _mm512_set1_epi64((long long)0x8000000000000000ULL);
        __m512d cs = _mm512_mask_mov_pd(
            c, q1, _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(sn), sign)));
        cs = _mm512_mask_mov_pd(
            cs, q2, _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(c), sign)));
        cs = _mm512_mask_mov_pd(cs, q3, sn);
        __m512d z = _mm512_mul_pd(r, cs), v = _mm512_mul_pd(vscale, z);
        /* libm's chain and this one differ by far less than bound (see the top). */
        __m512d az = _mm512_castsi512_pd(_mm512_andnot_si512(sign, _mm512_castpd_si512(z)));
        __m512d bound = _mm512_mul_pd(_mm512_mul_pd(ascale, _mm512_add_pd(r, az)),
                                      _mm512_set1_pd(0x1p-40));
        __m256 lo = _mm512_cvtpd_ps(_mm512_sub_pd(v, bound));
        __m256 hi = _mm512_cvtpd_ps(_mm512_add_pd(v, bound));
        _mm256_storeu_ps(out + i, lo);
        __mmask8 differ = _mm512_cmp_pd_mask(_mm512_cvtps_pd(lo), _mm512_cvtps_pd(hi), _CMP_NEQ_UQ);
        __mmask8 unit = _mm512_cmp_pd_mask(a, one, _CMP_EQ_OQ);
        __mmask8 bad = differ | unit;
        for (int l = 0; l < 8; l++)
            slow[i + l] = (bad >> l) & 1;
    }
}
#endif

void nn_rng_normal_floats(nn_rng *rng, double scale, float *out, size_t n)
{
    double u1[BLOCK], u2[BLOCK];
    unsigned char slow[BLOCK];
#ifdef NN_NORMAL_AVX512
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f");
#endif
    for (size_t start = 0; start < n; start += BLOCK) {
        size_t count = n - start < BLOCK ? n - start : BLOCK;
        for (size_t i = 0; i < count; i++) { /* the draws of nn_rng_normal, in its order */
            u1[i] = 1.0 - nn_rng_uniform(rng);
            u2[i] = nn_rng_uniform(rng);
        }
        size_t fast = 0;
#ifdef NN_NORMAL_AVX512
        if (avx512) {
            fast = count & ~(size_t)7;
            transform(u1, u2, scale, out + start, slow, fast);
        }
#endif
        for (size_t i = 0; i < count; i++)
            if (i >= fast || slow[i])
                out[start + i] = exact(scale, u1[i], u2[i]);
    }
}
