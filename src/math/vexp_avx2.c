/* vexp_avx2.c - expm1f and expf 8 floats at a time (vexp.h). Built with -mavx2 -mfma and
 * -ffp-contract=off (Makefile: the vexp_<isa>.c rule); called only when the CPU has AVX2
 * and FMA (vexp.c). The algorithms are in vexp_body.h. */
#include "math/vexp.h"

#include <immintrin.h>
#include <stdint.h>

typedef __m256 vf;
typedef __m256i vi;
typedef __m256i vm; /* all ones or zeros per 32-bit lane */
typedef __m256d vd;
typedef __m256i vl;
enum { VF = 8 };

static inline vf f_set(float a)
{
    return _mm256_set1_ps(a);
}
static inline vf f_add(vf a, vf b)
{
    return _mm256_add_ps(a, b);
}
static inline vf f_sub(vf a, vf b)
{
    return _mm256_sub_ps(a, b);
}
static inline vf f_mul(vf a, vf b)
{
    return _mm256_mul_ps(a, b);
}
static inline vf f_div(vf a, vf b)
{
    return _mm256_div_ps(a, b);
}
static inline vi f_bits(vf a)
{
    return _mm256_castps_si256(a);
}
static inline vf f_of_bits(vi a)
{
    return _mm256_castsi256_ps(a);
}
static inline vf f_sel(vm m, vf t, vf f)
{
    return _mm256_blendv_ps(f, t, _mm256_castsi256_ps(m));
}
static inline vf f_opaque(vf a)
{
    __asm__("" : "+x"(a));
    return a;
}

static inline vi i_set(int32_t a)
{
    return _mm256_set1_epi32(a);
}
static inline vi i_add(vi a, vi b)
{
    return _mm256_add_epi32(a, b);
}
static inline vi i_sub(vi a, vi b)
{
    return _mm256_sub_epi32(a, b);
}
static inline vi i_and(vi a, vi b)
{
    return _mm256_and_si256(a, b);
}
static inline vi i_or(vi a, vi b)
{
    return _mm256_or_si256(a, b);
}
static inline vi i_shl23(vi a)
{
    return _mm256_slli_epi32(a, 23);
}
static inline vi i_srlv(vi a, vi n)
{
    return _mm256_srlv_epi32(a, n);
}
static inline vi i_cvtt(vf a)
{
    return _mm256_cvttps_epi32(a);
}
static inline vf i_to_f(vi a)
{
    return _mm256_cvtepi32_ps(a);
}
static inline vi i_sel(vm m, vi t, vi f)
{
    return _mm256_castps_si256(
        _mm256_blendv_ps(_mm256_castsi256_ps(f), _mm256_castsi256_ps(t), _mm256_castsi256_ps(m)));
}

static inline vm m_igt(vi a, vi b)
{
    return _mm256_cmpgt_epi32(a, b);
}
static inline vm m_ieq(vi a, vi b)
{
    return _mm256_cmpeq_epi32(a, b);
}
static inline vm m_flt(vf a, vf b)
{
    return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_LT_OQ));
}
static inline vm m_fgt(vf a, vf b)
{
    return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_GT_OQ));
}
static inline vm m_and(vm a, vm b)
{
    return _mm256_and_si256(a, b);
}
static inline vm m_or(vm a, vm b)
{
    return _mm256_or_si256(a, b);
}

static inline vd d_set(double a)
{
    return _mm256_set1_pd(a);
}
static inline vd d_fma(vd a, vd b, vd c)
{
    return _mm256_fmadd_pd(a, b, c);
}
static inline vd d_fms(vd a, vd b, vd c)
{
    return _mm256_fmsub_pd(a, b, c);
}
static inline vd d_sub(vd a, vd b)
{
    return _mm256_sub_pd(a, b);
}
static inline vd d_mul(vd a, vd b)
{
    return _mm256_mul_pd(a, b);
}
static inline vd d_lo(vf a)
{
    return _mm256_cvtps_pd(_mm256_castps256_ps128(a));
}
static inline vd d_hi(vf a)
{
    return _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
}
static inline vf f_of_d(vd lo, vd hi)
{
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi),
                                1);
}
static inline vl l_bits(vd a)
{
    return _mm256_castpd_si256(a);
}
static inline vd d_of_bits(vl a)
{
    return _mm256_castsi256_pd(a);
}
static inline vl l_add(vl a, vl b)
{
    return _mm256_add_epi64(a, b);
}
static inline vl l_shl47(vl a)
{
    return _mm256_slli_epi64(a, 47);
}
static inline vl l_table(const uint64_t *t, vl k)
{
    return _mm256_i64gather_epi64((const long long *)t, _mm256_and_si256(k, _mm256_set1_epi64x(31)),
                                  8);
}

/* Lanes below n: all ones. */
static inline vi first(size_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline vf f_load(const float *p)
{
    return _mm256_loadu_ps(p);
}
static inline void f_store(float *p, vf a)
{
    _mm256_storeu_ps(p, a);
}
static inline vf f_load_part(const float *p, size_t n)
{
    return _mm256_maskload_ps(p, first(n));
}
static inline void f_store_part(float *p, vf a, size_t n)
{
    _mm256_maskstore_ps(p, first(n), a);
}

#include "math/vexp_body.h"

const nn_vexp_impl nn_vexp_avx2 = {"avx2", NN_VEXP_AVX2_FMA, expm1_array, exp_array};
