/* dead.h - the dead-unit probe.
 *
 * A hidden unit (one output of an activation module) is dead on a probe set when its
 * pre-activation (the activation's input) is <= 0 for every sample of the set: it never
 * enters the positive regime. The probe observes forward passes that change nothing;
 * a NaN or Inf pre-activation is a divergence, never a dead unit. */
#ifndef NN_DEAD_H
#define NN_DEAD_H

#include <stddef.h>
#include <stdint.h>

#include "sys/error.h"
#include "nn/model.h"

typedef struct nn_dead {
    size_t n_modules;  /* of the model */
    size_t total;      /* all hidden units (sum of activation widths) */
    size_t dead_total; /* after nn_dead_finish */
    size_t *dead;      /* per module (0 for dense modules), after nn_dead_finish */
    size_t *width;     /* per module: units (0 for dense modules) */
    uint8_t **alive;   /* per activation module: one flag per unit, NULL for dense */
    size_t bad_module; /* when observe fails: the module whose input was not finite */
} nn_dead;

nn_status nn_dead_init(nn_dead *d, const nn_model *m, nn_error *err);
void nn_dead_free(nn_dead *d);
/* Forgets every observation (start of a probe). */
void nn_dead_reset(nn_dead *d);
/* Records rows samples from the model's last forward pass. Returns 0, or -1 when a
 * pre-activation is NaN/Inf (d->bad_module says where). */
int nn_dead_observe(nn_dead *d, const nn_model *m, size_t rows);
/* Counts the units never seen active into dead[] and dead_total. */
void nn_dead_finish(nn_dead *d);

#endif
