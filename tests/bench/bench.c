/* bench.c - nntrain's benchmark: fixed training workloads on real MNIST (or generated
 * data of the same shape when MNIST is not fetched), the machine's measured FMA peak, and
 * the whole-process time and peak RSS of one epoch of configs/mnist_leaky.json.
 *
 * usage: bench [--workload NAME]... [--epochs N] [--threads N] [--process N] [--tsv] [--peak]
 *   workloads: net256 (784-256-256-10, Leaky ReLU, batch 64), wide (784-1024-1024-10,
 *   batch 128), deep (784, 10 hidden layers of 32, 10; batch 32), process (whole run);
 *   products, products-wide, products-deep (net256's, wide's, deep's matrix products
 *   alone, the GEMM's ceiling for each; only when named); kernel (the micro-kernel alone
 *   on cached panels, every thread at once; only when named).
 *   --peak: only measure and print the machine's FMA peak (bench-compare takes the best of
 *   several).
 * Per workload it prints the median over epochs of the training loop's seconds per
 * epoch, images/s, GFLOP/s, and that as a fraction of the measured peak. Timing happens
 * inside the training loop (nn_epoch_report.images_per_sec), so loading and evaluation
 * are not counted; "process" times the whole command from outside. */
#define _DEFAULT_SOURCE 1 /* wait4 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __x86_64__
#include <immintrin.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include "sys/cpu.h"
#include "config/config.h"
#include "data/dataset.h"
#include "math/gemm/gemm.h"
#include "math/rng.h"
#include "run/train.h"
#include "bench.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0 .. n) (n <= 64), v left in its order: the epochs are printed as they
 * came (printed sorted, they once looked like a run slowing down epoch after epoch). */
double bench_median(const double *v, size_t n)
{
    double s[64];
    if (n == 0 || n > 64)
        return 0.0;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/* ------------------------------------------------------------------ FMA peak */

#ifdef __x86_64__
/* 16 independent FMA chains in registers: the most this core can do. */
__attribute__((target("avx512f"), noinline)) static float fma_loop512(long iters)
{
    __m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    /* Distinct starting values and an opaque barrier on every chain: with equal chains the
     * compiler merges them into one and the "peak" comes out several times too high. */
    __m512 a0 = _mm512_set1_ps(1.0f), a1 = _mm512_set1_ps(1.1f), a2 = _mm512_set1_ps(1.2f);
    __m512 a3 = _mm512_set1_ps(1.3f), a4 = _mm512_set1_ps(1.4f), a5 = _mm512_set1_ps(1.5f);
    __m512 a6 = _mm512_set1_ps(1.6f), a7 = _mm512_set1_ps(1.7f), a8 = _mm512_set1_ps(1.8f);
    __m512 a9 = _mm512_set1_ps(1.9f), a10 = _mm512_set1_ps(2.0f), a11 = _mm512_set1_ps(2.1f);
    __m512 a12 = _mm512_set1_ps(2.2f), a13 = _mm512_set1_ps(2.3f), a14 = _mm512_set1_ps(2.4f);
    __m512 a15 = _mm512_set1_ps(2.5f);
    for (long i = 0; i < iters; i++) {
#define F(x) x = _mm512_fmadd_ps(x, b, c);
        F(a0)
        F(a1)
        F(a2)
        F(a3)
        F(a4)
        F(a5) F(a6) F(a7) F(a8) F(a9) F(a10) F(a11) F(a12) F(a13) F(a14) F(a15)
#undef F
            __asm__ volatile(""
                             : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6),
                               "+v"(a7));
        __asm__ volatile(""
                         : "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11), "+v"(a12), "+v"(a13),
                           "+v"(a14), "+v"(a15));
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    s = _mm512_add_ps(
        s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)),
                         _mm512_add_ps(_mm512_add_ps(a12, a13), _mm512_add_ps(a14, a15))));
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"), noinline)) static float fma_loop256(long iters)
{
    __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    __m256 a0 = _mm256_set1_ps(1.0f), a1 = _mm256_set1_ps(1.1f), a2 = _mm256_set1_ps(1.2f);
    __m256 a3 = _mm256_set1_ps(1.3f), a4 = _mm256_set1_ps(1.4f), a5 = _mm256_set1_ps(1.5f);
    __m256 a6 = _mm256_set1_ps(1.6f), a7 = _mm256_set1_ps(1.7f), a8 = _mm256_set1_ps(1.8f);
    __m256 a9 = _mm256_set1_ps(1.9f), a10 = _mm256_set1_ps(2.0f), a11 = _mm256_set1_ps(2.1f);
    for (long i = 0; i < iters; i++) {
#define F(x) x = _mm256_fmadd_ps(x, b, c);
        F(a0)
        F(a1)
        F(a2)
        F(a3)
        F(a4)
        F(a5) F(a6) F(a7) F(a8) F(a9) F(a10) F(a11)
#undef F
            __asm__ volatile(""
                             : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
        __asm__ volatile("" : "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0];
}
#endif

/* GFLOP/s of one core running the widest FMA loop the CPU has (best of 5). */
static double core_peak(const char *kernel)
{
    double best = 0.0;
    volatile float sink = 0.0f;
    for (int r = 0; r < 5; r++) {
        long iters = 20000000;
        double t = bench_now(), flops = 0.0;
#ifdef __x86_64__
        if (strcmp(kernel, "avx512") == 0) {
            sink += fma_loop512(iters);
            flops = (double)iters * 16 * 16 * 2;
        } else if (strcmp(kernel, "avx2") == 0) {
            sink += fma_loop256(iters);
            flops = (double)iters * 12 * 8 * 2;
        }
#endif
        if (flops == 0.0) { /* portable: a scalar multiply-add loop */
            float x[8] = {1.0f, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f, 1.6f, 1.7f};
            for (long i = 0; i < iters; i++)
                for (int j = 0; j < 8; j++)
                    x[j] = x[j] * 0.999999f + 1e-7f;
            sink += x[0];
            flops = (double)iters * 8 * 2;
        }
        t = bench_now() - t;
        if (flops / t / 1e9 > best)
            best = flops / t / 1e9;
    }
    (void)sink;
    return best;
}

/* Peak of `threads` cores running the loop at once. */
static double machine_peak(const char *kernel, int threads)
{
    double total = 0.0;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : total)
    total += core_peak(kernel);
#else
    (void)threads;
    total = core_peak(kernel);
#endif
    return total;
}

/* ------------------------------------------------------------------ workloads */

typedef struct workload {
    const char *name, *model;
    size_t batch;
} workload;

static const workload workloads[] = {
    {"net256",
     "[{\"type\":\"dense\",\"units\":256},{\"type\":\"leaky_relu\"},"
     "{\"type\":\"dense\",\"units\":256},{\"type\":\"leaky_relu\"},"
     "{\"type\":\"dense\",\"units\":10}]",
     64},
    {"wide",
     "[{\"type\":\"dense\",\"units\":1024},{\"type\":\"leaky_relu\"},"
     "{\"type\":\"dense\",\"units\":1024},{\"type\":\"leaky_relu\"},"
     "{\"type\":\"dense\",\"units\":10}]",
     128},
    {"deep", NULL, 32}, /* built below: 10 hidden layers of 32 */
};

typedef struct timing {
    double *sec;
    size_t n, cap;
} timing;

static void on_epoch(void *ctx, const nn_epoch_report *r)
{
    timing *t = ctx;
    if (r->has_train && r->images_per_sec > 0 && t->n < t->cap)
        t->sec[t->n++] = 60000.0 / r->images_per_sec;
}

/* Multiply-adds of one training sample: forward, weight gradients, and input gradients
 * of every dense layer but the first (nntrain does not compute that one). */
static double macs_per_sample(const nn_config *cfg, size_t input_dim)
{
    double fwd = 0.0, dx = 0.0;
    size_t width = input_dim, dense = 0;
    for (size_t i = 0; i < cfg->n_modules; i++) {
        const nn_module_spec *m = &cfg->modules[i];
        size_t out = m->layer->size(m, width).out;
        if (nn_spec_is_product(m)) {
            double macs = (double)width * (double)out;
            fwd += macs;
            if (dense++ > 0)
                dx += macs;
        }
        width = out;
    }
    return 2.0 * fwd + dx;
}

static int load_mnist(nn_dataset *train, nn_dataset *test)
{
    nn_error err;
    if (nn_idx_load(train, "data/mnist/train-images-idx3-ubyte.gz",
                    "data/mnist/train-labels-idx1-ubyte.gz", 0, &err) == NN_OK &&
        nn_idx_load(test, "data/mnist/t10k-images-idx3-ubyte.gz",
                    "data/mnist/t10k-labels-idx1-ubyte.gz", 1000, &err) == NN_OK)
        return 1;
    nn_dataset_free(train);
    /* Generated data of MNIST's shape: 60000 (and 1000) 28x28 images, 10 classes. */
    nn_rng rng;
    nn_rng_seed(&rng, 1, 7);
    nn_dataset *sets[2] = {train, test};
    size_t sizes[2] = {60000, 1000};
    for (int s = 0; s < 2; s++) {
        nn_dataset *d = sets[s];
        *d = (nn_dataset){
            .n = sizes[s], .rows = 28, .cols = 28, .channels = 1, .dim = 784, .n_classes = 10};
        d->pixels = malloc(d->n * d->dim);
        d->labels = malloc(d->n * sizeof *d->labels);
        if (!d->pixels || !d->labels)
            return -1;
        for (size_t i = 0; i < d->n * d->dim; i++)
            d->pixels[i] = (uint8_t)nn_rng_below(&rng, 256);
        for (size_t i = 0; i < d->n; i++)
            d->labels[i] = (int32_t)(i % 10);
    }
    return 0;
}

static int run_workload(const workload *w, const nn_dataset *train, const nn_dataset *test,
                        int epochs, int threads, double peak, int tsv)
{
    char model[2048];
    if (w->model) {
        snprintf(model, sizeof model, "%s", w->model);
    } else {
        size_t len = (size_t)snprintf(model, sizeof model, "[");
        for (int i = 0; i < 10; i++)
            len += (size_t)snprintf(model + len, sizeof model - len,
                                    "{\"type\":\"dense\",\"units\":32},{\"type\":\"leaky_relu\"},");
        snprintf(model + len, sizeof model - len, "{\"type\":\"dense\",\"units\":10}]");
    }
    char json[4096];
    snprintf(json, sizeof json,
             "{\"name\":\"bench\",\"seed\":1,\"data\":{\"format\":\"idx\",\"train_images\":\"-\","
             "\"train_labels\":\"-\",\"test_images\":\"-\",\"test_labels\":\"-\"},"
             "\"model\":%s,\"optimizer\":{\"lr\":0.01,\"momentum\":0.9},"
             "\"train\":{\"epochs\":%d,\"batch_size\":%zu,\"threads\":%d},"
             "\"dead_units\":{\"samples\":1000},\"output\":{\"csv\":\"/dev/null\"}}",
             model, epochs, w->batch, threads);
    nn_config cfg;
    nn_error err;
    if (nn_config_parse(&cfg, json, w->name, NULL, 0, &err) != NN_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return -1;
    }
    double sec[64];
    timing t = {sec, 0, sizeof sec / sizeof sec[0]};
    nn_hooks hooks = {.ctx = &t, .epoch = on_epoch};
    nn_status st = nn_train_on(&cfg, train, test, &hooks, &err);
    double flops = macs_per_sample(&cfg, train->dim) * 2.0 * (double)train->n;
    nn_config_free(&cfg);
    if (st != NN_OK) {
        fprintf(stderr, "bench: %s: %s\n", w->name, err.msg);
        return -1;
    }
    double med = bench_median(sec, t.n);
    double gflops = flops / med / 1e9;
    if (tsv) {
        for (size_t i = 0; i < t.n; i++)
            printf("%s\t%.6f\n", w->name, sec[i]);
    } else {
        printf("%-13s %9.3f %12.0f %9.1f %8.1f%%   (%zu epochs:", w->name, med,
               (double)train->n / med, gflops, 100.0 * gflops / peak, t.n);
        for (size_t i = 0; i < t.n; i++)
            printf(" %.3f", sec[i]);
        printf(")\n");
    }
    fflush(stdout);
    return 0;
}

/* The training epoch's own seconds in the run's report on fd (its "N img/s" over 60,000
 * training images), or 0 when it has none. */
static double epoch_seconds(int fd)
{
    char buf[8192];
    size_t len = 0;
    ssize_t got;
    while ((got = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)got;
    buf[len] = '\0';
    double rate = 0.0;
    for (char *p = strstr(buf, " img/s"); p; p = strstr(p + 1, " img/s")) {
        char *q = p;
        while (q > buf && q[-1] >= '0' && q[-1] <= '9')
            q--;
        rate = strtod(q, NULL);
    }
    return rate > 0.0 ? 60000.0 / rate : 0.0;
}

/* Whole process: ./nntrain configs/mnist_leaky.json --epochs 1, timed from outside, with
 * the epoch's own time from its report: the difference is the cost of everything else
 * (loading, initialization, the two evaluations and probes, exit). */
static int run_process(int reps, int threads, int tsv)
{
    double sec[32], rss[32], epoch[32];
    int n = 0;
    for (int r = 0; r < reps && r < 32; r++) {
        char thr[32];
        snprintf(thr, sizeof thr, "train.threads=%d", threads);
        int fds[2];
        if (pipe(fds) != 0)
            return -1;
        double t0 = bench_now();
        pid_t pid = fork();
        if (pid == 0) {
            dup2(fds[1], STDERR_FILENO);
            close(fds[0]), close(fds[1]);
            execl("./nntrain", "nntrain", "configs/mnist_leaky.json", "--epochs", "1", "--csv",
                  "/dev/null", "--set", thr, (char *)NULL);
            _exit(127);
        }
        close(fds[1]);
        epoch[n] = epoch_seconds(fds[0]);
        close(fds[0]);
        int status;
        struct rusage ru;
        if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            fprintf(stderr, "bench: ./nntrain configs/mnist_leaky.json failed (is MNIST "
                            "fetched? make data)\n");
            return -1;
        }
        sec[n] = bench_now() - t0;
        rss[n++] = (double)ru.ru_maxrss / 1024.0;
    }
    if (tsv) {
        for (int i = 0; i < n; i++)
            printf("process\t%.6f\t%.1f\t%.6f\n", sec[i], rss[i], epoch[i]);
        return 0;
    }
    double over[32];
    for (int i = 0; i < n; i++)
        over[i] = sec[i] - epoch[i];
    printf("%-13s %9.3f s whole process, %.3f s above its epoch, peak RSS %.0f MB   (%d runs:",
           "process", bench_median(sec, (size_t)n), bench_median(over, (size_t)n),
           bench_median(rss, (size_t)n), n);
    for (int i = 0; i < n; i++)
        printf(" %.3f", sec[i]);
    printf(")\n");
    return 0;
}

typedef struct options {
    const char *only[8]; /* --workload names (none: every default workload) */
    int n_only, epochs, threads, process_reps, tsv, peak_only;
} options;

/* Fills o from the command line; 0 on success, else prints the usage and returns 2. */
static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){.epochs = 5, .process_reps = 5};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc && o->n_only < 8)
            o->only[o->n_only++] = argv[++i];
        else if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc)
            o->epochs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            o->threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--process") == 0 && i + 1 < argc)
            o->process_reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--tsv") == 0)
            o->tsv = 1;
        else if (strcmp(argv[i], "--peak") == 0) /* the machine line only */
            o->peak_only = 1;
        else {
            fprintf(stderr,
                    "usage: bench [--workload net256|wide|deep|process|products|products-wide|"
                    "products-deep|kernel]... "
                    "[--epochs N] [--threads N] [--process N] [--tsv] [--peak]\n");
            return 2;
        }
    }
    if (o->epochs < 1 || o->epochs > 60)
        o->epochs = 5;
    if (o->threads <= 0)
        o->threads = nn_cpu_count();
    return 0;
}

/* Whether workload name runs: named, or no names given and it is a default one. */
static int selected(const options *o, const char *name, int by_default)
{
    for (int i = 0; i < o->n_only; i++)
        if (strcmp(o->only[i], name) == 0)
            return 1;
    return o->n_only == 0 && by_default;
}

/* Prints the machine line (threads, GEMM kernel, measured FMA peak); returns the peak. */
static double print_machine(const char *kernel, int threads)
{
    const char *fma = kernel; /* a BLAS build: the widest FMA loop this CPU has */
#ifdef __x86_64__
    if (strcmp(kernel, "blas") == 0)
        fma = __builtin_cpu_supports("avx512f")                                 ? "avx512"
              : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? "avx2"
                                                                                : "portable";
#endif
    double peak = machine_peak(fma, threads);
    printf("machine: %d threads, GEMM kernel %s, measured FMA peak %.1f GFLOP/s "
           "(%.1f per core)\n",
           threads, kernel, peak, peak / threads);
    return peak;
}

int main(int argc, char **argv)
{
    options o;
    if (parse_args(argc, argv, &o) != 0)
        return 2;
    nn_gemm_ctx *g;
    nn_error err;
    if (nn_gemm_create(&g, NULL, o.threads, &err) != NN_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    char kernel[16];
    snprintf(kernel, sizeof kernel, "%s", nn_gemm_kernel(g));
    nn_gemm_destroy(g);

    /* Any named workload other than process and products[-NAME] trains. */
    int want_train = o.n_only == 0;
    for (int i = 0; i < o.n_only; i++)
        want_train |= strcmp(o.only[i], "process") != 0 && strcmp(o.only[i], "kernel") != 0 &&
                      strncmp(o.only[i], "products", 8) != 0;
    double peak = 0.0;
    if (!o.tsv || o.peak_only) {
        peak = print_machine(kernel, o.threads);
        if (o.peak_only)
            return 0;
        printf("%-13s %9s %12s %9s %9s\n", "workload", "s/epoch", "images/s", "GFLOP/s", "of peak");
    }
    nn_dataset train = {0}, test = {0};
    if (want_train) {
        int real = load_mnist(&train, &test);
        if (real < 0) {
            fprintf(stderr, "bench: out of memory\n");
            return 1;
        }
        if (!o.tsv && !real)
            printf("(MNIST not fetched: generated data of the same shape)\n");
    }
    int rc = 0;
    for (size_t w = 0; w < sizeof workloads / sizeof workloads[0]; w++)
        if (selected(&o, workloads[w].name, 1) &&
            run_workload(&workloads[w], &train, &test, o.epochs, o.threads, peak, o.tsv))
            rc = 1;
    if (selected(&o, "kernel", 0) && bench_kernel(kernel, o.threads, peak, o.tsv))
        rc = 1;
    static const char *const products[] = {"products", "products-wide", "products-deep"};
    for (size_t i = 0; i < sizeof products / sizeof products[0]; i++)
        if (selected(&o, products[i], 0) &&
            bench_products(products[i], o.epochs, o.threads, peak, o.tsv))
            rc = 1;
    if (selected(&o, "process", 1) && run_process(o.process_reps, o.threads, o.tsv))
        rc = 1;
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    return rc;
}
