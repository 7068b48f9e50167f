/* threads.c - how a product's tiles are run and shared between threads: a fixed split
 * (run_thread: one thread, or products too large for the unit buffers) or units taken
 * from per-thread queues (run_units). Either way each element of C is computed by one
 * thread as the same sum in the same order; see docs/gemm.md. */
#include "math/gemm/gemm_internal.h"

#include "math/fpmode.h"
#include "sys/clock.h"

#include <stdatomic.h>

#ifdef _OPENMP
#include <omp.h>
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

/* Tells the team how the threads of a shared product ran: late when one finished long
 * after the others had run out of units (it was not running; they waited for it), or when
 * this thread has been waiting for a core (sys/team.h). */
static void report_team(nn_gemm_ctx *ctx, int nt, double start)
{
    double first = 0.0, last = 0.0;
    for (int t = 0; t < nt; t++) {
        double d = ctx->queue[t].done;
        if (d > 0.0 && (first == 0.0 || d < first))
            first = d;
        last = d > last ? d : last;
    }
    if (first > 0.0) {
        int starved = nn_team_starved(&ctx->team, last, nn_thread_cpu);
        nn_team_report(&ctx->team, starved || nn_team_late(start, first, last), last);
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
    for (int t = 0; t < nt; t++) { /* thread t's own share, as a static split */
        queue_set(&ctx->queue[t], u.count * (size_t)t / (size_t)nt,
                  u.count * (size_t)(t + 1) / (size_t)nt);
        ctx->queue[t].done = 0.0; /* stays 0 for a thread the runtime does not start */
    }
    double start = nn_now();
#pragma omp parallel num_threads(nt)
    {
        nn_fpmode fp = nn_fp_flush(ctx->flush);
        int t = omp_get_thread_num();
        run_units(ctx, jb, &u, t, nt);
        ctx->queue[t].done = nn_now();
        nn_fp_restore(fp);
    }
    report_team(ctx, nt, start);
    return 1;
}
#endif

void nn_gemm_run(nn_gemm_ctx *ctx, const nn_gemm_job *jb, int nt)
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
