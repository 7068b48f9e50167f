/* schedule.c - learning-rate schedules (PyTorch's closed forms, per epoch). */
#include "nn/optim/schedule.h"

#include <math.h>

#define NN_PI 3.14159265358979323846

double nn_schedule_lr(const nn_schedule *s, double lr, size_t epochs, size_t e)
{
    switch (s->kind) {
    case NN_SCHED_NONE:
        return lr;
    case NN_SCHED_STEP:
        return lr * pow(s->gamma, (double)(e / s->step_size));
    case NN_SCHED_COSINE:
        return epochs ? lr * 0.5 * (1.0 + cos(NN_PI * (double)e / (double)epochs)) : lr;
    }
    return lr;
}
