/* bench_gemm.c - the benchmark's GEMM-only workloads: each training workload's matrix
 * products alone (products, products-wide, products-deep) and the micro-kernel alone on
 * cached panels (kernel); the ceilings of the training workloads' fractions of the peak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "math/gemm/gemm.h"
#include "math/gemm/kernel.h"
#include "bench.h"

/* The matrix products of one training epoch of a workload, nothing else: per step the
 * forward product of every dense layer, then from the last layer back its input gradient
 * (not the first layer's) and its weight gradient, with the threads split as training
 * splits them but no epilogue (bias, activation, SGD step). What the GEMM alone costs, for
 * this build's kernel or, built with BLAS=openblas, for OpenBLAS's: the ceiling of the
 * workload's fraction of the peak. Only when asked for (--workload products[-NAME]). */
typedef struct shape {
    const char *name;                  /* products, products-wide, products-deep */
    size_t batch, n_layers, width[12]; /* width[0] inputs, width[n_layers] outputs */
} shape;

static const shape shapes[] = {
    {"products", 64, 3, {784, 256, 256, 10}},
    {"products-wide", 128, 3, {784, 1024, 1024, 10}},
    {"products-deep", 32, 11, {784, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 10}},
};

static double products_epoch(nn_gemm_ctx *g, const shape *s, float **act, float **grad, float **w,
                             float **dw)
{
    const size_t b = s->batch, steps = (60000 + b - 1) / b;
    double t = bench_now();
    for (size_t step = 0; step < steps; step++) {
        for (size_t l = 0; l < s->n_layers; l++) {
            size_t in = s->width[l], out = s->width[l + 1];
            nn_gemm_ex(g, NN_NO_TRANS, NN_TRANS, b, out, in, 1, act[l], in, w[l], in, 0, act[l + 1],
                       out, NN_SPLIT_COLS, NULL, NULL);
        }
        for (size_t l = s->n_layers; l-- > 0;) {
            size_t in = s->width[l], out = s->width[l + 1];
            if (l > 0)
                nn_gemm_ex(g, NN_NO_TRANS, NN_NO_TRANS, b, in, out, 1, grad[l + 1], out, w[l], in,
                           0, grad[l], in, NN_SPLIT_COLS, NULL, NULL);
            nn_gemm_ex(g, NN_TRANS, NN_NO_TRANS, out, in, b, 1, grad[l + 1], out, act[l], in, 0,
                       dw[l], in, NN_SPLIT_ROWS, NULL, NULL);
        }
    }
    return bench_now() - t;
}

static float *filled(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t j = 0; p && j < n; j++)
        p[j] = (float)(j % 17) * 0.01f;
    return p;
}

static int run_products_shape(const shape *s, int epochs, int threads, double peak, int tsv)
{
    nn_gemm_ctx *g;
    nn_error err;
    if (nn_gemm_create(&g, NULL, threads, &err) != NN_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    float *act[13] = {0}, *grad[13] = {0}, *w[12] = {0}, *dw[12] = {0};
    int ok = 1;
    double macs = 0.0;
    for (size_t l = 0; l <= s->n_layers; l++) {
        ok &= (act[l] = filled(s->batch * s->width[l])) != NULL;
        ok &= (grad[l] = filled(s->batch * s->width[l])) != NULL;
        if (l == s->n_layers)
            break;
        ok &= (w[l] = filled(s->width[l] * s->width[l + 1])) != NULL;
        ok &= (dw[l] = filled(s->width[l] * s->width[l + 1])) != NULL;
        macs += (double)s->width[l] * (double)s->width[l + 1] * (l > 0 ? 3.0 : 2.0);
    }
    double sec[64];
    size_t n = 0;
    for (int e = 0; ok && e < epochs && e < 64; e++)
        sec[n++] = products_epoch(g, s, act, grad, w, dw);
    for (size_t l = 0; l <= s->n_layers; l++) {
        free(act[l]), free(grad[l]);
        if (l < s->n_layers)
            free(w[l]), free(dw[l]);
    }
    nn_gemm_destroy(g);
    if (!ok) {
        fprintf(stderr, "bench: out of memory\n");
        return -1;
    }
    const size_t steps = (60000 + s->batch - 1) / s->batch;
    double flops = 2.0 * macs * (double)(steps * s->batch);
    double med = bench_median(sec, n), gflops = flops / med / 1e9;
    if (tsv) {
        for (size_t i = 0; i < n; i++)
            printf("%s\t%.6f\n", s->name, sec[i]);
        return 0;
    }
    printf("%-13s %9.3f %12s %9.1f %8.1f%%   (the matrix products alone, %zu epochs:", s->name, med,
           "", gflops, 100.0 * gflops / peak, n);
    for (size_t i = 0; i < n; i++)
        printf(" %.3f", sec[i]);
    printf(")\n");
    return 0;
}

/* The micro-kernel alone (the build's kernel, its row count used for a batch of 64), on
 * panels that stay in the core's caches: one A micro-panel against 8 B micro-panels of
 * KC = 256, on every thread at once. The most the kernel gives when nothing has to be
 * packed, fetched or waited for: the other ceiling next to the products alone. Only when
 * asked for (--workload kernel). */
static double kernel_rate(const nn_kernel_def *k)
{
    const size_t kc = 256, panels = 8, mr = k->mr_alt ? k->mr_alt : k->mr, nr = k->nr;
    nn_micro_fn f = k->mr_alt ? k->micro_alt : k->micro;
    float *a = malloc(mr * kc * sizeof *a), *b = malloc(nr * kc * panels * sizeof *b),
          *c = malloc(mr * nr * panels * sizeof *c);
    double best = 0.0;
    for (size_t i = 0; a && i < mr * kc; i++)
        a[i] = 0.001f * (float)(i % 7);
    for (size_t i = 0; b && i < nr * kc * panels; i++)
        b[i] = 0.001f * (float)(i % 5);
    for (int r = 0; a && b && c && r < 7; r++) {
        const long reps = 4000;
        double t = bench_now();
        for (long i = 0; i < reps; i++)
            for (size_t j = 0; j < panels; j++)
                f(kc, a, mr, 1, b + j * nr * kc, nr, c + j * mr * nr, nr, mr, nr, 0);
        double rate =
            2.0 * (double)(mr * nr * kc * panels) * (double)reps / (bench_now() - t) / 1e9;
        best = rate > best ? rate : best;
    }
    free(a), free(b), free(c);
    return best;
}

int bench_kernel(const char *name, int threads, double peak, int tsv)
{
    const nn_kernel_def *k = NULL;
    static const nn_kernel_def *const all[] = {
#if defined(__x86_64__) || defined(__i386__)
        &nn_kernel_avx512,
        &nn_kernel_avx2,
#endif
        &nn_kernel_portable
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i]->name, name) == 0)
            k = all[i];
    if (!k || !k->micro) {
        fprintf(stderr, "bench: kernel: the %s kernel has no micro-kernel to time\n", name);
        return -1;
    }
    double total = 0.0;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : total)
#endif
    total += kernel_rate(k);
    if (tsv)
        printf("kernel\t%.3f\n", total);
    else
        printf("%-13s %9s %12s %9.1f %8.1f%%   (the %s micro-kernel on cached panels, %d "
               "threads)\n",
               "kernel", "", "", total, 100.0 * total / peak, k->name, threads);
    return 0;
}

int bench_products(const char *name, int epochs, int threads, double peak, int tsv)
{
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (strcmp(shapes[i].name, name) == 0)
            return run_products_shape(&shapes[i], epochs, threads, peak, tsv);
    return -1;
}
