/* csv.h - the run's output files: the per-epoch CSV and the class list next to it.
 *
 * Columns: epoch,step,lr,train_loss,train_acc,[val_loss,val_acc,]test_loss,test_acc,dead,dead_frac,
 * dead_<i> for each activation module i, slope_<i> (mean slope) for each PReLU module
 * i, constant_output, seconds. val_loss and val_acc are there only with a validation split.
 * constant_output is 1 when the probe found every logit constant over its samples
 * (dead.h), else 0. Every row is flushed as soon as it is written. */
#ifndef NN_CSV_H
#define NN_CSV_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "data/dataset.h"
#include "nn/layer/model.h"
#include "run/report.h"
#include "sys/error.h"
#include "sys/log.h"

typedef struct nn_csv {
    FILE *f;
    int owned; /* 0 for stdout */
    int val;   /* 1: the val_loss,val_acc columns are there */
    char *path;
} nn_csv;

/* Gives f a 1 MB buffer: everything between two flushes (a row, an epoch's rows) goes to
 * the file in one write, so a kill leaves whole rows only. */
void nn_csv_whole_rows(FILE *f);

/* Where the next rows start (everything before them flushed): -1 for stdout. */
off_t nn_csv_mark(const nn_csv *c);
/* Flushes the rows written since whole (nn_csv_mark before them): one write when they fit
 * the buffer. When a write fails (a full disk) the file is cut back to whole, so it keeps
 * whole rows only; the message says so, naming the file as what ("the CSV"). */
nn_status nn_csv_flush_rows(nn_csv *c, off_t whole, const char *what, nn_error *err);

/* Writes the header line of the CSV of m (the columns above) to f. */
void nn_csv_header(FILE *f, const nn_model *m, int val_columns);

/* Opens path ("-" = stdout), creating missing directories, and writes the header;
 * val_columns: add val_loss,val_acc after train_acc. */
nn_status nn_csv_open(nn_csv *c, const char *path, const nn_model *m, int val_columns,
                      nn_error *err);
/* Writes the row of one epoch: dead counts from row->dead, slopes from row->model's PReLU
 * modules. */
nn_status nn_csv_write(nn_csv *c, const nn_epoch_report *row, nn_error *err);
/* Opens path to add rows after the ones it has (a resumed run; no header written). */
nn_status nn_csv_append(nn_csv *c, const char *path, int val_columns, nn_error *err);

/* Closes the file; reports a write error that happened on close. */
nn_status nn_csv_close(nn_csv *c, nn_error *err);

/* The path of a file beside the CSV: csv with its ".csv" replaced by suffix (appended when
 * csv does not end in ".csv"), malloc'ed; NULL for a CSV on stdout ("-") or out of memory. */
char *nn_csv_sibling(const char *csv, const char *suffix);

/* Writes ds->class_names (an image folder's), one per line in label order, to the class
 * list of csv ("runs/x.csv" -> "runs/x.classes.txt"; ".csv" replaced when present, else
 * appended to), creating missing directories, and logs its path. Nothing to do for a data
 * set without class names or a CSV on stdout. NN_ECONFIG when the file cannot be created,
 * NN_ESYS when writing it fails. */
nn_status nn_csv_write_classes(const char *csv, const nn_dataset *ds, const nn_hooks *h,
                               nn_error *err);

#endif
