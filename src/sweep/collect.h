/* collect.h - reading what runs left under out/ for the summary (nntrain sweep, and
 * sweep --collect over files from anywhere): a run's CSV rows and an untrained results
 * table's rows, a record at a time (run/csv_read.h: nn_csv_record, nn_csv_split); a file
 * is read whole (nn_read_file) and then goes through the same code as text in memory;
 * status files: nn_sweep_parse_status (files.h). */
#ifndef NN_SWEEP_COLLECT_H
#define NN_SWEEP_COLLECT_H

#include <stddef.h>

/* Cells read from one line (nn_csv_split); the rest are ignored. */
enum { NN_SWEEP_MAX_CELLS = 4096 };

/* The per-epoch figures of one run's CSV, and what tells whether it is whole. */
typedef struct nn_sweep_rows {
    size_t n;                  /* whole rows: a line end, the header's field count, epochs 0..n-1 */
    double *dead_frac, *test_acc;
    char *header;              /* the header line without its line end (NULL: none read) */
    int torn;                  /* something follows the whole rows: a torn or bad row */
} nn_sweep_rows;

/* A run's CSV, from the file at path or from text[0..len) (NULs allowed, no terminator
 * needed): its header must name epoch, dead_frac and test_acc; rows are read up to the
 * first torn one (no line end, a NUL, another field count than the header's, an epoch out
 * of turn), which sets torn. 1 when there are rows; otherwise 0 (a missing file, no
 * header, no rows, out of memory). Either way nn_sweep_rows_free frees what *rr holds
 * (the header is kept when it was read). */
int nn_sweep_rows_read(const char *path, nn_sweep_rows *rr);
int nn_sweep_rows_parse(const char *text, size_t len, nn_sweep_rows *rr);
void nn_sweep_rows_free(nn_sweep_rows *rr);

/* Where an untrained results table's header puts its columns (-1: absent). */
typedef struct nn_sweep_result_cols {
    int status, dead_frac, dead_layers, constant;
} nn_sweep_result_cols;

void nn_sweep_result_cols_find(char **cells, size_t n, nn_sweep_result_cols *c);

/* One row of such a table (split into cells[0..n)). */
typedef struct nn_sweep_result_row {
    int ok; /* status "ok" (anything else counts as diverged) */
    double dead_frac;
    int born_dead, constant; /* dead_layers > 0, constant_output > 0 */
} nn_sweep_result_row;

/* 1 and *row when the cells are a row of the table c describes; 0 when not. */
int nn_sweep_result_row_parse(const nn_sweep_result_cols *c, char **cells, size_t n,
                             nn_sweep_result_row *row);

#endif
