/* resume_files.c - a resumed run's files (run.h): the CSV, output.units and the
 * every-N-steps CSV. Each one that exists must be this run's, with its rows up to the
 * checkpoint's epoch; all are checked before any is touched. Then each is cut back to the
 * checkpoint's epoch and appended to, and a file that is not there is started new, its
 * first rows the checkpoint's epoch rebuilt from the checkpoint. */
#include "run/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "run/probe_csv.h"
#include "sys/clock.h"
#include "sys/fs.h"
#include "sys/log.h"

typedef enum file_kind { CSV_FILE, UNITS_FILE, STEPS_FILE } file_kind;

static const char *const file_what[] = {"the CSV (output.csv or --csv)",
                                        "the per-unit CSV (output.units)",
                                        "the every-N-steps CSV (beside the CSV)"};
static const char *const file_fix[] = {"give --csv a new path to start a new CSV",
                                       "give output.units a new path to start a new one",
                                       "give --csv a new path to start a new CSV beside it"};

/* Where a scan of a file stands. */
typedef struct scan {
    size_t fields;      /* the header's */
    size_t line;        /* lines read */
    int rows;           /* a row was read */
    size_t first, last; /* the epochs of the first and the last row read */
    size_t at_epoch;    /* rows of the checkpoint's epoch */
    long long keep;     /* bytes up to the last row kept */
} scan;

/* A whole number ending at a ',' (strict: digits only); the text after the ',' in *rest. */
static int field_number(const char *s, size_t *out, const char **rest)
{
    size_t x = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (x > (SIZE_MAX - d) / 10)
            return 0;
        x = x * 10 + d;
    }
    if (p == s || *p != ',')
        return 0;
    *out = x;
    *rest = p + 1;
    return 1;
}

static size_t count_fields(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        n += *s == ',';
    return n;
}

/* The header line read against this run's (both end in '\n'): NN_EDATA naming the first
 * column that differs. */
static nn_status check_header(const char *path, file_kind kind, const char *have, const char *want,
                              nn_error *err)
{
    if (strcmp(have, want) == 0)
        return NN_OK;
    size_t col = 1;
    const char *a = have, *b = want;
    for (; *a == *b; a++, b++)
        col += *a == ',';
    while (a > have && a[-1] != ',') /* back to the start of the column */
        a--, b--;
    size_t la = strcspn(a, ",\n"), lb = strcspn(b, ",\n");
    return nn_fail(err, NN_EDATA,
                   "%s: cannot resume into it: its header is another run's, not this one's "
                   "(column %zu is \"%.*s\", this run's is \"%.*s\"); %s from the checkpoint",
                   path, col, (int)(la < 40 ? la : 40), a, (int)(lb < 40 ? lb : 40), b,
                   file_fix[kind]);
}

/* One row of the file (a whole line, '\n' cut off); *past when it is past the
 * checkpoint's epoch (the cut goes before it). */
static nn_status scan_row(const run *r, file_kind kind, const char *path, const char *row, scan *s,
                          int *past, nn_error *err)
{
    size_t epoch, step;
    const char *rest;
    if (!field_number(row, &epoch, &rest) || count_fields(row) != s->fields)
        return nn_fail(err, NN_EDATA,
                       "%s: cannot resume: line %zu is not a row of %s (%zu fields, the header "
                       "has %zu)",
                       path, s->line, file_what[kind], count_fields(row), s->fields);
    *past = epoch > r->pos.epoch;
    if (*past)
        return NN_OK;
    int order = kind == CSV_FILE ? !s->rows || epoch == s->last + 1 : !s->rows || epoch >= s->last;
    if (!order)
        return nn_fail(err, NN_EDATA, "%s: cannot resume: line %zu is epoch %zu after epoch %zu",
                       path, s->line, epoch, s->last);
    if (kind == CSV_FILE && epoch == r->pos.epoch &&
        (!field_number(rest, &step, &rest) || step != r->pos.step))
        return nn_fail(err, NN_EDATA,
                       "%s: cannot resume: its row of epoch %zu is not at step %zu, the "
                       "checkpoint's: it is another run's CSV; %s from the checkpoint",
                       path, epoch, r->pos.step, file_fix[kind]);
    s->first = s->rows ? s->first : epoch;
    s->rows = 1;
    s->last = epoch;
    s->at_epoch += epoch == r->pos.epoch;
    return NN_OK;
}

/* What the rows kept must hold: the CSV the checkpoint's epoch, the per-unit CSV that
 * epoch's row of every unit. */
static nn_status scan_end(const run *r, file_kind kind, const char *path, const scan *s,
                          nn_error *err)
{
    if (kind == CSV_FILE && s->at_epoch != 1)
        return nn_fail(err, NN_EDATA,
                       "%s: cannot resume: it has no row for epoch %zu, the checkpoint's; %s "
                       "from the checkpoint",
                       path, r->pos.epoch, file_fix[kind]);
    if (kind == UNITS_FILE && s->at_epoch != r->dead.total)
        return nn_fail(err, NN_EDATA,
                       "%s: cannot resume: it has %zu rows for epoch %zu, the checkpoint's; "
                       "expected %zu, one per unit; %s from the checkpoint",
                       path, s->at_epoch, r->pos.epoch, r->dead.total, file_fix[kind]);
    return NN_OK;
}

/* Reads the existing file rf against this run's header and the checkpoint: rf->keep is
 * where its rows past the checkpoint's epoch (or a torn last line) start. Reads only. */
static nn_status scan_file(const run *r, resume_file *rf, file_kind kind, const char *header,
                           nn_error *err)
{
    FILE *f = nn_fopen_read(rf->path);
    if (!f)
        return nn_fail(err, NN_EDATA, "%s: cannot read %s to resume it: %s", rf->path,
                       file_what[kind], strerror(errno));
    scan s = {.fields = count_fields(header)};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    nn_status st = NN_OK;
    int past = 0; /* the rest is cut: rows past the checkpoint's epoch, or a torn line */
    while (st == NN_OK && !past && (len = getline(&line, &cap, f)) > 0 && line[len - 1] == '\n') {
        s.line++;
        if (strlen(line) != (size_t)len) { /* a NUL byte: no line nntrain writes */
            st = nn_fail(err, NN_EDATA, "%s: cannot resume: line %zu holds a NUL byte; %s",
                         rf->path, s.line, file_fix[kind]);
        } else if (s.line == 1) {
            st = check_header(rf->path, kind, line, header, err);
        } else {
            line[len - 1] = '\0';
            st = scan_row(r, kind, rf->path, line, &s, &past, err);
        }
        s.keep += st == NN_OK && !past ? (long long)len : 0;
    }
    if (st == NN_OK && ferror(f))
        st = nn_fail(err, NN_EDATA, "%s: cannot read %s to resume it: %s", rf->path,
                     file_what[kind], strerror(errno));
    /* Not one whole line (a kill before its header was written): started new. */
    if (st == NN_OK && s.line > 0)
        st = scan_end(r, kind, rf->path, &s, err);
    free(line);
    fclose(f);
    rf->kept = st == NN_OK && s.line > 0;
    rf->keep = s.keep;
    rf->first = s.first;
    return st;
}

/* A file the run resumes into: kept when it exists (scan_file), started new when it does
 * not; a path that cannot be a file of rows is refused as a new run refuses it. */
static nn_status plan_file(const run *r, resume_file *rf, file_kind kind, const char *header,
                           nn_error *err)
{
    struct stat sb;
    if (!rf->path)
        return NN_OK;
    if (stat(rf->path, &sb) != 0)
        return errno == ENOENT ? NN_OK
                               : nn_fail(err, NN_ECONFIG, "%s: cannot write %s: %s", rf->path,
                                         file_what[kind], strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return nn_fail(err, NN_ECONFIG, "%s: cannot write %s: %s", rf->path, file_what[kind],
                       strerror(EISDIR));
    if (!S_ISREG(sb.st_mode) || access(rf->path, W_OK) != 0)
        return nn_fail(err, NN_ECONFIG, "%s: cannot write %s: %s", rf->path, file_what[kind],
                       S_ISREG(sb.st_mode) ? strerror(errno) : "not a regular file");
    return scan_file(r, rf, kind, header, err);
}

/* The header line a file of this run starts with, malloc'ed. */
static char *header_of(const run *r, file_kind kind)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f)
        return NULL;
    if (kind == CSV_FILE)
        nn_csv_header(f, &r->model, r->n_val > 0);
    else if (kind == UNITS_FILE)
        fputs(NN_UNITS_HEADER, f);
    else
        nn_steps_header(f, &r->dead);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

nn_status nn_run_resume_plan(run *r, nn_error *err)
{
    const nn_config *cfg = r->cfg;
    int file = strcmp(cfg->csv, "-") != 0; /* "-": a new CSV on stdout */
    resume_file *rf[3] = {&r->csv_file, &r->units_file, &r->steps_file};
    rf[CSV_FILE]->path = file ? strdup(cfg->csv) : NULL;
    rf[UNITS_FILE]->path = cfg->units ? strdup(cfg->units) : NULL;
    rf[STEPS_FILE]->path =
        file && cfg->dead.every_steps ? nn_csv_sibling(cfg->csv, ".steps.csv") : NULL;
    if ((file && !rf[CSV_FILE]->path) || (cfg->units && !rf[UNITS_FILE]->path) ||
        (file && cfg->dead.every_steps && !rf[STEPS_FILE]->path))
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = NN_OK;
    for (int k = CSV_FILE; st == NN_OK && k <= STEPS_FILE; k++) {
        char *header = rf[k]->path ? header_of(r, (file_kind)k) : NULL;
        if (rf[k]->path && !header)
            return nn_fail(err, NN_ESYS, "out of memory");
        st = plan_file(r, rf[k], (file_kind)k, header, err);
        free(header);
    }
    return st;
}

nn_status nn_run_resume_open(run *r, nn_error *err)
{
    const nn_config *cfg = r->cfg;
    resume_file *rf[3] = {&r->csv_file, &r->units_file, &r->steps_file};
    /* One truncate a file: a kill at any moment leaves the old file or the cut one. */
    for (int k = CSV_FILE; k <= STEPS_FILE; k++)
        if (rf[k]->kept && truncate(rf[k]->path, (off_t)rf[k]->keep) != 0)
            return nn_fail(err, NN_ESYS, "%s: cannot cut %s back to epoch %zu: %s", rf[k]->path,
                           file_what[k], r->pos.epoch, strerror(errno));
    int val = r->n_val > 0;
    nn_status st = r->csv_file.kept ? nn_csv_append(&r->csv, cfg->csv, val, err)
                                    : nn_csv_open(&r->csv, cfg->csv, &r->model, val, err);
    if (st == NN_OK && cfg->units)
        st = r->units_file.kept ? nn_csv_append(&r->units, cfg->units, 0, err)
                                : nn_units_open(&r->units, cfg->units, err);
    if (st == NN_OK && r->steps_file.path)
        st = r->steps_file.kept ? nn_csv_append(&r->steps, r->steps_file.path, 0, err)
                                : nn_steps_open(&r->steps, cfg->csv, &r->dead, err);
    if (st == NN_OK)
        nn_say(r->hooks, "resume: %s at epoch %zu, step %zu; %s %s", cfg->resume, r->pos.epoch,
               r->pos.step, r->csv_file.path ? cfg->csv : "stdout",
               r->csv_file.kept ? "kept up to that epoch"
                                : "started new, its first row that epoch's rebuilt from the "
                                  "checkpoint");
    return st;
}

nn_status nn_run_resume_row(run *r, nn_epoch_report *rep, nn_error *err)
{
    int csv_new = !r->csv_file.kept, units_new = r->units_file.path && !r->units_file.kept;
    if (!csv_new && !units_new)
        return NN_OK;
    /* The checkpoint's weights give the epoch's evaluations and probe again, bit for bit;
     * its record already holds this probe, so the count stays. The training loss and
     * accuracy of the epoch are not in the checkpoint: their columns stay empty. */
    size_t recorded = r->dead.recorded;
    rep->has_train = 0;
    nn_status st = nn_run_probe_epoch(r, rep, err);
    r->dead.recorded = recorded;
    if (st != NN_OK)
        return st;
    rep->seconds = nn_now() - r->t0;
    rep->dead = &r->dead;
    rep->model = &r->model;
    if (csv_new)
        st = nn_csv_write(&r->csv, rep, err);
    if (st == NN_OK && units_new)
        st = nn_units_write(&r->units, rep->epoch, &r->dead, err);
    return st;
}

void nn_run_resume_free(run *r)
{
    free(r->csv_file.path);
    free(r->units_file.path);
    free(r->steps_file.path);
    r->csv_file = r->units_file = r->steps_file = (resume_file){0};
}
