/* math/vexp.c - the vector expm1f and expf (src/math/vexp.h) bit for bit against glibc's
 * scalar functions, for every path this CPU runs, with and without flush-to-zero: a sample
 * of float inputs (2^24 bit patterns evenly spread, every 127th float of [-20, 0], and
 * every float within 512 of each threshold where glibc's code branches), array lengths
 * that leave a tail, y == x, and ELU and SELU against their per-element definitions.
 * make check-vexp runs all 2^32 inputs. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "math/fpmode.h"
#include "math/vexp.h"
#include "nn/act/activation.h"
#include "suites.h"

enum { BLOCK = 4096, NEAR = 512 };

/* |x| bit patterns where glibc's expm1f or expf changes branch: FLT_MIN, 2^-25, 0.5 ln2,
 * 1.5 ln2, 27 ln2, 88 (expf), o_threshold, 0x42b17218, expf's underflow bounds, inf. */
static const uint32_t edges[] = {
    0x00000000, 0x00800000, 0x33000000, 0x3eb17218, 0x3f851592, 0x4195b844,
    0x42b00000, 0x42b17180, 0x42b17218, 0x42cfe368, 0x42ce8ecf, 0x7f800000,
};

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static int same(float a, float b)
{
    return to_bits(a) == to_bits(b) || (isnan(a) && isnan(b));
}

/* The path under test, and the inputs of one block of the sample. */
typedef struct sample {
    const nn_vexp_impl *im;
    float x[BLOCK], want[BLOCK], got[BLOCK];
} sample;

/* Compares fn against glibc's on s->x[0..n); the first difference fails the test. */
static void check_block(sample *s, size_t n, int flush)
{
    for (int f = 0; f < 2; f++) {
        for (size_t i = 0; i < n; i++)
            s->want[i] = f ? expf(s->x[i]) : expm1f(s->x[i]);
        (f ? s->im->exp_fn : s->im->expm1_fn)(s->x, s->got, n);
        for (size_t i = 0; i < n; i++) /* no ck_assert per element: each one costs a write */
            if (!same(s->got[i], s->want[i]))
                ck_abort_msg("%s path %s, flush %s: input %a (0x%08x) gives %a, glibc %a",
                             f ? "expf" : "expm1f", s->im->name, flush ? "on" : "off",
                             (double)s->x[i], to_bits(s->x[i]), (double)s->got[i],
                             (double)s->want[i]);
    }
}

/* Bit patterns lo, lo + step, ... up to hi (inclusive), through check_block. */
static void check_range(sample *s, uint64_t lo, uint64_t hi, uint64_t step, int flush)
{
    size_t n = 0;
    for (uint64_t u = lo; u <= hi; u += step) {
        s->x[n++] = from_bits((uint32_t)u);
        if (n == BLOCK) {
            check_block(s, n, flush);
            n = 0;
        }
    }
    check_block(s, n, flush);
}

static const nn_vexp_impl *impl_of(int i)
{
    const nn_vexp_impl *im = nn_vexp_impl_at((size_t)i);
    ck_assert_ptr_nonnull(im);
    return im;
}

START_TEST(test_sample_matches_glibc)
{
    sample *s = malloc(sizeof *s);
    ck_assert_ptr_nonnull(s);
    s->im = impl_of(_i);
    for (int flush = 0; flush <= 1; flush++) {
        nn_fpmode mode = nn_fp_flush(flush);
        check_range(s, 0x2a, 0xffffffffu, 255u, flush); /* 2^24, odd step: all low bits */
        check_range(s, 0x80000000u, to_bits(-20.0f), 127, flush);
        for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++)
            for (uint32_t sign = 0; sign <= 1; sign++) {
                uint64_t mid = edges[e] | (uint64_t)sign << 31;
                check_range(s, mid < NEAR ? 0 : mid - NEAR, mid + NEAR, 1, flush);
            }
        nn_fp_restore(mode);
    }
    free(s);
}
END_TEST

/* Every length up to 3 vectors and a bit (all tails), in place (y == x) and not. */
START_TEST(test_lengths_and_in_place)
{
    const nn_vexp_impl *im = impl_of(_i);
    enum { N = 53 };
    float x[N], y[N], inplace[N];
    for (size_t n = 0; n <= N; n++)
        for (int f = 0; f < 2; f++) {
            nn_vexp_fn fn = f ? im->exp_fn : im->expm1_fn;
            for (size_t i = 0; i < N; i++) {
                x[i] = (float)((double)i * 0.37 - 9.5 - (double)n);
                y[i] = inplace[i] = x[i];
            }
            y[n < N ? n : 0] = 12345.0f;
            fn(x, y, n);
            fn(inplace, inplace, n);
            for (size_t i = 0; i < n; i++) {
                float want = f ? expf(x[i]) : expm1f(x[i]);
                ck_assert_msg(same(y[i], want) && same(inplace[i], want),
                              "%s path %s, n %zu: element %zu", f ? "expf" : "expm1f", im->name, n,
                              i);
            }
            if (n < N) /* nothing written past n */
                ck_assert(y[n] == 12345.0f);
        }
}
END_TEST

/* ELU and SELU, forward and backward, against their per-element formulas with glibc's
 * expm1f and expf over an array longer than one chunk (vexp.h: NN_VEXP_CHUNK). */
START_TEST(test_elu_selu_match_formulas)
{
    enum { N = 2 * NN_VEXP_CHUNK + 37 };
    float *buf = malloc(3 * N * sizeof(float));
    ck_assert_ptr_nonnull(buf);
    float *x = buf, *dy = buf + N, *y = buf + 2 * N;
    for (size_t i = 0; i < N; i++) {
        x[i] = (float)(((double)i - 0.8 * N) / 23.0);
        dy[i] = (float)(1.0 - (double)(i % 7) * 0.3);
    }
    const nn_act_def *elu = nn_act_find("elu"), *selu = nn_act_find("selu");
    ck_assert(elu && selu);
    const double hp[NN_MAX_HPARAMS] = {0.7};
    const float a = 0.7f, scale = (float)1.0507009873554804934193349852946;
    const float sa = (float)(1.0507009873554804934193349852946 * 1.6732632423543772848170429916717);
    for (int k = 0; k < 4; k++) {
        const nn_act_def *act = k < 2 ? elu : selu;
        if (k % 2 == 0)
            act->forward(x, y, 1, N, NULL, 0, hp);
        else
            act->backward(x, dy, y, NULL, N, 1, NULL, 0, hp);
        for (size_t i = 0; i < N; i++) {
            int pos = x[i] > 0.0f;
            float want = k == 0   ? (pos ? x[i] : a * expm1f(x[i]))
                         : k == 1 ? (pos ? dy[i] : dy[i] * a * expf(x[i]))
                         : k == 2 ? (pos ? scale * x[i] : sa * expm1f(x[i]))
                                  : (pos ? scale * dy[i] : dy[i] * sa * expf(x[i]));
            ck_assert_msg(same(y[i], want), "%s %s at x = %a", act->name,
                          k % 2 ? "backward" : "forward", (double)x[i]);
        }
    }
    free(buf);
}
END_TEST

Suite *vexp_suite(th_skips *sk)
{
    Suite *s = suite_create("vexp");
    TCase *tc = tcase_create("glibc");
    tcase_set_timeout(tc, 60);
    const nn_vexp_impl *im;
    for (int i = 0; (im = nn_vexp_impl_at((size_t)i)) != NULL; i++) {
        if (nn_vexp_usable(im)) {
            if (im->isa != NN_VEXP_ANY) /* the libm path is glibc itself */
                tcase_add_loop_test(tc, test_sample_matches_glibc, i, i + 1);
            tcase_add_loop_test(tc, test_lengths_and_in_place, i, i + 1);
        } else {
            char what[96];
            snprintf(what, sizeof what,
                     "test_sample_matches_glibc[%s], test_lengths_and_in_place[%s]", im->name,
                     im->name);
            th_skip(sk, "vexp", what, im->isa != NN_VEXP_ANY ? 2 : 1,
                    "this CPU lacks the path's instruction set");
        }
    }
    tcase_add_test(tc, test_elu_selu_match_formulas);
    suite_add_tcase(s, tc);
    return s;
}
