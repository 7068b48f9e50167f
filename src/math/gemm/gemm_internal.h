/* gemm_internal.h - what the GEMM driver (gemm.c), the packing (pack.c) and the thread
 * loops (threads.c) share: block sizes, the context, one product's plan (nn_gemm_job), and
 * where a micro-kernel reads its panels. The design is in docs/gemm.md. */
#ifndef NN_GEMM_INTERNAL_H
#define NN_GEMM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "math/gemm/gemm.h"
#include "math/gemm/kernel.h"
#include "sys/team.h"

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
    double done; /* when its owner ran out of units (nn_now), for the team (sys/team.h) */
    char pad[64 - sizeof(uint64_t) - sizeof(double)];
} nn_unit_queue;

struct nn_gemm_ctx {
    const nn_kernel_def *k;
    int threads;
    nn_team team; /* the threads products use now: fewer while the cores are shared */
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

/* op(A)[i0 .. i0+mc, k0 .. k0+kc] into MR-row panels dst[panel][p][i], zero padded; only
 * panels q0 .. q1-1, and not the whole panels read in place (jb->a_direct). */
void nn_gemm_pack_a(const nn_gemm_job *jb, size_t i0, size_t mc, size_t k0, size_t kc, float *dst,
                    size_t q0, size_t q1);
/* op(B)[k0 .. k0+kc, j0 .. j0+nc] into NR-column panels dst[panel][p][j], zero padded,
 * except whole panels read in place (nn_b_in_place). */
void nn_gemm_pack_b(const nn_gemm_job *jb, size_t k0, size_t kc, size_t j0, size_t nc, float *dst);

/* Runs a planned product on nt threads (threads.c). */
void nn_gemm_run(nn_gemm_ctx *ctx, const nn_gemm_job *jb, int nt);

/* Whether panels with this row stride may be read in place: not when it is a multiple of
 * 512 bytes, as their rows would then share a few of L1's sets and evict each other. */
static inline int nn_in_place_stride(size_t ld)
{
    return ld * sizeof(float) % 512 != 0;
}

/* Whether whole B micro-panels are read in place (B stores NR values of one k together). */
static inline int nn_b_in_place(nn_trans tb, size_t ldb)
{
    return tb == NN_NO_TRANS && nn_in_place_stride(ldb);
}

/* Where the micro-kernel reads the A micro-panel of op(A) rows i0 .. i0+mv, k from k0, and
 * its steps *as (between values of k) and *ai (between rows): in place, or at packed. */
static inline const float *nn_a_panel(const nn_gemm_job *jb, const float *packed, size_t i0,
                                      size_t mv, size_t k0, size_t *as, size_t *ai)
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
static inline const float *nn_b_panel(const nn_gemm_job *jb, size_t nr, const float *packed,
                                      size_t j0, size_t nv, size_t k0, size_t *bs)
{
    if (nv == nr && nn_b_in_place(jb->tb, jb->ldb)) {
        *bs = jb->ldb;
        return jb->b + k0 * jb->ldb + j0;
    }
    *bs = nr;
    return packed;
}

#endif
