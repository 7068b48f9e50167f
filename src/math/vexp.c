/* vexp.c - picks the expm1f / expf path for this CPU (vexp.h), and the "libm" path:
 * glibc per element, what every CPU without AVX2 and FMA runs. */
#include "math/vexp.h"

#include <math.h>

static void libm_expm1f(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = expm1f(x[i]);
}

static void libm_expf(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = expf(x[i]);
}

const nn_vexp_impl nn_vexp_libm = {"libm", NN_VEXP_ANY, libm_expm1f, libm_expf};

/* Best first: the first one the CPU runs is used. */
static const nn_vexp_impl *const impls[] = {
#if defined(__x86_64__) || defined(__i386__)
    &nn_vexp_avx512,
    &nn_vexp_avx2,
#endif
    &nn_vexp_libm,
};

const nn_vexp_impl *nn_vexp_impl_at(size_t i)
{
    return i < sizeof impls / sizeof impls[0] ? impls[i] : NULL;
}

/* The same features the files are built for (Makefile: KERNEL_FLAGS_<isa>); AVX2 with FMA
 * is also what makes glibc pick the __expf_fma that vexp_avx2.c and vexp_avx512.c follow. */
int nn_vexp_usable(const nn_vexp_impl *im)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (im->isa == NN_VEXP_AVX512F)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
    if (im->isa == NN_VEXP_AVX2_FMA)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return im->isa == NN_VEXP_ANY;
}

static const nn_vexp_impl *best(void)
{
    size_t i = 0;
    while (!nn_vexp_usable(impls[i]))
        i++;
    return impls[i];
}

void nn_vexpm1f(const float *x, float *y, size_t n)
{
    best()->expm1_fn(x, y, n);
}

void nn_vexpf(const float *x, float *y, size_t n)
{
    best()->exp_fn(x, y, n);
}
