/* gemm.c - the GEMM driver: picks a kernel at run time from a table of kernel
 * descriptors (kernel.h), plans each product (kernel rows, panels read in place, thread
 * count) and hands it to the loops in threads.c. Packing is in pack.c, each instruction
 * set's kernel in kernel_<isa>.c; the design and its measurements are in docs/gemm.md. */
#include "math/gemm/gemm.h"

#include "math/gemm/gemm_internal.h"
#include "sys/clock.h"
#include "sys/cpu.h"

#include <stdlib.h>
#include <string.h>

enum {
    /* Below this many multiply-adds (about 15 us on one core) a product runs on one
     * thread: each thread would pack its own copy of an operand. */
    PARALLEL_MIN_MACS = 1 << 21,
    ROWS_DIRECT_PANELS = 8, /* rows of A read in place up to this many column panels */
};

/* Best first: with no kernel named, the first the CPU supports is used. */
static const nn_kernel_def *const kernels[] = {
#ifdef NN_BLAS
    &nn_kernel_blas, /* a BLAS build uses it by default */
#endif
#if defined(__x86_64__) || defined(__i386__)
    &nn_kernel_avx512,
    &nn_kernel_avx2,
#endif
    &nn_kernel_portable,
};

const char *nn_gemm_kernel_name(size_t i)
{
    return i < sizeof kernels / sizeof kernels[0] ? kernels[i]->name : NULL;
}

int nn_gemm_kernel_lanes(size_t i)
{
    return i < sizeof kernels / sizeof kernels[0] && kernels[i]->dots_lanes && !kernels[i]->sgemm;
}

/* Whether this CPU runs code built for isa: a kernel's functions are called only then. */
static int cpu_has(nn_kernel_isa isa)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (isa == NN_ISA_AVX512F)
        return __builtin_cpu_supports("avx512f");
    if (isa == NN_ISA_AVX2_FMA)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return isa == NN_ISA_ANY;
}

/* The kernel called want (NULL or "": the best this CPU supports); NULL when unavailable. */
static const nn_kernel_def *pick_kernel(const char *want)
{
    int any = !want || !*want;
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if ((any || strcmp(want, kernels[i]->name) == 0) && cpu_has(kernels[i]->isa))
            return kernels[i];
    return NULL;
}

const char *nn_gemm_kernel_default(void)
{
    return pick_kernel(NULL)->name; /* the portable kernel runs anywhere */
}

const char *nn_gemm_blas(void)
{
#ifdef NN_BLAS_LIB
    return NN_BLAS_LIB;
#elif defined(NN_BLAS)
    return "cblas";
#else
    return NULL;
#endif
}

/* Whether whole micro-panels of op(A) are read where they lie instead of packed: A^T
 * always, the rows of a non-transposed A only when C has few column panels (each A panel
 * then meets few B panels, and packing it would cost about as much as using it). Never
 * when alpha != 1 (applied while packing) or the stride rules it out (nn_in_place_stride). */
static int a_direct(const nn_gemm_job *jb, size_t nr)
{
    if (jb->alpha != 1.0f || !nn_in_place_stride(jb->lda))
        return 0;
    return jb->ta == NN_TRANS || (jb->n + nr - 1) / nr <= ROWS_DIRECT_PANELS;
}

/* Chooses the kernel's rows, the panels read in place, and returns the thread count. */
static int plan(nn_gemm_ctx *ctx, nn_gemm_job *jb)
{
    const nn_kernel_def *kd = ctx->k;
    const size_t m = jb->m, n = jb->n, mr = kd->mr, alt = kd->mr_alt;
    jb->mr = mr;
    jb->micro = kd->micro;
    if (alt && (m + alt - 1) / alt * alt < (m + mr - 1) / mr * mr) { /* less row padding */
        jb->mr = alt;
        jb->micro = kd->micro_alt;
    }
    jb->a_direct = a_direct(jb, kd->nr);
    size_t panels = (n + kd->nr - 1) / kd->nr, mpanels = (m + jb->mr - 1) / jb->mr;
    size_t most = panels > mpanels ? panels : mpanels;
    if (ctx->threads == 1 || (double)m * (double)n * (double)jb->k < PARALLEL_MIN_MACS)
        return 1;
    int nt = nn_team_size(&ctx->team, nn_now());
    if ((size_t)nt > most)
        nt = (int)most;
    return nt;
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

void nn_gemm(nn_gemm_ctx *ctx, nn_trans ta, nn_trans tb, size_t m, size_t n, size_t k, float alpha,
             const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
             size_t ldc)
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
    const nn_kernel_def *kd = ctx->k;
    int whole = !kd->micro || k == 0 || alpha == 0.0f; /* no tiles: C in one piece */
    if (kd->sgemm)
        kd->sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else if (whole && beta != 1.0f)
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
    if (kd->dots && ta == NN_NO_TRANS && tb == NN_TRANS && n <= 16) {
        kd->dots(m, n, k, alpha, a, lda, b, ldb, c, ldc, beta != 0.0f);
        if (epilogue)
            epilogue(epilogue_ctx, 0, 0, m, n, c, ldc);
        return;
    }
    nn_gemm_job jb = {.ta = ta,
                      .tb = tb,
                      .m = m,
                      .n = n,
                      .k = k,
                      .alpha = alpha,
                      .a = a,
                      .b = b,
                      .lda = lda,
                      .ldb = ldb,
                      .overwrite = beta == 0.0f,
                      .c = c,
                      .ldc = ldc,
                      .split = split,
                      .epilogue = epilogue,
                      .epilogue_ctx = epilogue_ctx,
                      .kern = kd};
    int nt = plan(ctx, &jb);
    nn_gemm_run(ctx, &jb, nt);
}

int nn_gemm_dots_lanes(const nn_gemm_ctx *ctx, size_t k, size_t n, const float *at,
                       const float *b, size_t ldb, float *ct)
{
    const nn_kernel_def *kd = ctx->k;
    if (!kd->dots_lanes || kd->sgemm || k == 0 || k > 16 || n > 16)
        return 0;
    kd->dots_lanes(k, n, at, b, ldb, ct);
    return 1;
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
    const nn_kernel_def *kd = pick_kernel(want);
    if (!kd)
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
    /* On a cache-line boundary: the unit queues are aligned to (and alone on) one each. */
    nn_gemm_ctx *ctx = aligned_alloc(64, (sizeof *ctx + 63) / 64 * 64);
    if (!ctx)
        return nn_fail(err, NN_ESYS, "out of memory");
    memset(ctx, 0, sizeof *ctx);
    ctx->k = kd;
    if (threads <= 0)
        threads = nn_cpu_count();
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    ctx->threads = threads;
    nn_team_init(&ctx->team, threads);
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
    return ctx->k->name;
}

void nn_gemm_set_flush(nn_gemm_ctx *ctx, int flush)
{
    ctx->flush = flush;
}

int nn_gemm_team(nn_gemm_ctx *ctx)
{
    return ctx->threads == 1 ? 1 : nn_team_size(&ctx->team, nn_now());
}
