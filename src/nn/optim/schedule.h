/* schedule.h - the learning rate from epoch to epoch, as torch.optim.lr_scheduler steps
 * it once per epoch; the same for every optimizer. */
#ifndef NN_SCHEDULE_H
#define NN_SCHEDULE_H

#include <stddef.h>

typedef enum nn_schedule_kind { NN_SCHED_NONE, NN_SCHED_STEP, NN_SCHED_COSINE } nn_schedule_kind;

typedef struct nn_schedule {
    nn_schedule_kind kind;
    size_t step_size; /* step: epochs between two multiplications by gamma */
    double gamma;
} nn_schedule;

/* The learning rate of the steps of epoch e + 1 (e = 0: the first epoch), from the base lr
 * over a run of epochs epochs: none: lr; step (StepLR): lr * gamma^floor(e / step_size);
 * cosine (CosineAnnealingLR, T_max = epochs, eta_min = 0): lr (1 + cos(pi e / epochs)) / 2. */
double nn_schedule_lr(const nn_schedule *s, double lr, size_t epochs, size_t e);

#endif
