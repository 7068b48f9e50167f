/* csv_read.h - reading nntrain's CSV files (csv.h writes the run's; the sweep writes its
 * summaries and results tables): RFC 4180 fields, quoted when they hold a comma, a double
 * quote or a line end (nn_csv_put_field writes one), so a record may span lines. One line
 * or record is cut into its fields (nn_csv_split: the sweep's collector reads a file a
 * record at a time, nn_csv_record finding where each ends), or a whole file becomes a
 * table of fields (nn_csv_table_read: the plots). All cut fields with nn_csv_fields. */
#ifndef NN_CSV_READ_H
#define NN_CSV_READ_H

#include <stddef.h>
#include <stdio.h>

#include "sys/error.h"

/* Cuts s at its commas outside quotes, in place: the first max fields into cells, a quoted
 * field's quotes removed and its doubled quotes made single; their number. */
size_t nn_csv_fields(char *s, char **cells, size_t max);

/* One record: cut at its first '\r' or '\n' outside quotes, then nn_csv_fields. */
size_t nn_csv_split(char *line, char **cells, size_t max);

/* The length of the first record of text[0..len), its '\n' included: up to the first '\n'
 * outside quotes, or len when there is none (*whole 0: a record torn, or the last one
 * without a line end). */
size_t nn_csv_record(const char *text, size_t len, int *whole);

/* Writes s as one field: as it is, or in double quotes (each quote doubled) when it holds
 * a comma, a double quote, '\r' or '\n' (RFC 4180). 0, or EOF when the write failed. */
int nn_csv_put_field(FILE *f, const char *s);

/* The index of the cell equal to name, or -1. */
int nn_csv_column(char *const *cells, size_t n, const char *name);

/* A CSV file cut into fields in place: row 0 is the header, every row has the header's
 * number of fields; empty lines are skipped, a record's final '\r' dropped. */
typedef struct nn_csv_table {
    char *path;
    char *text;
    char **cell; /* rows x cols */
    size_t rows, cols;
} nn_csv_table;

/* Reads path whole (nn_read_file). NN_EDATA for a missing or empty file, a row with
 * another field count than the header's ("<path>:<line>: 3 fields, expected 4") or a
 * failed read; NN_ESYS when it cannot be opened otherwise or memory runs out. On failure
 * t holds nothing. */
nn_status nn_csv_table_read(nn_csv_table *t, const char *path, nn_error *err);
void nn_csv_table_free(nn_csv_table *t);
/* The field of row r (0 = header), column c. */
const char *nn_csv_cell(const nn_csv_table *t, size_t r, size_t c);
/* The column named name, or -1. */
long nn_csv_col(const nn_csv_table *t, const char *name);
/* The field as a number: NAN when empty or not a number as a whole. */
double nn_csv_num(const nn_csv_table *t, size_t r, size_t c);

#endif
