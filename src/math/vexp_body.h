/* vexp_body.h - the two algorithms of vexp.h, written once over the vector operations that
 * vexp_avx512.c and vexp_avx2.c define before including this file (VF float lanes; types
 * vf, vi: 32-bit ints, vm: a lane mask, vd: doubles, vl: 64-bit ints, VF / 2 lanes each).
 *
 * Every lane computes every branch of glibc's scalar code and keeps the one glibc would
 * take. Each float operation is glibc's operation on the same operands in the same order
 * (read from the disassembly of this machine's libm.so.6); a + b for b + a or 2 * d for
 * d + d are exact swaps. Nothing may be contracted into an FMA the scalar code does not
 * have: the including files are built with -ffp-contract=off. Where glibc combines two
 * constants at run time (tiny - 1, huge * huge), f_opaque keeps the compiler from folding
 * them: the result can depend on the floating-point mode (0x1.4p-75 squared is 2^-149, or
 * 0 when flushing to zero). */

#include <stdint.h>

/* fdlibm's s_expm1f.c as glibc 2.36 builds it (bit patterns in the comments). */
#define EM1_LN2_HI 0x1.62e3p-1f      /* 0x3f317180 */
#define EM1_LN2_LO 0x1.2fefa2p-17f   /* 0x3717f7d1 */
#define EM1_INVLN2 0x1.715476p+0f    /* 0x3fb8aa3b */
#define EM1_O_THRESHOLD 0x1.62e3p+6f /* 0x42b17180 */
#define EM1_HUGE 0x1.93e594p+99f     /* 1.0e+30, 0x7149f2ca */
#define EM1_TINY 0x1.4484cp-100f     /* 1.0e-30, 0x0da24260 */
#define EM1_Q1 -0x1.111112p-5f       /* 0xbd088889 */
#define EM1_Q2 0x1.a01a02p-10f       /* 0x3ad00d01 */
#define EM1_Q3 -0x1.4ce19ap-14f      /* 0xb8a670cd */
#define EM1_Q4 0x1.0cfca8p-18f       /* 0x36867e54 */
#define EM1_Q5 -0x1.afdb76p-23f      /* 0xb457edbb */

/* x with the sign of the lanes' sign bits s (0 or 0x80000000). */
static inline vf with_sign(vi s, float x)
{
    return f_of_bits(i_or(s, f_bits(f_set(x))));
}

/* expm1f's argument reduction, |x| > 0.5 ln2: x = k ln2 + (r + c), r returned. */
static inline vf em1_reduce(vf x, vi hx, vi sign, vi *k, vf *c)
{
    const vi kg = i_cvtt(f_add(f_mul(f_set(EM1_INVLN2), x), with_sign(sign, 0.5f)));
    const vf t = i_to_f(kg);
    /* |x| < 1.5 ln2: k = +-1 with hi = x -+ ln2_hi, lo = +-ln2_lo */
    const vm one = m_igt(i_set(0x3f851592), hx);
    const vf hi =
        f_sel(one, f_sub(x, with_sign(sign, EM1_LN2_HI)), f_sub(x, f_mul(t, f_set(EM1_LN2_HI))));
    const vf lo = f_sel(one, with_sign(sign, EM1_LN2_LO), f_mul(t, f_set(EM1_LN2_LO)));
    *k = i_sel(one, i_sel(m_igt(i_set(0), sign), i_set(-1), i_set(1)), kg);
    const vf r = f_sub(hi, lo);
    *c = f_sub(f_sub(hi, r), lo);
    return r;
}

/* expm1f(r + c) * 2^k from glibc's rational approximation in r, for every k. */
static inline vf em1_scale(vf x, vf c, vi k)
{
    const vf hfx = f_mul(f_set(0.5f), x), hxs = f_mul(x, hfx);
    vf r1 = f_mul(hxs, f_set(EM1_Q5));
    r1 = f_mul(hxs, f_add(f_set(EM1_Q4), r1));
    r1 = f_mul(hxs, f_add(f_set(EM1_Q3), r1));
    r1 = f_mul(hxs, f_add(f_set(EM1_Q2), r1));
    r1 = f_add(f_set(1.0f), f_mul(hxs, f_add(f_set(EM1_Q1), r1)));
    const vf t = f_sub(f_set(3.0f), f_mul(r1, hfx));
    vf e = f_mul(hxs, f_div(f_sub(r1, t), f_sub(f_set(6.0f), f_mul(x, t))));
    const vf y0 = f_sub(x, f_sub(f_mul(x, e), hxs)); /* k == 0 */
    e = f_sub(f_sub(f_mul(x, f_sub(e, c)), c), hxs);
    const vf ym1 = f_sub(f_mul(f_set(0.5f), f_sub(x, e)), f_set(0.5f)); /* k == -1 */
    const vf y1 = f_sel(m_flt(x, f_set(-0.25f)),                        /* k == 1 */
                        f_mul(f_set(-2.0f), f_sub(e, f_add(x, f_set(0.5f)))),
                        f_add(f_set(1.0f), f_mul(f_set(2.0f), f_sub(x, e))));
    /* 2 <= k <= 22: t = 1 - 2^-k; k <= -2 or k > 56: t = 1, and 1 is taken off at the end */
    const vi kexp = i_shl23(k);
    const vm mid = m_and(m_igt(k, i_set(1)), m_igt(i_set(23), k));
    const vf tk =
        f_sel(mid, f_of_bits(i_sub(i_set(0x3f800000), i_srlv(i_set(0x1000000), k))), f_set(1.0f));
    vf y = f_of_bits(i_add(f_bits(f_sub(tk, f_sub(e, x))), kexp));
    const vm far = m_or(m_igt(i_set(-1), k), m_igt(k, i_set(56)));
    y = f_sel(far, f_sub(y, f_set(1.0f)), y);
    /* 23 <= k <= 56: t = 2^-k */
    const vf t2 = f_of_bits(i_shl23(i_sub(i_set(0x7f), k)));
    const vf yh = f_of_bits(i_add(f_bits(f_add(f_sub(x, f_add(e, t2)), f_set(1.0f))), kexp));
    y = f_sel(m_and(m_igt(k, i_set(22)), m_igt(i_set(57), k)), yh, y);
    y = f_sel(m_ieq(k, i_set(1)), y1, y);
    y = f_sel(m_ieq(k, i_set(-1)), ym1, y);
    return f_sel(m_ieq(k, i_set(0)), y0, y);
}

/* glibc 2.36's expm1f on each lane. */
static inline vf expm1_v(vf x)
{
    const vi bits = f_bits(x), hx = i_and(bits, i_set(0x7fffffff));
    const vi sign = i_sub(bits, hx);
    vi k;
    vf c;
    vf r = em1_reduce(x, hx, sign, &k, &c);
    const vm small = m_igt(i_set(0x3eb17219), hx); /* |x| <= 0.5 ln2: k = 0, r = x */
    r = f_sel(small, x, r);
    k = i_sel(small, i_set(0), k);
    vf y = em1_scale(r, c, k);
    /* |x| < 2^-25: x, as glibc computes it (x - 0, which flushes a denormal under DAZ) */
    const vf hux = f_add(f_set(EM1_HUGE), x);
    y = f_sel(m_igt(i_set(0x33000000), hx), f_sub(x, f_sub(hux, hux)), y);
    /* x <= -27 ln2 (and -inf): tiny - 1 */
    const vm neg = m_igt(i_set(0), bits);
    const vf tiny_m1 = f_sub(f_opaque(f_set(EM1_TINY)), f_set(1.0f));
    y = f_sel(m_and(neg, m_igt(hx, i_set(0x4195b843))), tiny_m1, y);
    /* |x| >= 0x42b17218 and x > o_threshold: huge * huge (+inf) */
    const vm over = m_and(m_igt(hx, i_set(0x42b17217)), m_fgt(x, f_set(EM1_O_THRESHOLD)));
    const vf huge = f_opaque(f_set(EM1_HUGE));
    y = f_sel(over, f_mul(huge, huge), y);
    /* +-inf: x or -1; NaN: x + x */
    const vm inf = m_ieq(hx, i_set(0x7f800000));
    y = f_sel(inf, f_sel(neg, f_set(-1.0f), x), y);
    return f_sel(m_igt(hx, i_set(0x7f800000)), f_add(x, x), y);
}

/* glibc 2.36's __expf_fma (Szabolcs Nagy's expf: a 32-entry table of 2^(i/32) and a
 * cubic in double precision) on doubles converted from the float lanes. */
#define EXP_INVLN2N 0x1.71547652b82fep+5 /* 32 / ln 2 */
#define EXP_SHIFT 0x1.8p+52
#define EXP_C0 0x1.c6af84b912394p-20
#define EXP_C1 0x1.ebfce50fac4f3p-13
#define EXP_C2 0x1.62e42ff0c52d6p-6

/* The bits of 2^(i/32) less i << 47 (glibc's __exp2f_data.tab): adding ki << 47 to entry
 * ki % 32 gives 2^(ki/32). */
static const uint64_t exp_table[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};

static inline vd exp_d(vd xd)
{
    vd kd = d_fma(d_set(EXP_INVLN2N), xd, d_set(EXP_SHIFT));
    const vl ki = l_bits(kd);
    kd = d_sub(kd, d_set(EXP_SHIFT));
    const vd r = d_fms(d_set(EXP_INVLN2N), xd, kd);
    const vd s = d_of_bits(l_add(l_table(exp_table, ki), l_shl47(ki)));
    const vd z = d_fma(r, d_set(EXP_C0), d_set(EXP_C1));
    const vd r2 = d_mul(r, r);
    vd y = d_fma(r, d_set(EXP_C2), d_set(1.0));
    y = d_fma(z, r2, y);
    return d_mul(y, s);
}

/* glibc 2.36's expf on each lane: the thresholds glibc tests when |x| >= 88 or x is NaN. */
static inline vf exp_v(vf x)
{
    vf y = f_of_d(exp_d(d_lo(x)), exp_d(d_hi(x)));
    const vi bits = f_bits(x), hx = i_and(bits, i_set(0x7fffffff));
    /* x < log(2^-149) ~ -103.28: may underflow; x < log(2^-150): underflows. The products
     * are glibc's, made at run time: 0x1.4p-75^2 is 2^-149, or 0 when flushing (FTZ). */
    const vf may = f_opaque(f_set(0x1.4p-75f)), tiny = f_opaque(f_set(0x1p-95f));
    const vf huge = f_opaque(f_set(0x1p97f));
    y = f_sel(m_flt(x, f_set(-0x1.9d1d9ep6f)), f_mul(may, may), y);
    y = f_sel(m_flt(x, f_set(-0x1.9fe368p6f)), f_mul(tiny, tiny), y);
    y = f_sel(m_fgt(x, f_set(0x1.62e42ep6f)), f_mul(huge, huge), y); /* x > log(2^128) */
    y = f_sel(m_igt(hx, i_set(0x7f7fffff)), f_add(x, x), y);         /* +inf, NaN */
    return f_sel(m_ieq(bits, i_set(-0x800000)), f_set(0.0f), y);     /* -inf, 0xff800000 */
}

/* The array loops: whole vectors, then the rest through masked loads and stores. */
static void expm1_array(const float *x, float *y, size_t n)
{
    size_t i = 0;
    for (; i + VF <= n; i += VF)
        f_store(y + i, expm1_v(f_load(x + i)));
    if (i < n)
        f_store_part(y + i, expm1_v(f_load_part(x + i, n - i)), n - i);
}

static void exp_array(const float *x, float *y, size_t n)
{
    size_t i = 0;
    for (; i + VF <= n; i += VF)
        f_store(y + i, exp_v(f_load(x + i)));
    if (i < n)
        f_store_part(y + i, exp_v(f_load_part(x + i, n - i)), n - i);
}
