/* fuzz_collect.c - libFuzzer harness for what sweep --collect reads of each run: the
 * input is a status file's JSON, a line "--csv", then a CSV (no such line: all CSV, no
 * status). The CSV is read as a run's CSV from memory and from a file (nn_read_file, then
 * the same parser: the two must agree), and as an untrained sweep's results table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/csv_read.h"
#include "sweep/collect.h"
#include "sweep/files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char MARK[] = "\n--csv\n";

/* Where MARK starts in data, or size. */
static size_t find_mark(const uint8_t *data, size_t size)
{
    size_t m = sizeof MARK - 1;
    for (size_t i = 0; i + m <= size; i++)
        if (memcmp(data + i, MARK, m) == 0)
            return i;
    return size;
}

/* The CSV read as a run's CSV from a file must give what it gives from memory. */
static void same_from_file(const char *csv, size_t len, const nn_sweep_rows *mem, int ok)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/nntrain-fuzz-collect-%ld.csv", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    int wrote = fwrite(csv, 1, len, f) == len;
    if (fclose(f) != 0 || !wrote)
        return;
    nn_sweep_rows rr;
    int ok2 = nn_sweep_rows_read(path, &rr);
    if (ok2 != ok || rr.n != mem->n ||
        (rr.n && (memcmp(rr.dead_frac, mem->dead_frac, rr.n * sizeof *rr.dead_frac) != 0 ||
                  memcmp(rr.test_acc, mem->test_acc, rr.n * sizeof *rr.test_acc) != 0)))
        abort();
    nn_sweep_rows_free(&rr);
}

/* The CSV as an untrained results table: header, then rows. */
static void as_table(const char *csv, size_t len)
{
    char *buf = malloc(len + 1);
    char **cells = malloc(NN_SWEEP_MAX_CELLS * sizeof *cells);
    if (buf && cells) {
        memcpy(buf, csv, len);
        buf[len] = '\0';
        nn_sweep_result_cols cols = {-1, -1, -1, -1};
        int head = 1;
        for (char *line = buf; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            size_t n = nn_csv_split(line, cells, NN_SWEEP_MAX_CELLS);
            nn_sweep_result_row row;
            if (head)
                nn_sweep_result_cols_find(cells, n, &cols), head = 0;
            else if (nn_sweep_result_row_parse(&cols, cells, n, &row) && row.ok > 1)
                abort();
            line = nl ? nl + 1 : NULL;
        }
    }
    free(buf);
    free(cells);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t m = find_mark(data, size);
    char *status = NULL;
    const char *csv = (const char *)data;
    size_t csv_len = size;
    if (m < size) {
        if (!(status = malloc(m + 1)))
            return 0;
        memcpy(status, data, m);
        status[m] = '\0';
        csv += m + sizeof MARK - 1;
        csv_len -= m + sizeof MARK - 1;
    }
    nn_sweep_status st;
    nn_sweep_parse_status(status, &st);
    free(status);
    if (!memchr(st.state, '\0', sizeof st.state))
        abort();
    nn_sweep_rows rr;
    int ok = nn_sweep_rows_parse(csv, csv_len, &rr);
    if (ok != (rr.n > 0) || (rr.n && !rr.header))
        abort();
    same_from_file(csv, csv_len, &rr, ok);
    nn_sweep_rows_free(&rr);
    as_table(csv, csv_len);
    return 0;
}
