/* fpmode.h - flushing subnormal floats to zero while training.
 *
 * Values below 2^-126 (subnormals) cost x86 cores a microcode assist of about a hundred
 * cycles per operation. Training produces them in bulk: a momentum buffer whose gradient
 * has become 0 decays geometrically through the subnormal range for hundreds of steps, and
 * an epoch of a small network can take twice as long. With flushing on, such values become
 * 0 (as TensorFlow does by default, and PyTorch with torch.set_flush_denormal(True)): a
 * change smaller than 2^-126 in any value, invisible in every reported figure.
 * The mode is per thread: every thread that computes sets it and restores it after. */
#ifndef NN_FPMODE_H
#define NN_FPMODE_H

typedef struct nn_fpmode {
    unsigned saved; /* the thread's previous control word */
    int changed;
} nn_fpmode;

/* When flush is nonzero and the CPU has the modes (x86 SSE: flush-to-zero and
 * denormals-are-zero), turns them on for the calling thread. Returns what
 * nn_fp_restore needs to put the thread back as it was. */
nn_fpmode nn_fp_flush(int flush);
void nn_fp_restore(nn_fpmode mode);
/* Whether this build has the modes (on other CPUs nn_fp_flush changes nothing). */
int nn_fp_can_flush(void);

#endif
