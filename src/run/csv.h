/* csv.h - the run's output files: the per-epoch CSV and the class list next to it.
 *
 * Columns: epoch,step,lr,train_loss,train_acc,[val_loss,val_acc,]test_loss,test_acc,dead,dead_frac,
 * dead_<i> for each activation module i, slope_<i> (mean slope) for each PReLU module
 * i, constant_output, seconds. val_loss and val_acc are there only with a validation split.
 * constant_output is 1 when the probe found every logit constant over its samples
 * (dead.h), else 0. Every row is written as soon as it is complete. */
#ifndef NN_CSV_H
#define NN_CSV_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "data/dataset.h"
#include "nn/layer/model.h"
#include "run/report.h"
#include "sys/error.h"
#include "sys/log.h"

/* A file of rows. Rows are formatted into buf and handed to the file by one write() (the
 * C library's buffer would split a row longer than its own size, 4 KiB, into several), so
 * a kill between writes leaves whole rows only (the kernel itself may still cut one write
 * at a page boundary when SIGKILL comes while it copies it: docs/design.md). */
typedef struct nn_csv {
    int fd;
    int owned; /* 0 for stdout (nothing to close; never cut back) */
    int val;   /* 1: the val_loss,val_acc columns are there */
    int oom;   /* formatting ran out of memory since the last flush */
    char *path; /* NULL: not open */
    char *buf;  /* the rows not written yet: len bytes of cap */
    size_t len, cap;
} nn_csv;

/* Sets c up to write rows to fd, named path in messages; owned: fd is c's, closed by
 * nn_csv_close (or here on failure), and cut back after a failed write (0: stdout). */
nn_status nn_csv_take_fd(nn_csv *c, int fd, int owned, const char *path, nn_error *err);

/* Whether c is open (nn_csv_open, nn_csv_append, nn_units_open, nn_steps_open). */
int nn_csv_is_open(const nn_csv *c);

/* Appends formatted text to the rows not written yet. */
void nn_csv_printf(nn_csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends text (malloc'ed, freed here; NULL: ran out of memory making it) to the rows not
 * written yet: a header that a FILE writer printed into a memory stream. */
void nn_csv_put(nn_csv *c, char *text);

/* Writes the rows formatted since the last flush in one write() call (more only when the
 * system writes part of them: a full disk). When writing fails the file is cut back to
 * where they started, so it keeps whole rows only; the message says so, naming the file
 * as what ("the CSV"). */
nn_status nn_csv_flush(nn_csv *c, const char *what, nn_error *err);

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
