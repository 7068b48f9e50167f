/* clock.h - a monotonic clock for progress reports and timings. */
#ifndef NN_CLOCK_H
#define NN_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double nn_now(void);

#endif
