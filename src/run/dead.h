/* dead.h - the dead-unit probe.
 *
 * A hidden unit (one output of an activation module) is dead on a probe set when it is
 * never active on the set: its pre-activation (the activation's input) is <= 0 for every
 * sample, it never enters the positive regime (an activation may define "active" its own
 * way: nn_act_def.count_active). The probe observes forward passes that change nothing and
 * counts, per unit, the samples on which the unit was active; dead means a count of 0. It also keeps each logit's range over the samples, to tell a model
 * whose output is constant. A NaN or Inf pre-activation is a divergence, never a dead
 * unit. */
#ifndef NN_DEAD_H
#define NN_DEAD_H

#include <stddef.h>
#include <stdint.h>

#include "sys/error.h"
#include "nn/layer/model.h"

/* A logit is constant over the probe when max - min <= NN_CONSTANT_TOL * (1 + the largest
 * |logit| of the probe). */
#define NN_CONSTANT_TOL 1e-6

typedef struct nn_dead {
    size_t n_modules;  /* of the model */
    size_t total;      /* all hidden units (sum of activation widths) */
    size_t dead_total; /* after nn_dead_finish */
    size_t *dead;      /* per module (0 for modules the probe does not count), after
                          nn_dead_finish */
    size_t *width;     /* per module: units (0 for modules the probe does not count) */
    /* per activation module (NULL for the others): per unit, the samples observed since the
     * reset on which it was active (a probe has fewer than 2^32 samples) */
    uint32_t **active;
    size_t samples;    /* samples observed since the reset */
    size_t bad_module; /* when observe fails: the module whose input was not finite */
    /* The output: each logit's smallest and largest value since the reset. */
    size_t out_dim;
    float *out_min, *out_max;
    int out_bad;         /* a logit was NaN or Inf (observe does not fail for it) */
    int constant_output; /* after nn_dead_finish: every logit constant over the samples */
    /* Over the probes passed to nn_dead_record (the epoch probes): */
    uint8_t **was_dead;   /* per activation module, per unit: dead at some recorded probe */
    size_t recorded;      /* probes recorded */
    size_t revived;       /* units dead at some recorded probe and alive at the latest one */
    double max_dead_frac; /* the largest dead fraction recorded */
    int last_constant;    /* constant_output of the latest recorded probe */
} nn_dead;

nn_status nn_dead_init(nn_dead *d, const nn_model *m, nn_error *err);
void nn_dead_free(nn_dead *d);
/* Forgets every observation (start of a probe); the record over the probes stays. */
void nn_dead_reset(nn_dead *d);
/* Records rows samples from the model's last forward pass. Returns 0, or -1 when a
 * pre-activation is NaN/Inf (d->bad_module says where). */
int nn_dead_observe(nn_dead *d, const nn_model *m, size_t rows);
/* The parts of nn_dead_observe, for a caller that computes the pass its own way: the
 * pre-activations of activation module i (row-major in m->acts[i], rows of them), of
 * module i in blocks of sixteen rows held lane-major (xt[(b * width + j) * 16 + r] = unit j
 * of row 16 b + r; the last block has lanes valid rows), and the
 * output (rows rows of logits; this one counts the samples). Each returns -1 on a NaN/Inf
 * pre-activation, as nn_dead_observe does. */
int nn_dead_observe_module(nn_dead *d, const nn_model *m, size_t i, size_t rows);
int nn_dead_observe_lanes(nn_dead *d, size_t i, const float *xt, size_t blocks, size_t lanes);
void nn_dead_observe_logits(nn_dead *d, const float *y, size_t rows);

/* Counts the units never seen active into dead[] and dead_total, and decides
 * constant_output (0 when a logit was not finite or nothing was observed). */
void nn_dead_finish(nn_dead *d);
/* Adds the finished probe to the record: was_dead, revived, max_dead_frac, last_constant. */
void nn_dead_record(nn_dead *d);

#endif
