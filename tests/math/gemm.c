/* math/gemm.c - nn_gemm against a naive double-precision product, for every kernel this
 * CPU supports (forced by name), every transposition case, awkward sizes, alpha/beta,
 * padded strides; and bit-identical results for 1, 2 and 3 threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "math/gemm/gemm.h"
#include "math/rng.h"
#include "suites.h"

typedef struct problem {
    nn_trans ta, tb;
    size_t m, n, k, lda, ldb, ldc;
    float alpha, beta;
    float *a, *b, *c0; /* inputs; c0 = C before the product */
} problem;

/* A problem whose rows of A and B are lda_pad and ldb_pad floats longer than needed. */
static void make_ld(problem *p, nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k, float alpha,
                    float beta, size_t lda_pad, size_t ldb_pad)
{
    nn_rng rng;
    nn_rng_seed(&rng, m * 131 + n * 17 + k, 5);
    *p = (problem){
        ta,    tb,   m,    n,    k,   (ta ? m : k) + lda_pad, (tb ? k : n) + ldb_pad, n + 2,
        alpha, beta, NULL, NULL, NULL};
    size_t arows = ta ? k : m, brows = tb ? n : k;
    p->a = malloc(arows * p->lda * sizeof(float));
    p->b = malloc(brows * p->ldb * sizeof(float));
    p->c0 = malloc(m * p->ldc * sizeof(float));
    ck_assert(p->a && p->b && p->c0);
    for (size_t i = 0; i < arows * p->lda; i++)
        p->a[i] = (float)(2 * nn_rng_uniform(&rng) - 1);
    for (size_t i = 0; i < brows * p->ldb; i++)
        p->b[i] = (float)(2 * nn_rng_uniform(&rng) - 1);
    for (size_t i = 0; i < m * p->ldc; i++)
        p->c0[i] = (float)(2 * nn_rng_uniform(&rng) - 1);
}

static void make(problem *p, nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k, float alpha,
                 float beta)
{
    make_ld(p, ta, tb, m, n, k, alpha, beta, 3, 1);
}

static void unmake(problem *p)
{
    free(p->a);
    free(p->b);
    free(p->c0);
}

/* Runs the product with ctx into a fresh copy of C; returns it (caller frees). */
static float *run(nn_gemm_ctx *ctx, const problem *p)
{
    float *c = malloc(p->m * p->ldc * sizeof(float));
    ck_assert_ptr_nonnull(c);
    memcpy(c, p->c0, p->m * p->ldc * sizeof(float));
    nn_gemm(ctx, p->ta, p->tb, p->m, p->n, p->k, p->alpha, p->a, p->lda, p->b, p->ldb, p->beta, c,
            p->ldc);
    return c;
}

static void check_against_reference(const problem *p, const float *c, const char *kernel)
{
    for (size_t i = 0; i < p->m; i++)
        for (size_t j = 0; j < p->n; j++) {
            double s = 0;
            for (size_t q = 0; q < p->k; q++)
                s += (double)(p->ta ? p->a[q * p->lda + i] : p->a[i * p->lda + q]) *
                     (double)(p->tb ? p->b[j * p->ldb + q] : p->b[q * p->ldb + j]);
            double want =
                p->alpha * s + (p->beta == 0.0f ? 0.0 : p->beta * (double)p->c0[i * p->ldc + j]);
            double tol = 2e-6 * (double)(p->k + 4);
            ck_assert_msg(fabs(c[i * p->ldc + j] - want) <= tol,
                          "%s ta=%d tb=%d m=%zu n=%zu k=%zu: C[%zu,%zu] = %.7g, expected %.7g",
                          kernel, p->ta, p->tb, p->m, p->n, p->k, i, j, (double)c[i * p->ldc + j],
                          want);
        }
    /* The padding between rows of C is never touched. */
    for (size_t i = 0; i < p->m; i++)
        for (size_t j = p->n; j < p->ldc; j++)
            ck_assert_float_eq(c[i * p->ldc + j], p->c0[i * p->ldc + j]);
}

static const size_t sizes[] = {1, 7, 17, 63, 65, 257, 784, 1000};

/* _i: kernel * 4 + transposition case. */
START_TEST(test_kernel_cases)
{
    const char *name = nn_gemm_kernel_name((size_t)_i / 4);
    nn_trans ta = (nn_trans)(_i & 1), tb = (nn_trans)((_i >> 1) & 1);
    nn_gemm_ctx *ctx;
    nn_error err;
    ck_assert_msg(nn_gemm_create(&ctx, name, 1, &err) == NN_OK, "%s", err.msg);
    ck_assert_str_eq(nn_gemm_kernel(ctx), name);
    for (size_t x = 0; x < sizeof sizes / sizeof sizes[0]; x++) {
        size_t s = sizes[x];
        problem shapes[3];
        make(&shapes[0], ta, tb, s, 17, 7, 1.0f, 0.0f);
        make(&shapes[1], ta, tb, 13, s, 65, 0.5f, 1.0f);
        make(&shapes[2], ta, tb, 7, 33, s, -1.0f, 0.25f);
        for (int q = 0; q < 3; q++) {
            float *c = run(ctx, &shapes[q]);
            check_against_reference(&shapes[q], c, name);
            free(c);
            unmake(&shapes[q]);
        }
    }
    /* Rows 512 bytes apart: A^T and B panels are then copied, not read in place (the
     * other strides above are read in place). Partial panels in both directions. */
    problem aligned;
    make_ld(&aligned, ta, tb, 45, 100, 128, 1.0f, 0.5f, ta ? 128 - 45 : 0, tb ? 0 : 128 - 100);
    float *ca = run(ctx, &aligned);
    check_against_reference(&aligned, ca, name);
    free(ca);
    unmake(&aligned);
    problem big;
    make(&big, ta, tb, 64, 256, 784, 1.0f, 0.0f); /* the first layer's shapes */
    float *c = run(ctx, &big);
    check_against_reference(&big, c, name);
    free(c);
    unmake(&big);
    nn_gemm_destroy(ctx);
}
END_TEST

/* Every output element is computed by one thread in one order: 1, 2 and 3 threads give
 * the same bits, and so does a product over fewer rows (a sample's result does not
 * depend on the rest of its batch). */
/* The best of nntrain's own kernels (a BLAS build would pick cblas by default, whose
 * results are OpenBLAS's business). */
static nn_gemm_ctx *native(int threads)
{
    nn_gemm_ctx *ctx = NULL;
    const char *name;
    for (size_t k = 0; !ctx && (name = nn_gemm_kernel_name(k)) != NULL; k++)
        if (strcmp(name, "blas") == 0 || nn_gemm_create(&ctx, name, threads, NULL) != NN_OK)
            ctx = NULL;
    ck_assert_ptr_nonnull(ctx);
    return ctx;
}

START_TEST(test_threads_bit_identical)
{
    nn_gemm_ctx *one = native(1), *two = native(2), *three = native(3);
    const size_t shapes[][3] = {{64, 256, 784},  {256, 784, 64}, {64, 784, 256},
                                {1000, 65, 300}, {32, 32, 784},  {128, 1024, 1024}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++) {
            problem p;
            make(&p, (nn_trans)(t & 1), (nn_trans)(t >> 1), shapes[s][0], shapes[s][1],
                 shapes[s][2], 1.0f, t == 3 ? 1.0f : 0.0f);
            float *c1 = run(one, &p), *c2 = run(two, &p), *c3 = run(three, &p);
            ck_assert_msg(memcmp(c1, c2, p.m * p.ldc * sizeof(float)) == 0,
                          "1 vs 2 threads differ for %zux%zux%zu", p.m, p.n, p.k);
            ck_assert(memcmp(c1, c3, p.m * p.ldc * sizeof(float)) == 0);
            /* The first 5 or 12 rows alone give the same bits as within the full product
             * (5 and most full sizes run the 8-row AVX-512 kernel, 12 the 12-row one). */
            for (size_t rows = 5; rows <= 12 && p.ta == NN_NO_TRANS; rows += 7) {
                problem head = p;
                head.m = rows;
                float *ch = run(two, &head);
                ck_assert_msg(memcmp(c1, ch, rows * p.ldc * sizeof(float)) == 0,
                              "the first %zu rows of %zux%zux%zu differ", rows, p.m, p.n, p.k);
                free(ch);
            }
            free(c1);
            free(c2);
            free(c3);
            unmake(&p);
        }
    nn_gemm_destroy(one);
    nn_gemm_destroy(two);
    nn_gemm_destroy(three);
}
END_TEST

#ifdef _OPENMP
/* What the epilogue saw: how often each element of C was handed over, and by which thread. */
typedef struct coverage {
    int *count;
    size_t n;
    int blocks[2];
    int slowed, team;
} coverage;

/* Thread 0 stalls in its first block, as a core taken by another process would, until the
 * other thread has made no progress for 200 ms (at most 5 s): by then that thread has
 * finished its own share and taken over the rest of thread 0's. */
static void count_block(void *ctx, size_t i0, size_t j0, size_t m, size_t n, float *c, size_t ldc)
{
    (void)c, (void)ldc;
    coverage *cv = ctx;
    int t = omp_get_thread_num();
    if (t == 0 && !cv->slowed) {
        cv->slowed = 1;
        cv->team = omp_get_num_threads();
        int last = -1, still = 0;
        for (int waited = 0; cv->team > 1 && still < 200 && waited < 5000; waited++) {
            nanosleep(&(struct timespec){0, 1000 * 1000}, NULL); /* 1 ms */
            int now = __atomic_load_n(&cv->blocks[1], __ATOMIC_RELAXED);
            still = now == last ? still + 1 : 0;
            last = now;
        }
    }
    __atomic_fetch_add(&cv->blocks[t & 1], 1, __ATOMIC_RELAXED);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            __atomic_fetch_add(&cv->count[(i0 + i) * cv->n + j0 + j], 1, __ATOMIC_RELAXED);
}

/* Two threads share a product out in units: a slowed thread's units are taken by the other,
 * every element is still handed over exactly once, and the bits equal one thread's. */
START_TEST(test_slow_thread_units_taken)
{
    nn_gemm_ctx *one = native(1), *two = native(2);
    const struct {
        nn_trans ta, tb;
        size_t m, n, k;
        nn_gemm_split split;
    } cases[] = {{NN_NO_TRANS, NN_TRANS, 64, 256, 784, NN_SPLIT_COLS},  /* a forward pass */
                 {NN_TRANS, NN_NO_TRANS, 256, 784, 64, NN_SPLIT_ROWS}}; /* a weight gradient */
    for (size_t s = 0; s < sizeof cases / sizeof cases[0]; s++) {
        problem p;
        make(&p, cases[s].ta, cases[s].tb, cases[s].m, cases[s].n, cases[s].k, 1.0f, 0.0f);
        float *c1 = run(one, &p), *c2 = malloc(p.m * p.ldc * sizeof(float));
        coverage cv = {calloc(p.m * p.n, sizeof(int)), p.n, {0, 0}, 0, 0};
        ck_assert(c2 && cv.count);
        memcpy(c2, p.c0, p.m * p.ldc * sizeof(float));
        nn_gemm_ex(two, p.ta, p.tb, p.m, p.n, p.k, 1.0f, p.a, p.lda, p.b, p.ldb, 0.0f, c2, p.ldc,
                   cases[s].split, count_block, &cv);
        ck_assert(memcmp(c1, c2, p.m * p.ldc * sizeof(float)) == 0);
        for (size_t i = 0; i < p.m * p.n; i++)
            ck_assert_int_eq(cv.count[i], 1);
        /* Thread 0 keeps only what it had claimed before it stalled (a few units); thread 1
         * does its own half and the rest of thread 0's. (OMP_THREAD_LIMIT=1 leaves one
         * thread: nothing to take over.) */
        if (cv.team > 1)
            ck_assert_msg(cv.blocks[1] > 2 * cv.blocks[0], "thread 1 took %d blocks, thread 0 %d",
                          cv.blocks[1], cv.blocks[0]);
        free(cv.count);
        free(c1);
        free(c2);
        unmake(&p);
    }
    nn_gemm_destroy(one);
    nn_gemm_destroy(two);
}
END_TEST

/* A context made for two threads, called where the runtime gives it one (inside another
 * parallel region, nesting off): the one thread does every unit, with the same bits. */
START_TEST(test_fewer_threads_than_planned)
{
    nn_gemm_ctx *one = native(1), *two = native(2);
    for (int t = 0; t < 4; t++) {
        problem p;
        make(&p, (nn_trans)(t & 1), (nn_trans)(t >> 1), 200, 200, 300, 1.0f, 0.0f);
        float *c1 = run(one, &p), *c2 = NULL;
        int levels = omp_get_max_active_levels();
        omp_set_max_active_levels(1);
#pragma omp parallel num_threads(2)
        {
#pragma omp single
            c2 = run(two, &p);
        }
        omp_set_max_active_levels(levels);
        ck_assert(memcmp(c1, c2, p.m * p.ldc * sizeof(float)) == 0);
        free(c1);
        free(c2);
        unmake(&p);
    }
    nn_gemm_destroy(one);
    nn_gemm_destroy(two);
}
END_TEST
#endif

START_TEST(test_beta_zero_ignores_nan)
{
    nn_gemm_ctx *ctx;
    ck_assert_int_eq(nn_gemm_create(&ctx, NULL, 1, NULL), NN_OK); /* the default, BLAS too */
    float a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1}, c[4] = {NAN, NAN, INFINITY, NAN};
    nn_gemm(ctx, NN_NO_TRANS, NN_NO_TRANS, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);
    ck_assert_float_eq(c[0], 1.0f);
    ck_assert_float_eq(c[3], 4.0f);
    float d[4] = {NAN, NAN, NAN, NAN};
    nn_gemm(ctx, NN_NO_TRANS, NN_NO_TRANS, 2, 2, 0, 1.0f, a, 2, b, 2, 0.0f, d, 2);
    ck_assert_float_eq(d[1], 0.0f);
    nn_gemm_destroy(ctx);
}
END_TEST

/* A B^T with few columns: an element is the same sum whatever the other columns, so the
 * results of n = 1 and n = 2 (computed in their own block shapes) are bit for bit the first
 * columns of n = 4, and a row's result does not depend on m. _i: the kernel (every one but
 * blas, whose sums are the library's). */
START_TEST(test_few_columns_independent)
{
    static const size_t ks[] = {1, 2, 3, 8, 15, 16, 17, 40, 784};
    size_t t = (size_t)_i;
    nn_gemm_ctx *ctx;
    ck_assert_int_eq(nn_gemm_create(&ctx, nn_gemm_kernel_name(t), 1, NULL), NN_OK);
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        size_t k = ks[ki], m = 37;
        float *a = malloc(m * k * sizeof *a), *b = malloc(4 * k * sizeof *b);
        float c4[37 * 4], c2[37 * 2], c1[37], r1[4];
        for (size_t i = 0; i < m * k; i++)
            a[i] = (float)sin((double)i * 0.37) * 3.0f;
        for (size_t i = 0; i < 4 * k; i++)
            b[i] = (float)cos((double)i * 0.91);
        nn_gemm(ctx, NN_NO_TRANS, NN_TRANS, m, 4, k, 1.0f, a, k, b, k, 0.0f, c4, 4);
        nn_gemm(ctx, NN_NO_TRANS, NN_TRANS, m, 2, k, 1.0f, a, k, b, k, 0.0f, c2, 2);
        nn_gemm(ctx, NN_NO_TRANS, NN_TRANS, m, 1, k, 1.0f, a, k, b, k, 0.0f, c1, 1);
        for (size_t i = 0; i < m; i++) {
            ck_assert_msg(memcmp(&c2[2 * i], &c4[4 * i], 2 * sizeof(float)) == 0,
                          "%s k=%zu row %zu: n=2 differs from n=4", nn_gemm_kernel_name(t), k, i);
            ck_assert_msg(memcmp(&c1[i], &c4[4 * i], sizeof(float)) == 0,
                          "%s k=%zu row %zu: n=1 differs from n=4", nn_gemm_kernel_name(t), k, i);
            nn_gemm(ctx, NN_NO_TRANS, NN_TRANS, 1, 4, k, 1.0f, a + i * k, k, b, k, 0.0f, r1, 4);
            ck_assert_msg(memcmp(r1, &c4[4 * i], 4 * sizeof(float)) == 0,
                          "%s k=%zu row %zu: m=1 differs from m=37", nn_gemm_kernel_name(t), k, i);
        }
        free(a);
        free(b);
    }
    nn_gemm_destroy(ctx);
}
END_TEST

/* k <= 16 (one 16-lane step, narrow layers) against k = 17 with a zero 17th column (two
 * steps, the general path): the same sums, so the same bits. _i: the kernel, as above. */
START_TEST(test_short_k_same_sums)
{
    size_t t = (size_t)_i;
    nn_gemm_ctx *ctx;
    ck_assert_int_eq(nn_gemm_create(&ctx, nn_gemm_kernel_name(t), 1, NULL), NN_OK);
    enum { M = 37, LD = 17 };
    float a[M * LD], b[16 * LD], c1[M * 16], c2[M * 16];
    for (size_t k = 1; k <= 16; k++)
        for (size_t n = 1; n <= 16; n++) {
            for (size_t i = 0; i < M * LD; i++)
                a[i] = i % LD < k ? (float)sin((double)i * 0.37 + (double)n) * 3.0f : 0.0f;
            for (size_t i = 0; i < 16 * LD; i++)
                b[i] = i % LD < k ? (float)cos((double)i * 0.91) : 0.0f;
            nn_gemm(ctx, NN_NO_TRANS, NN_TRANS, M, n, k, 1.0f, a, LD, b, LD, 0.0f, c1, n);
            nn_gemm(ctx, NN_NO_TRANS, NN_TRANS, M, n, LD, 1.0f, a, LD, b, LD, 0.0f, c2, n);
            ck_assert_msg(memcmp(c1, c2, M * n * sizeof(float)) == 0,
                          "%s k=%zu n=%zu: k <= 16 differs from the general path",
                          nn_gemm_kernel_name(t), k, n);
        }
    nn_gemm_destroy(ctx);
}
END_TEST

/* Rows held lane-major (nn_gemm_dots_lanes) give every element nn_gemm's bits, for every
 * k, n <= 16. _i: a kernel that has the path (nn_gemm_kernel_lanes). */
START_TEST(test_dots_lanes_same_bits)
{
    size_t t = (size_t)_i;
    nn_gemm_ctx *ctx;
    ck_assert_int_eq(nn_gemm_create(&ctx, nn_gemm_kernel_name(t), 1, NULL), NN_OK);
    float a[16 * 16], at[16 * 16], b[16 * 16], c[16 * 16], ct[16 * 16];
    for (size_t k = 1; k <= 16; k++)
        for (size_t n = 1; n <= 16; n++) {
            for (size_t i = 0; i < 16 * k; i++)
                a[i] = (float)sin((double)i * 0.71 + (double)n) * 2.0f;
            for (size_t i = 0; i < 16 * 16; i++)
                b[i] = (float)cos((double)i * 0.37 + (double)k);
            for (size_t r = 0; r < 16; r++)
                for (size_t l = 0; l < k; l++)
                    at[16 * l + r] = a[r * k + l];
            ck_assert(nn_gemm_dots_lanes(ctx, k, n, at, b, k, ct));
            nn_gemm(ctx, NN_NO_TRANS, NN_TRANS, 16, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
            for (size_t r = 0; r < 16; r++)
                for (size_t j = 0; j < n; j++)
                    ck_assert_msg(memcmp(&c[r * n + j], &ct[16 * j + r], sizeof(float)) == 0,
                                  "%s k=%zu n=%zu C[%zu][%zu]", nn_gemm_kernel_name(t), k, n, r, j);
        }
    nn_gemm_destroy(ctx);
}
END_TEST

START_TEST(test_unknown_kernel)
{
    nn_gemm_ctx *ctx;
    nn_error err;
    ck_assert_int_eq(nn_gemm_create(&ctx, "sse9", 1, &err), NN_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "sse9"));
    ck_assert_ptr_null(ctx);
}
END_TEST

static int not_blas(size_t i)
{
    return strcmp(nn_gemm_kernel_name(i), "blas") != 0;
}

/* Registers test for every kernel built into this binary that it applies to (applies
 * NULL: every one), iterations per * i to per * i + per for the i-th, so that a new kernel
 * file is tested as soon as the driver lists it; one this CPU cannot run is recorded as
 * skipped, with the reason nn_gemm_create gives. */
static void add_per_kernel(TCase *tc, th_skips *sk, const TTest *test, const char *test_name,
                           int per, int (*applies)(size_t))
{
    const char *name;
    for (int i = 0; (name = nn_gemm_kernel_name((size_t)i)) != NULL; i++) {
        nn_gemm_ctx *ctx;
        nn_error err;
        if (applies && !applies((size_t)i))
            continue;
        if (nn_gemm_create(&ctx, name, 1, &err) == NN_OK) {
            nn_gemm_destroy(ctx);
            tcase_add_loop_test(tc, test, per * i, per * i + per);
        } else {
            char what[96];
            snprintf(what, sizeof what, "%s[%s]", test_name, name);
            th_skip(sk, "gemm", what, (size_t)per, err.msg);
        }
    }
}

Suite *gemm_suite(th_skips *sk)
{
    Suite *s = suite_create("gemm");
    TCase *tc = tcase_create("kernels");
    tcase_set_timeout(tc, 60);
    add_per_kernel(tc, sk, test_kernel_cases, "test_kernel_cases", 4, NULL);
    tcase_add_test(tc, test_threads_bit_identical);
    tcase_add_test(tc, test_beta_zero_ignores_nan);
#ifdef _OPENMP
    tcase_add_test(tc, test_slow_thread_units_taken);
    tcase_add_test(tc, test_fewer_threads_than_planned);
#else
    th_skip(sk, "gemm", "test_slow_thread_units_taken, test_fewer_threads_than_planned", 2,
            "built without OpenMP: products run on one thread");
#endif
    tcase_add_test(tc, test_unknown_kernel);
    add_per_kernel(tc, sk, test_few_columns_independent, "test_few_columns_independent", 1,
                   not_blas);
    add_per_kernel(tc, sk, test_short_k_same_sums, "test_short_k_same_sums", 1, not_blas);
    add_per_kernel(tc, sk, test_dots_lanes_same_bits, "test_dots_lanes_same_bits", 1,
                   nn_gemm_kernel_lanes);
    suite_add_tcase(s, tc);
    return s;
}
