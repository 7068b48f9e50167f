/* vexp_avx512.c - expm1f and expf 16 floats at a time (vexp.h). Built with -mavx512f and
 * -ffp-contract=off (Makefile: the vexp_<isa>.c rule); called only when the CPU has
 * AVX-512F, AVX2 and FMA (vexp.c). The algorithms are in vexp_body.h. */
#include "math/vexp.h"

#include <immintrin.h>
#include <stdint.h>

typedef __m512 vf;
typedef __m512i vi; /* 16 x int32, or 8 x int64 for vl */
typedef __mmask16 vm;
typedef __m512d vd;
typedef __m512i vl;
enum { VF = 16 };

static inline vf f_set(float a)
{
    return _mm512_set1_ps(a);
}
static inline vf f_add(vf a, vf b)
{
    return _mm512_add_ps(a, b);
}
static inline vf f_sub(vf a, vf b)
{
    return _mm512_sub_ps(a, b);
}
static inline vf f_mul(vf a, vf b)
{
    return _mm512_mul_ps(a, b);
}
static inline vf f_div(vf a, vf b)
{
    return _mm512_div_ps(a, b);
}
static inline vi f_bits(vf a)
{
    return _mm512_castps_si512(a);
}
static inline vf f_of_bits(vi a)
{
    return _mm512_castsi512_ps(a);
}
static inline vf f_sel(vm m, vf t, vf f)
{
    return _mm512_mask_blend_ps(m, f, t);
}
static inline vf f_opaque(vf a)
{
    __asm__("" : "+v"(a));
    return a;
}

static inline vi i_set(int32_t a)
{
    return _mm512_set1_epi32(a);
}
static inline vi i_add(vi a, vi b)
{
    return _mm512_add_epi32(a, b);
}
static inline vi i_sub(vi a, vi b)
{
    return _mm512_sub_epi32(a, b);
}
static inline vi i_and(vi a, vi b)
{
    return _mm512_and_si512(a, b);
}
static inline vi i_or(vi a, vi b)
{
    return _mm512_or_si512(a, b);
}
static inline vi i_shl23(vi a)
{
    return _mm512_slli_epi32(a, 23);
}
static inline vi i_srlv(vi a, vi n)
{
    return _mm512_srlv_epi32(a, n);
}
static inline vi i_cvtt(vf a)
{
    return _mm512_cvttps_epi32(a);
}
static inline vf i_to_f(vi a)
{
    return _mm512_cvtepi32_ps(a);
}
static inline vi i_sel(vm m, vi t, vi f)
{
    return _mm512_mask_blend_epi32(m, f, t);
}

static inline vm m_igt(vi a, vi b)
{
    return _mm512_cmpgt_epi32_mask(a, b);
}
static inline vm m_ieq(vi a, vi b)
{
    return _mm512_cmpeq_epi32_mask(a, b);
}
static inline vm m_flt(vf a, vf b)
{
    return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ);
}
static inline vm m_fgt(vf a, vf b)
{
    return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ);
}
static inline vm m_and(vm a, vm b)
{
    return (vm)(a & b);
}
static inline vm m_or(vm a, vm b)
{
    return (vm)(a | b);
}

static inline vd d_set(double a)
{
    return _mm512_set1_pd(a);
}
static inline vd d_fma(vd a, vd b, vd c)
{
    return _mm512_fmadd_pd(a, b, c);
}
static inline vd d_fms(vd a, vd b, vd c)
{
    return _mm512_fmsub_pd(a, b, c);
}
static inline vd d_sub(vd a, vd b)
{
    return _mm512_sub_pd(a, b);
}
static inline vd d_mul(vd a, vd b)
{
    return _mm512_mul_pd(a, b);
}
static inline vd d_lo(vf a)
{
    return _mm512_cvtps_pd(_mm512_castps512_ps256(a));
}
static inline vd d_hi(vf a)
{
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
}
static inline vf f_of_d(vd lo, vd hi)
{
    __m256 l = _mm512_cvtpd_ps(lo), h = _mm512_cvtpd_ps(hi);
    return _mm512_castpd_ps(
        _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(l)), _mm256_castps_pd(h), 1));
}
static inline vl l_bits(vd a)
{
    return _mm512_castpd_si512(a);
}
static inline vd d_of_bits(vl a)
{
    return _mm512_castsi512_pd(a);
}
static inline vl l_add(vl a, vl b)
{
    return _mm512_add_epi64(a, b);
}
static inline vl l_shl47(vl a)
{
    return _mm512_slli_epi64(a, 47);
}
/* t[k % 32] for each lane: two 16-entry permutes, bit 4 of k picks between them. */
static inline vl l_table(const uint64_t *t, vl k)
{
    const vl lo = _mm512_permutex2var_epi64(_mm512_loadu_si512(t), k, _mm512_loadu_si512(t + 8));
    const vl hi =
        _mm512_permutex2var_epi64(_mm512_loadu_si512(t + 16), k, _mm512_loadu_si512(t + 24));
    return _mm512_mask_blend_epi64(_mm512_test_epi64_mask(k, _mm512_set1_epi64(16)), lo, hi);
}

static inline vf f_load(const float *p)
{
    return _mm512_loadu_ps(p);
}
static inline void f_store(float *p, vf a)
{
    _mm512_storeu_ps(p, a);
}
static inline vf f_load_part(const float *p, size_t n)
{
    return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
}
static inline void f_store_part(float *p, vf a, size_t n)
{
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), a);
}

#include "math/vexp_body.h"

const nn_vexp_impl nn_vexp_avx512 = {"avx512", NN_VEXP_AVX512F, expm1_array, exp_array};
