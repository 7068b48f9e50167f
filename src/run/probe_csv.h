/* probe_csv.h - the probe's two optional files, beside the per-epoch CSV's columns:
 *
 *   output.units (a path):   epoch,module,unit,active_frac
 *       one row per unit of every activation module after every epoch's probe (epoch 0
 *       included); active_frac = the probe samples on which the unit's pre-activation is > 0,
 *       over the probe samples (%.6f); dead units have 0.000000.
 *   dead_units.every_steps:  <csv>.steps.csv: epoch,step,dead,dead_frac,dead_<i>...,constant_output
 *       one row per probe made after every N optimizer steps (epoch: the one in progress,
 *       step: the optimizer steps so far); the columns mean what they mean in the CSV.
 *
 * Both are nn_csv files (csv.h; closed with nn_csv_close) and flush what each call writes. */
#ifndef NN_PROBE_CSV_H
#define NN_PROBE_CSV_H

#include "run/csv.h"

/* Opens the per-unit CSV at path, creating missing directories, and writes its header. */
nn_status nn_units_open(nn_csv *c, const char *path, nn_error *err);
/* The rows of one epoch's finished probe. */
nn_status nn_units_write(nn_csv *c, size_t epoch, const nn_dead *d, nn_error *err);

/* The header line of the per-unit CSV. */
#define NN_UNITS_HEADER "epoch,module,unit,active_frac\n"
/* Writes the header line of the every-N-steps CSV of d's modules to f. */
void nn_steps_header(FILE *f, const nn_dead *d);
/* Opens csv's sibling ".steps.csv" (csv is a file, not "-") and writes its header. */
nn_status nn_steps_open(nn_csv *c, const char *csv, const nn_dead *d, nn_error *err);
/* The row of one finished probe after step optimizer steps, during epoch. */
nn_status nn_steps_write(nn_csv *c, size_t epoch, size_t step, const nn_dead *d, nn_error *err);

#endif
