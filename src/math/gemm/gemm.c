/* gemm.c - SGEMM: the driver (kernel table, planning, context), packing into cache-sized
 * panels and OpenMP threads over output tiles. The micro-kernels are in kernel_<isa>.c
 * (kernel.h); the design and the measurements behind it are in docs/gemm.md. */
#include "math/gemm/gemm.h"

#include "math/fpmode.h"
#include "math/gemm/kernel.h"
#include "sys/cpu.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef GEMM_KC
#define GEMM_KC 256
#endif

enum {
    KC = GEMM_KC, /* k per block: a KC x NR panel of B stays in L1 */
    MC = 384,     /* rows of A per block (a multiple of every MR) */
    NC = 960,     /* columns of B packed at a time per thread (multiple of every NR) */
    MR_MAX = 12,
    NR_MAX = 32,
    MAX_THREADS = 64,
    /* Shared-out products (threads.c): each thread keeps one whole operand packed, up to
     * DYN_FULL floats, and one panel of the other over all of K (K <= DYN_K). */
    DYN_FULL = 1 << 20,
    DYN_K = 4096,
};

/* One thread's share of a product's units, [front, back) in one word: the owner takes
 * from the front, a thread that has run out takes from the back. On its own cache line. */
typedef struct nn_unit_queue {
    _Alignas(64) _Atomic uint64_t fb;
    char pad[64 - sizeof(uint64_t)];
} nn_unit_queue;

struct nn_gemm_ctx {
    const nn_kernel_def *k;
    int threads;
    int flush; /* worker threads flush subnormals to zero (nn_gemm_set_flush) */
    /* Packing buffers, one set per thread: threads never read what another core packed
     * and never wait for each other inside a product. */
    float *apack[MAX_THREADS]; /* (MC + MR_MAX) x KC */
    float *bpack[MAX_THREADS]; /* (NC + NR_MAX) x KC */
    float *full[MAX_THREADS];  /* DYN_FULL: one operand packed whole (threads.c) */
    float *panel[MAX_THREADS]; /* DYN_K x NR_MAX: one panel of the other over all of K */
    nn_unit_queue queue[MAX_THREADS];
};

/* One product as the loops see it (beta already applied to C unless it is 0). */
typedef struct nn_gemm_job {
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
    const nn_kernel_def *kern; /* its nr and packing helpers */
    size_t mr;                 /* the kernel's rows for this product (mr or mr_alt) */
    nn_micro_fn micro;         /* and the matching micro-kernel */
    int a_direct;              /* whole A micro-panels are read in place (gemm.c) */
} nn_gemm_job;

/* Whether panels with this row stride may be read in place: not when it is a multiple of
 * 512 bytes, as their rows would then share a few of L1's sets and evict each other. */
static int nn_in_place_stride(size_t ld)
{
    return ld * sizeof(float) % 512 != 0;
}

/* Whether whole B micro-panels are read in place (B stores NR values of one k together). */
static int nn_b_in_place(nn_trans tb, size_t ldb)
{
    return tb == NN_NO_TRANS && nn_in_place_stride(ldb);
}

/* Where the micro-kernel reads the A micro-panel of op(A) rows i0 .. i0+mv, k from k0, and
 * its steps *as (between values of k) and *ai (between rows): in place, or at packed. */
static const float *nn_a_panel(const nn_gemm_job *jb, const float *packed, size_t i0, size_t mv,
                               size_t k0, size_t *as, size_t *ai)
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
static const float *nn_b_panel(const nn_gemm_job *jb, size_t nr, const float *packed, size_t j0,
                               size_t nv, size_t k0, size_t *bs)
{
    if (nv == nr && nn_b_in_place(jb->tb, jb->ldb)) {
        *bs = jb->ldb;
        return jb->b + k0 * jb->ldb + j0;
    }
    *bs = nr;
    return packed;
}

/* d[p * mr + i] = src[i * lda + p] for rows i < mv (zero for mv <= i < mr), p < kc: the
 * transposition that packing a non-transposed A needs. */
static void pack_rows(const float *src, size_t lda, size_t mv, size_t mr, size_t kc, float *d,
                      nn_pack_rows_fn fast)
{
    size_t p0 = 0;
    if (mr <= 16 && fast) { /* 16 values of k at a time, in registers */
        p0 = kc & ~(size_t)15;
        fast(src, lda, mv, mr, p0, d);
    }
    /* Written contiguously, read as mr sequential streams. */
    for (size_t p = p0; p < kc; p++)
        for (size_t i = 0; i < mr; i++)
            d[p * mr + i] = i < mv ? src[i * lda + p] : 0.0f;
}

/* Rows already in panel order: d[p * width + j] = src[p * ld + j] for j < nv, zero for
 * nv <= j < width, p < kc. */
static void copy_panel(const float *src, size_t ld, size_t kc, size_t nv, size_t width, float *d,
                       nn_copy_panel_fn fast)
{
    if (fast && width <= 32) {
        fast(src, ld, kc, nv, width, d);
        return;
    }
    for (size_t p = 0; p < kc; p++) {
        memcpy(d + p * width, src + p * ld, nv * sizeof(float));
        memset(d + p * width + nv, 0, (width - nv) * sizeof(float));
    }
}

static void nn_gemm_pack_a(const nn_gemm_job *jb, size_t i0, size_t mc, size_t k0, size_t kc,
                           float *dst, size_t q0, size_t q1)
{
    const size_t mr = jb->mr, lda = jb->lda;
    for (size_t q = q0; q < q1; q++) {
        float *d = dst + q * mr * kc;
        size_t r0 = q * mr, mv = mc - r0 < mr ? mc - r0 : mr;
        if (mv == mr && jb->a_direct)
            continue;
        if (jb->ta == NN_NO_TRANS)
            pack_rows(jb->a + (i0 + r0) * lda + k0, lda, mv, mr, kc, d, jb->kern->pack_rows);
        else
            copy_panel(jb->a + k0 * lda + i0 + r0, lda, kc, mv, mr, d, jb->kern->copy_panel);
        if (jb->alpha != 1.0f)
            for (size_t x = 0; x < mr * kc; x++)
                d[x] *= jb->alpha;
    }
}

/* Columns j0 .. j0+nv of op(B) = B^T (rows of B) into one panel nr wide, k-major. */
static void pack_cols(const float *src, size_t ldb, size_t kc, size_t nv, size_t nr, float *d,
                      nn_pack_cols_fn fast)
{
    size_t p = 0;
    if (fast && nv == nr && nr % 16 == 0) /* whole 16 x 16 blocks in registers */
        p = fast(src, ldb, kc, nr, d);
    for (size_t j = 0; j < nv; j++)
        for (size_t pp = p; pp < kc; pp++)
            d[pp * nr + j] = src[j * ldb + pp];
    for (size_t j = nv; j < nr; j++)
        for (size_t pp = p; pp < kc; pp++)
            d[pp * nr + j] = 0.0f;
}

static void nn_gemm_pack_b(const nn_gemm_job *jb, size_t k0, size_t kc, size_t j0, size_t nc,
                           float *dst)
{
    const size_t nr = jb->kern->nr, ldb = jb->ldb;
    for (size_t q = 0; q * nr < nc; q++) {
        float *d = dst + q * nr * kc;
        size_t c0 = q * nr, nv = nc - c0 < nr ? nc - c0 : nr;
        if (nv == nr && nn_b_in_place(jb->tb, ldb))
            continue;
        if (jb->tb == NN_NO_TRANS)
            copy_panel(jb->b + k0 * ldb + j0 + c0, ldb, kc, nv, nr, d, jb->kern->copy_panel);
        else
            pack_cols(jb->b + (j0 + c0) * ldb + k0, ldb, kc, nv, nr, d, jb->kern->pack_cols);
    }
}

#ifdef _OPENMP
#endif

enum {
    DYN_CHUNK_PANELS = 2, /* row micro-panels per unit when units are column panels */
    UNIT_GUIDE = 4,       /* a queue's owner claims 1 / UNIT_GUIDE of what is left, */
    UNIT_CLAIM_MAX = 4,   /* at most this many units at a time (see queue_take) */
};

/* The micro-kernel over row micro-panels q0 .. q1-1 of one block of MC rows (starting at
 * row i0, mc rows) and columns j0 .. j0+nc, from the packed panels at abuf and bbuf. */
static void run_block(const nn_gemm_job *jb, size_t i0, size_t mc, size_t q0, size_t q1, size_t j0,
                      size_t nc, size_t k0, size_t kc, int add, const float *abuf,
                      const float *bbuf)
{
    const size_t mr = jb->mr, nr = jb->kern->nr;
    /* An A micro-panel (MR x KC, a few KB) stays in L1 while the B micro-panels (KC x NR)
     * stream past it from L2. */
    for (size_t q = q0; q < q1; q++) {
        size_t ir = q * mr, mv = mc - ir < mr ? mc - ir : mr;
        size_t as, ai, bs;
        const float *ap = nn_a_panel(jb, abuf + q * mr * kc, i0 + ir, mv, k0, &as, &ai);
        for (size_t jr = 0; jr < nc; jr += nr) {
            size_t nv = nc - jr < nr ? nc - jr : nr;
            float *c = jb->c + (i0 + ir) * jb->ldc + j0 + jr;
            const float *bp = nn_b_panel(jb, nr, bbuf + (jr / nr) * nr * kc, j0 + jr, nv, k0, &bs);
            jb->micro(kc, ap, as, ai, bp, bs, c, jb->ldc, mv, nv, add);
        }
    }
}

/* Thread t of nt: its columns (or rows) of C, from its own packed copies of the parts of
 * A and B it needs. */
static void run_thread(const nn_gemm_ctx *ctx, const nn_gemm_job *jb, int t, int nt)
{
    const size_t mr = jb->mr, nr = jb->kern->nr;
    const size_t n_panels = (jb->n + nr - 1) / nr, m_first = jb->m < MC ? jb->m : MC;
    /* Split by columns when there are enough column panels (or rows were asked for but
     * there are too few row panels), else by row panels. */
    const int by_cols =
        jb->split == NN_SPLIT_ROWS ? (m_first + mr - 1) / mr < (size_t)nt : n_panels >= (size_t)nt;
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
            nn_gemm_pack_a(jb, i0, mc, k0, kc, abuf, row_p0, row_p1);
            for (size_t j0 = col0; j0 < col1; j0 += NC) {
                size_t nc = col1 - j0 < NC ? col1 - j0 : NC;
                nn_gemm_pack_b(jb, k0, kc, j0, nc, bbuf);
                run_block(jb, i0, mc, row_p0, row_p1, j0, nc, k0, kc, add, abuf, bbuf);
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

#ifdef _OPENMP
/* Units: either column panels (by_cols: each thread packs all of op(A), a unit is one
 * NR-column panel of B by a few of A's row micro-panels) or row micro-panels (each thread
 * packs all of op(B), a unit is one MR-row panel of A by every column). */
typedef struct units {
    int by_cols;
    size_t m_panels, n_panels; /* micro-panels of op(A) rows and op(B) columns */
    size_t chunk;              /* by_cols: row micro-panels per unit */
    size_t per_panel;          /* units per column panel (by_cols) */
    size_t count;
} units;

static units plan_units(const nn_gemm_job *jb)
{
    units u = {0};
    u.m_panels = (jb->m + jb->mr - 1) / jb->mr;
    u.n_panels = (jb->n + jb->kern->nr - 1) / jb->kern->nr;
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
static int units_fit(const nn_gemm_job *jb, const units *u)
{
    size_t m_pad = u->m_panels * jb->mr, n_pad = u->n_panels * jb->kern->nr;
    size_t whole = jb->split == NN_SPLIT_COLS ? m_pad : n_pad;
    return jb->k <= DYN_K && whole <= DYN_FULL / jb->k && u->count <= UINT32_MAX;
}

static void queue_set(nn_unit_queue *q, size_t front, size_t back)
{
    atomic_store_explicit(&q->fb, (uint64_t)front | (uint64_t)back << 32, memory_order_relaxed);
}

/* Units *first .. *first + *count - 1 of q: its owner takes a quarter of what is left from
 * the front (one to UNIT_CLAIM_MAX, as each claim is a locked instruction), another thread
 * one unit from the back. */
static int queue_take(nn_unit_queue *q, int from_back, size_t *first, size_t *count)
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

/* Thread t's next units: from its own queue, else from the back of another's. */
static int next_units(nn_gemm_ctx *ctx, int t, int nt, size_t *first, size_t *count)
{
    if (queue_take(&ctx->queue[t], 0, first, count))
        return 1;
    for (int d = 1; d < nt; d++)
        if (queue_take(&ctx->queue[(t + d) % nt], 1, first, count))
            return 1;
    return 0;
}

/* The micro-panel ranges of a unit (rows r[0] .. r[1]-1, columns c[0] .. c[1]-1), and the
 * panel of the other operand it needs: a column panel (by_cols) or a row panel. */
static size_t unit_ranges(const units *u, size_t unit, size_t r[2], size_t c[2])
{
    if (u->by_cols) {
        size_t pj = unit / u->per_panel, ch = unit % u->per_panel;
        c[0] = pj, c[1] = pj + 1;
        r[0] = ch * u->chunk;
        r[1] = r[0] + u->chunk < u->m_panels ? r[0] + u->chunk : u->m_panels;
        return pj;
    }
    r[0] = unit, r[1] = unit + 1;
    c[0] = 0, c[1] = u->n_panels;
    return unit;
}

/* The whole operand a thread keeps packed: op(A) (by_cols) or op(B), k-block at k0 at
 * full + (m_pad or n_pad) * k0. */
static void pack_whole(const nn_gemm_job *jb, const units *u, float *full)
{
    const size_t m_pad = u->m_panels * jb->mr, n_pad = u->n_panels * jb->kern->nr;
    for (size_t k0 = 0; k0 < jb->k; k0 += KC) {
        size_t kc = jb->k - k0 < KC ? jb->k - k0 : KC;
        if (u->by_cols)
            nn_gemm_pack_a(jb, 0, jb->m, k0, kc, full + m_pad * k0, 0, u->m_panels);
        else
            nn_gemm_pack_b(jb, k0, kc, 0, jb->n, full + n_pad * k0);
    }
}

/* Panel p of the other operand over all of K: column panel p of op(B) (by_cols) or row
 * micro-panel p of op(A). */
static void pack_panel(const nn_gemm_job *jb, const units *u, size_t p, float *panel)
{
    const size_t mr = jb->mr, nr = jb->kern->nr;
    for (size_t k0 = 0; k0 < jb->k; k0 += KC) {
        size_t kc = jb->k - k0 < KC ? jb->k - k0 : KC;
        if (u->by_cols) {
            size_t j0 = p * nr, nc = jb->n - j0 < nr ? jb->n - j0 : nr;
            nn_gemm_pack_b(jb, k0, kc, j0, nc, panel + nr * k0);
        } else {
            size_t i0 = p * mr, mc = jb->m - i0 < mr ? jb->m - i0 : mr;
            nn_gemm_pack_a(jb, i0, mc, k0, kc, panel + mr * k0, 0, 1);
        }
    }
}

/* The tiles of one unit, complete over K, then its epilogue. k-blocks outermost: a B
 * panel's k-block (by_cols) or an A micro-panel's (by rows) stays in L1 while the unit's
 * other panels pass it. */
static void run_unit(const nn_gemm_job *jb, const units *u, const size_t r[2], const size_t c[2],
                     const float *full, const float *panel)
{
    const size_t mr = jb->mr, nr = jb->kern->nr, k = jb->k;
    const size_t m_pad = u->m_panels * mr, n_pad = u->n_panels * nr;
    for (size_t k0 = 0; k0 < k; k0 += KC) {
        size_t kc = k - k0 < KC ? k - k0 : KC;
        int add = !(jb->overwrite && k0 == 0);
        for (size_t q = r[0]; q < r[1]; q++) {
            size_t i0 = q * mr, mv = jb->m - i0 < mr ? jb->m - i0 : mr, as, ai;
            const float *ap =
                nn_a_panel(jb, u->by_cols ? full + m_pad * k0 + q * mr * kc : panel + mr * k0, i0,
                           mv, k0, &as, &ai);
            for (size_t p = c[0]; p < c[1]; p++) {
                size_t j0 = p * nr, nv = jb->n - j0 < nr ? jb->n - j0 : nr, bs;
                const float *bp = nn_b_panel(
                    jb, nr, u->by_cols ? panel + nr * k0 : full + n_pad * k0 + p * nr * kc, j0, nv,
                    k0, &bs);
                jb->micro(kc, ap, as, ai, bp, bs, jb->c + i0 * jb->ldc + j0, jb->ldc, mv, nv, add);
            }
        }
    }
    if (jb->epilogue) {
        size_t i0 = r[0] * mr, i1 = r[1] * mr < jb->m ? r[1] * mr : jb->m;
        size_t j0 = c[0] * nr, j1 = c[1] * nr < jb->n ? c[1] * nr : jb->n;
        jb->epilogue(jb->epilogue_ctx, i0, j0, i1 - i0, j1 - j0, jb->c + i0 * jb->ldc + j0,
                     jb->ldc);
    }
}

/* Thread t's work; nt is the number of queues (threads planned), which may be more than
 * the threads that run. */
static void run_units(nn_gemm_ctx *ctx, const nn_gemm_job *jb, const units *u, int t, int nt)
{
    pack_whole(jb, u, ctx->full[t]);
    size_t packed = SIZE_MAX;  /* which panel is in panel[] */
    size_t next = 0, left = 0; /* units claimed and not yet run */
    for (;;) {
        if (left == 0 && !next_units(ctx, t, nt, &next, &left))
            break;
        size_t r[2], c[2], need = unit_ranges(u, next++, r, c);
        left--;
        if (packed != need)
            pack_panel(jb, u, need, ctx->panel[t]);
        packed = need;
        run_unit(jb, u, r, c, ctx->full[t], ctx->panel[t]);
    }
}

/* Shares the product out in units: each thread starts with the units a static split would
 * give it, then takes from the others' queues. The runtime may start fewer threads than
 * asked (OMP_THREAD_LIMIT, a call from inside another parallel region): the threads that
 * run take units from all nt queues. Returns 0 when the product does not fit the buffers. */
static int share_units(nn_gemm_ctx *ctx, const nn_gemm_job *jb, int nt)
{
    units u = plan_units(jb);
    if (!units_fit(jb, &u))
        return 0;
    if ((size_t)nt > u.count)
        nt = (int)u.count;
    for (int t = 0; t < nt; t++) /* thread t's own share, as a static split */
        queue_set(&ctx->queue[t], u.count * (size_t)t / (size_t)nt,
                  u.count * (size_t)(t + 1) / (size_t)nt);
#pragma omp parallel num_threads(nt)
    {
        nn_fpmode fp = nn_fp_flush(ctx->flush);
        run_units(ctx, jb, &u, omp_get_thread_num(), nt);
        nn_fp_restore(fp);
    }
    return 1;
}
#endif

static void nn_gemm_run(nn_gemm_ctx *ctx, const nn_gemm_job *jb, int nt)
{
    if (nt <= 1) {
        run_thread(ctx, jb, 0, 1);
        return;
    }
#ifdef _OPENMP
    if (share_units(ctx, jb, nt))
        return;
#pragma omp parallel num_threads(nt)
    {
        nn_fpmode fp = nn_fp_flush(ctx->flush);
        run_thread(ctx, jb, omp_get_thread_num(), omp_get_num_threads());
        nn_fp_restore(fp);
    }
#else
    run_thread(ctx, jb, 0, 1);
#endif
}

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
static int plan(const nn_gemm_ctx *ctx, nn_gemm_job *jb)
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
    int nt = ctx->threads;
    size_t panels = (n + kd->nr - 1) / kd->nr, mpanels = (m + jb->mr - 1) / jb->mr;
    size_t most = panels > mpanels ? panels : mpanels;
    if ((double)m * (double)n * (double)jb->k < PARALLEL_MIN_MACS)
        nt = 1;
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

int nn_gemm_threads(const nn_gemm_ctx *ctx)
{
    return ctx->threads;
}
