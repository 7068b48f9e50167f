/* pack.c - copies parts of op(A) and op(B) into the micro-panels the kernels read:
 * transposition happens here, so NN, NT and TN products run the same kernel. Portable
 * loops, with the kernel's own helpers (kernel.h) where it has them. */
#include "math/gemm/gemm_internal.h"

#include <string.h>

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

void nn_gemm_pack_a(const nn_gemm_job *jb, size_t i0, size_t mc, size_t k0, size_t kc, float *dst,
                    size_t q0, size_t q1)
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

void nn_gemm_pack_b(const nn_gemm_job *jb, size_t k0, size_t kc, size_t j0, size_t nc, float *dst)
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
