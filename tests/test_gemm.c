/* test_gemm.c - nn_gemm against a naive double-precision product, for every
 * transposition case and awkward sizes, with alpha/beta and padded strides. */
#include <math.h>
#include <stdlib.h>

#include "nn/gemm.h"
#include "nn/rng.h"
#include "suites.h"

static void check(nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k, float alpha, float beta)
{
    nn_rng rng;
    nn_rng_seed(&rng, m * 131 + n * 17 + k, 5);
    size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
    size_t arows = ta ? k : m, brows = tb ? n : k;
    float *a = malloc(arows * lda * sizeof *a), *b = malloc(brows * ldb * sizeof *b);
    float *c = malloc(m * ldc * sizeof *c);
    double *ref = malloc(m * n * sizeof *ref);
    ck_assert(a && b && c && ref);
    for (size_t i = 0; i < arows * lda; i++)
        a[i] = (float)(2 * nn_rng_uniform(&rng) - 1);
    for (size_t i = 0; i < brows * ldb; i++)
        b[i] = (float)(2 * nn_rng_uniform(&rng) - 1);
    for (size_t i = 0; i < m * ldc; i++)
        c[i] = (float)(2 * nn_rng_uniform(&rng) - 1);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t p = 0; p < k; p++)
                s += (double)(ta ? a[p * lda + i] : a[i * lda + p]) *
                     (double)(tb ? b[j * ldb + p] : b[p * ldb + j]);
            ref[i * n + j] = alpha * s + (beta == 0.0f ? 0.0 : beta * (double)c[i * ldc + j]);
        }
    nn_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double tol = 1e-5 * (double)(k + 1);
            ck_assert_msg(fabs(c[i * ldc + j] - ref[i * n + j]) <= tol,
                          "ta=%d tb=%d m=%zu n=%zu k=%zu: C[%zu,%zu] = %.7g, expected %.7g", ta,
                          tb, m, n, k, i, j, (double)c[i * ldc + j], ref[i * n + j]);
        }
    free(a);
    free(b);
    free(c);
    free(ref);
}

static const size_t sizes[] = {1, 7, 17, 63, 65, 257};

START_TEST(test_cases)
{
    nn_trans ta = (nn_trans)(_i & 1), tb = (nn_trans)((_i >> 1) & 1);
    for (size_t x = 0; x < sizeof sizes / sizeof sizes[0]; x++) {
        size_t s = sizes[x];
        check(ta, tb, s, 7, 17, 1.0f, 0.0f);
        check(ta, tb, 17, s, 7, 0.5f, 1.0f);
        check(ta, tb, 7, 17, s, -1.0f, 0.25f);
    }
    check(ta, tb, 64, 256, 784, 1.0f, 0.0f); /* the first layer's shapes */
    check(ta, tb, 63, 1000, 65, 1.0f, 1.0f);
}
END_TEST

START_TEST(test_beta_zero_ignores_nan)
{
    float a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1}, c[4] = {NAN, NAN, INFINITY, NAN};
    nn_gemm(NN_NO_TRANS, NN_NO_TRANS, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);
    ck_assert_float_eq(c[0], 1.0f);
    ck_assert_float_eq(c[3], 4.0f);
}
END_TEST

Suite *gemm_suite(void)
{
    Suite *s = suite_create("gemm");
    TCase *tc = tcase_create("naive_reference");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_cases, 0, 4);
    tcase_add_test(tc, test_beta_zero_ignores_nan);
    suite_add_tcase(s, tc);
    return s;
}
