/* vexp_check.c - make check-vexp: every one of the 2^32 float bit patterns through each
 * expm1f and expf path this CPU runs (src/math/vexp.h), compared with glibc's scalar
 * functions bit for bit (two NaNs count as equal), once as the CPU starts and once with
 * flush-to-zero and denormals-are-zero on, as training runs. One line per mode, function
 * and path: the differences (with the first one) and the nanoseconds per element; exit
 * status 1 when anything differs or no vector path could run.
 *   vexp_check [STEP]   every STEP-th block of 65536 consecutive patterns only (default 1:
 *                       all of them; a larger STEP is a quick look) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "math/fpmode.h"
#include "math/vexp.h"

enum { BLOCK = 1 << 16, MAX_IMPLS = 8, TAIL = 7 };

typedef struct tally {
    uint64_t diffs, first; /* first: the smallest differing pattern (valid when diffs > 0) */
    double ns;             /* time in the path, all threads */
} tally;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int same(float a, float b)
{
    uint32_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    return ua == ub || (isnan(a) && isnan(b));
}

/* fn over x[0..BLOCK) into out, in two calls so that the masked tail is used too; the
 * differences from want are added to t. */
static void run_block(nn_vexp_fn fn, const float *x, const float *want, float *out, tally *t,
                      uint32_t base)
{
    double t0 = now();
    fn(x, out, BLOCK - TAIL);
    fn(x + BLOCK - TAIL, out + BLOCK - TAIL, TAIL);
    t->ns += 1e9 * (now() - t0);
    for (uint32_t j = 0; j < BLOCK; j++)
        if (!same(out[j], want[j]) && t->diffs++ == 0)
            t->first = base + j;
}

/* Adds one thread's tallies into the totals. */
static void merge(tally *total, const tally *mine, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (mine[i].diffs && (total[i].diffs == 0 || mine[i].first < total[i].first))
            total[i].first = mine[i].first;
        total[i].diffs += mine[i].diffs;
        total[i].ns += mine[i].ns;
    }
}

/* One pass over the patterns; tallies: [0] glibc expm1f, [1] glibc expf, then for each
 * path expm1f and expf. Returns 0, or -1 when out of memory. */
static int check_all(const nn_vexp_impl **im, size_t n_im, int flush, uint64_t step, tally *total)
{
    int failed = 0;
#pragma omp parallel
    {
        float *buf = malloc(4 * BLOCK * sizeof(float));
        tally mine[2 + 2 * MAX_IMPLS] = {{0, 0, 0}};
        nn_fpmode mode = nn_fp_flush(flush);
        if (!buf) {
#pragma omp atomic write
            failed = 1;
        }
        float *x = buf, *m1 = buf + BLOCK, *e = buf + 2 * BLOCK, *out = buf + 3 * BLOCK;
        const int64_t blocks = (int64_t)(((1u << 16) + step - 1) / step);
#pragma omp for schedule(dynamic)
        for (int64_t b = 0; b < blocks; b++) {
            if (!buf)
                continue;
            uint32_t base = (uint32_t)((uint64_t)b * step * BLOCK);
            for (uint32_t j = 0; j < BLOCK; j++) {
                uint32_t u = base + j;
                memcpy(&x[j], &u, sizeof u);
            }
            double t0 = now();
            for (uint32_t j = 0; j < BLOCK; j++)
                m1[j] = expm1f(x[j]);
            double t1 = now();
            for (uint32_t j = 0; j < BLOCK; j++)
                e[j] = expf(x[j]);
            mine[0].ns += 1e9 * (t1 - t0);
            mine[1].ns += 1e9 * (now() - t1);
            for (size_t i = 0; i < n_im; i++) {
                run_block(im[i]->expm1_fn, x, m1, out, &mine[2 + 2 * i], base);
                run_block(im[i]->exp_fn, x, e, out, &mine[3 + 2 * i], base);
            }
        }
        nn_fp_restore(mode);
        free(buf);
#pragma omp critical
        merge(total, mine, 2 + 2 * n_im);
    }
    return failed ? -1 : 0;
}

static void print_line(int flush, const char *fn, const char *path, const tally *t, uint64_t n)
{
    printf("%-9s %-6s %-6s ", flush ? "flush on" : "flush off", fn, path);
    if (t)
        printf("%llu differences", (unsigned long long)t->diffs);
    if (t && t->diffs)
        printf(" (first: input 0x%08llx)", (unsigned long long)t->first);
    printf("%s%.2f ns/element\n", t ? ", " : "", t ? t->ns / (double)n : 0.0);
}

int main(int argc, char **argv)
{
    uint64_t step = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    if (argc > 2 || step == 0 || step > (1u << 16)) {
        fprintf(stderr, "usage: vexp_check [STEP]  (1 .. 65536; 1: every float)\n");
        return 2;
    }
    const nn_vexp_impl *im[MAX_IMPLS], *p;
    size_t n_im = 0;
    for (size_t i = 0; (p = nn_vexp_impl_at(i)) != NULL; i++)
        if (p->isa != NN_VEXP_ANY && n_im < MAX_IMPLS) {
            if (nn_vexp_usable(p))
                im[n_im++] = p;
            else
                printf("skipped: path %s (this CPU lacks its instruction set)\n", p->name);
        }
    const uint64_t n = ((1u << 16) + step - 1) / step * BLOCK;
    printf("%llu inputs per mode, %zu vector paths\n", (unsigned long long)n, n_im);
    int bad = n_im == 0;
    for (int flush = 0; flush <= 1; flush++) {
        tally t[2 + 2 * MAX_IMPLS] = {{0, 0, 0}};
        if (check_all(im, n_im, flush, step, t) != 0) {
            fprintf(stderr, "vexp_check: out of memory\n");
            return 1;
        }
        for (int f = 0; f < 2; f++) {
            const char *fn = f ? "expf" : "expm1f";
            printf("%-9s %-6s %-6s %.2f ns/element\n", flush ? "flush on" : "flush off", fn,
                   "glibc", t[f].ns / (double)n);
            for (size_t i = 0; i < n_im; i++) {
                print_line(flush, fn, im[i]->name, &t[2 + 2 * i + f], n);
                bad |= t[2 + 2 * i + f].diffs != 0;
            }
        }
        fflush(stdout);
    }
    printf("%s\n", bad ? "FAILED" : "every input identical to glibc");
    return bad;
}
