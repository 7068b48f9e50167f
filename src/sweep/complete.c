/* complete.c - when a sweep's unit of work is complete: its files agree with each other
 * and with the sweep (files.h). A run's status, resolved config and CSV; an untrained
 * combination's results table and config. Anything else is redone by a sweep and reported
 * by --collect. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/csv.h"
#include "run/csv_read.h"
#include "sweep/files.h"
#include "sys/fs.h"

/* The header a run of cfg writes: run/csv.c's, of cfg's model planned without buffers
 * (its columns do not depend on the input width); malloc'ed, NULL when out of memory. */
static char *expected_header(const nn_config *cfg)
{
    nn_model m;
    nn_error err;
    if (nn_model_plan(&m, cfg->modules, cfg->n_modules, 1, &err) != NN_OK)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f)
        nn_csv_header(f, &m, cfg->data.validation > 0);
    nn_model_free(&m);
    if (!f || fclose(f) != 0) {
        free(text);
        return NULL;
    }
    text[strcspn(text, "\n")] = '\0'; /* rows_read keeps the header without its line end */
    return text;
}

/* Why the CSV of an ended run (status st) of cfg disagrees, into f->why; 0 when it agrees. */
static int csv_disagrees(const nn_config *cfg, nn_sweep_run_files *f)
{
    const nn_sweep_status *st = &f->status;
    const nn_sweep_rows *rr = &f->rows;
    if (strcmp(st->state, "error") == 0)
        return 0; /* a failed run: its rows are no result */
    char *want = expected_header(cfg);
    if (!want)
        return -1;
    int same = rr->header && strcmp(rr->header, want) == 0;
    free(want);
    double rows = strcmp(st->state, "ok") != 0 && st->epoch == 0 ? 0 : st->epochs_done + 1;
    if (!same)
        f->why = rr->header ? "its CSV's header is not this config's columns" : "it has no CSV";
    else if (rr->torn)
        f->why = "its CSV ends in a torn or damaged row";
    else if (st->epochs_done < 0 || (double)rr->n != rows ||
             (strcmp(st->state, "ok") == 0 && st->epochs_done != (double)cfg->train.epochs)) {
        snprintf(f->why_buf, sizeof f->why_buf,
                 "its CSV has %zu rows where its status (%s, %.0f of %zu epochs done) needs %.0f",
                 rr->n, st->state, st->epochs_done, cfg->train.epochs, rows);
        f->why = f->why_buf;
    }
    return f->why != NULL;
}

int nn_sweep_run_read(const nn_sweep *s, size_t r, nn_sweep_run_files *f)
{
    memset(f, 0, sizeof *f);
    char *status_path = nn_sweep_run_file(s, r, ".status.json");
    char *csv = nn_sweep_run_file(s, r, ".csv");
    int ok = status_path && csv;
    if (ok) {
        nn_sweep_read_status(status_path, &f->status);
        nn_sweep_rows_read(csv, &f->rows);
        if (!nn_sweep_status_final(&f->status))
            f->why = f->status.state[0] ? f->status.state : "no status";
        else if (!nn_sweep_run_config_matches(s, r))
            f->why = "its config is not this sweep's";
        else
            ok = csv_disagrees(&s->cfgs[r / s->n_seeds], f) >= 0;
    }
    free(status_path);
    free(csv);
    return ok;
}

void nn_sweep_run_files_free(nn_sweep_run_files *f)
{
    nn_sweep_rows_free(&f->rows);
}

int nn_sweep_run_complete(const nn_sweep *s, size_t r)
{
    nn_sweep_run_files f;
    int done = nn_sweep_run_read(s, r, &f) && !f.why && strcmp(f.status.state, "error") != 0;
    nn_sweep_run_files_free(&f);
    return done;
}

/* The header of combination tables, malloc'ed (NULL: out of memory). */
static char *table_header(const nn_sweep *s, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    nn_sweep_table_header(s, f);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* Row k of combination c's table (rec[0..len), its line end included) is the one the sweep
 * writes for that seed: 1 when it is. */
static int row_matches(const nn_sweep *s, size_t c, size_t k, char *rec, size_t len, size_t fields,
                       char **cells)
{
    if (len < 2 || rec[len - 1] != '\n')
        return 0;
    rec[len - 1] = '\0';
    size_t n = nn_csv_split(rec, cells, NN_SWEEP_MAX_CELLS);
    const size_t *pick = s->pick + c * s->n_axes;
    char seed[32], *run = nn_sweep_run_name(s, c * s->n_seeds + k);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seeds[k]);
    int ok = run && n == fields && strcmp(cells[0], run) == 0 &&
             strcmp(cells[s->n_axes + 1], seed) == 0 &&
             (strcmp(cells[s->n_axes + 2], "ok") == 0 ||
              strcmp(cells[s->n_axes + 2], "diverged") == 0);
    for (size_t a = 0; ok && a < s->n_axes; a++)
        ok = strcmp(cells[a + 1], s->axes[a].text[pick[a]]) == 0;
    free(run);
    return ok;
}

/* The largest table combination c can have: its header, and per seed the run's name, the
 * axis values (quoted, every byte doubled at most) and the ten other fields, each a number
 * of at most 330 bytes ("%.6f" of the largest double). A bound on what is read: the rows
 * themselves are checked one by one. */
static size_t table_bound(const nn_sweep *s, size_t c, size_t header)
{
    size_t row = strlen(s->combo_name[c]) + 24 + 10 * 330;
    const size_t *pick = s->pick + c * s->n_axes;
    for (size_t a = 0; a < s->n_axes; a++)
        row += 2 * strlen(s->axes[a].text[pick[a]]) + 3;
    return header + 2 + s->n_seeds * row;
}

/* The table in[0..len) of combination c against what the sweep writes (cut on a copy);
 * NULL when it is whole, else why not. */
static const char *table_disagrees(const nn_sweep *s, size_t c, const char *in, size_t len)
{
    size_t hlen = 0, pos = 0, fields = 0;
    char *head = table_header(s, &hlen), *text = malloc(len + 1);
    char **cells = malloc(NN_SWEEP_MAX_CELLS * sizeof *cells);
    const char *why = NULL;
    if (text)
        memcpy(text, in, len + 1);
    if (!head || !cells || !text)
        why = "out of memory";
    else if (memchr(text, '\0', len))
        why = "its table holds a NUL byte";
    else if (len <= hlen || memcmp(text, head, hlen) != 0 ||
             (text[hlen] != '\n' && strncmp(text + hlen, "\r\n", 2) != 0))
        why = "its table's header is not this sweep's";
    if (!why) {
        pos = hlen + 1 + (text[hlen] == '\r');
        fields = nn_csv_split(head, cells, NN_SWEEP_MAX_CELLS);
    }
    for (size_t k = 0; !why && k < s->n_seeds; k++) {
        int whole;
        size_t n = nn_csv_record(text + pos, len - pos, &whole);
        char keep = text[pos + n];
        text[pos + n] = '\0';
        if (!whole || !row_matches(s, c, k, text + pos, n, fields, cells))
            why = "its table's rows are not one per seed, in order, whole";
        text[pos + n] = keep;
        pos += n;
    }
    if (!why && pos != len)
        why = "its table has more rows than seeds";
    free(text);
    free(head);
    free(cells);
    return why;
}

int nn_sweep_combo_read(const nn_sweep *s, size_t c, char **text, size_t *len, const char **why)
{
    char *csv = nn_sweep_table_file(s, c, ".csv"), *json = nn_sweep_table_file(s, c, ".json");
    char *head = NULL, *got = NULL;
    size_t hlen = 0, n = 0;
    nn_read_fail fail = NN_READ_NOMEM;
    *why = NULL;
    if (csv && json && (head = table_header(s, &hlen)))
        got = nn_read_file(csv, table_bound(s, c, hlen), &n, &fail);
    if (got && !nn_sweep_config_matches(json, s->combo_json[c]))
        *why = "its config is not this sweep's";
    else if (got)
        *why = table_disagrees(s, c, got, n);
    else if (fail == NN_READ_BIG)
        *why = "its table is larger than its rows can be";
    else if (fail == NN_READ_OPEN && errno == ENOENT)
        *why = "";
    else if (fail != NN_READ_NOMEM)
        *why = "its table cannot be read";
    if (*why && strcmp(*why, "out of memory") == 0)
        *why = NULL;
    int done = got && !*why;
    if (done && text) {
        *text = got;
        *len = n;
    } else {
        free(got);
    }
    free(head);
    free(csv);
    free(json);
    return done;
}

int nn_sweep_combo_complete(const nn_sweep *s, size_t c)
{
    const char *why;
    return nn_sweep_combo_read(s, c, NULL, NULL, &why);
}
