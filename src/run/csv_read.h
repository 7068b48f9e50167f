/* csv_read.h - reading nntrain's CSV files (csv.h writes the run's; the sweep writes its
 * summaries the same way): nothing is quoted, so a field never holds a comma or a line
 * end. One line is cut into its fields (nn_csv_split: the sweep's collector reads a run's
 * file a line at a time), or a whole file becomes a table of fields (nn_csv_table_read:
 * the plots). Both cut fields with nn_csv_fields. */
#ifndef NN_CSV_READ_H
#define NN_CSV_READ_H

#include <stddef.h>

#include "sys/error.h"

/* Cuts s at its commas in place: the first max fields into cells; their number. */
size_t nn_csv_fields(char *s, char **cells, size_t max);

/* One line: cut at its first '\r' or '\n', then nn_csv_fields. */
size_t nn_csv_split(char *line, char **cells, size_t max);

/* The index of the cell equal to name, or -1. */
int nn_csv_column(char *const *cells, size_t n, const char *name);

/* A CSV file cut into fields in place: row 0 is the header, every row has the header's
 * number of fields; empty lines are skipped, a line's final '\r' dropped. */
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
