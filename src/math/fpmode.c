/* fpmode.c - flush-to-zero and denormals-are-zero for the calling thread. */
#include "math/fpmode.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define NN_HAVE_MXCSR 1
enum { MXCSR_FTZ = 0x8000, MXCSR_DAZ = 0x0040 };
#endif

nn_fpmode nn_fp_flush(int flush)
{
    nn_fpmode m = {0, 0};
#ifdef NN_HAVE_MXCSR
    if (flush) {
        m.saved = _mm_getcsr();
        unsigned want = m.saved | MXCSR_FTZ | MXCSR_DAZ;
        if (want != m.saved) {
            _mm_setcsr(want);
            m.changed = 1;
        }
    }
#else
    (void)flush;
#endif
    return m;
}

int nn_fp_can_flush(void)
{
#ifdef NN_HAVE_MXCSR
    return 1;
#else
    return 0;
#endif
}

void nn_fp_restore(nn_fpmode mode)
{
#ifdef NN_HAVE_MXCSR
    if (mode.changed)
        _mm_setcsr(mode.saved);
#else
    (void)mode;
#endif
}
