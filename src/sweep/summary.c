/* summary.c - out/summary.csv (one row per combination: how its seeds ended, means and
 * standard deviations over the healthy ones), out/epochs.csv (the same per epoch) and the
 * aligned table, from whatever files are under out/ (a sweep just run, or --collect). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run/csv_read.h"
#include "sweep/claim.h"
#include "sweep/collect.h"
#include "sweep/files.h"
#include "sys/fs.h"

/* Running mean and spread (Welford), over the healthy seeds. */
typedef struct stat1 {
    size_t n;
    double mean, m2;
} stat1;

static void stat_add(stat1 *s, double x)
{
    s->n++;
    double d = x - s->mean;
    s->mean += d / (double)s->n;
    s->m2 += d * (x - s->mean);
}

/* Sample standard deviation (n - 1); 0 for one value. */
static double stat_std(const stat1 *s)
{
    return s->n > 1 ? sqrt(s->m2 / (double)(s->n - 1)) : 0.0;
}

static void put_stat(FILE *f, const stat1 *s, int digits)
{
    if (s->n)
        fprintf(f, ",%.*f,%.*f", digits, s->mean, digits, stat_std(s));
    else
        fputs(",,", f);
}

/* The axis values of combination c, as CSV fields (quoted when they need it). */
static void axes_cells(const nn_sweep *s, size_t c, FILE *f)
{
    const size_t *pick = s->pick + c * s->n_axes;
    for (size_t a = 0; a < s->n_axes; a++) {
        if (a)
            putc(',', f);
        nn_csv_put_field(f, s->axes[a].text[pick[a]]);
    }
}

static void axes_header(const nn_sweep *s, FILE *f)
{
    for (size_t a = 0; a < s->n_axes; a++) {
        if (a)
            putc(',', f);
        nn_csv_put_field(f, s->axes[a].label);
    }
}

/* The counts of one combination. */
typedef struct combo_sum {
    size_t seeds, ok, diverged, exploded, failed;
    stat1 acc, dead, init_dead, max_dead, revived;
    stat1 born_dead, constant; /* untrained sweeps */
    size_t epochs;             /* rows of the per-epoch stats */
    stat1 *e_dead, *e_acc;
} combo_sum;

static void log_line(const nn_sweep_hooks *h, const char *fmt, const char *a, const char *b)
{
    if (!h || !h->log)
        return;
    char line[1200];
    snprintf(line, sizeof line, fmt, a, b);
    h->log(h->ctx, line);
}

/* Adds a healthy run's figures to its combination; -1 when out of memory. */
static int add_ok_run(combo_sum *cs, const nn_sweep_rows *rr, double revived, double max_dead)
{
    stat_add(&cs->acc, rr->test_acc[rr->n - 1]);
    stat_add(&cs->dead, rr->dead_frac[rr->n - 1]);
    stat_add(&cs->init_dead, rr->dead_frac[0]);
    double mx = 0;
    for (size_t e = 0; e < rr->n; e++)
        mx = fmax(mx, rr->dead_frac[e]);
    stat_add(&cs->max_dead, max_dead >= 0 ? max_dead : mx);
    if (revived >= 0)
        stat_add(&cs->revived, revived);
    if (rr->n > cs->epochs) {
        stat1 *d = realloc(cs->e_dead, rr->n * sizeof *d);
        if (d)
            cs->e_dead = d;
        stat1 *a = d ? realloc(cs->e_acc, rr->n * sizeof *a) : NULL;
        if (a)
            cs->e_acc = a;
        if (!d || !a)
            return -1;
        memset(cs->e_dead + cs->epochs, 0, (rr->n - cs->epochs) * sizeof *d);
        memset(cs->e_acc + cs->epochs, 0, (rr->n - cs->epochs) * sizeof *a);
        cs->epochs = rr->n;
    }
    for (size_t e = 0; e < rr->n; e++) {
        stat_add(&cs->e_dead[e], rr->dead_frac[e]);
        stat_add(&cs->e_acc[e], rr->test_acc[e]);
    }
    return 0;
}

/* Counts an ended run whose files agree into its combination; -1 when out of memory. */
static int count_run(combo_sum *cs, nn_sweep_tally *t, const nn_sweep_run_files *f)
{
    const char *st = f->status.state;
    t->complete++;
    cs->seeds++;
    if (strcmp(st, "ok") == 0) {
        cs->ok++;
        t->ok++;
        return add_ok_run(cs, &f->rows, f->status.revived, f->status.max_dead_frac);
    }
    if (strcmp(st, "diverged") == 0) {
        cs->diverged++;
        t->diverged++;
    } else if (strcmp(st, "exploded") == 0) {
        cs->exploded++;
        t->exploded++;
    } else {
        cs->failed++;
        t->failed++;
    }
    return 0;
}

/* Whether the unit whose claim file is path (NULL: out of memory) is claimed by a sweep
 * that may still be running it; who names it. */
static int claimed(const char *path, char *who, size_t n)
{
    nn_sweep_owner me;
    nn_sweep_owner_self(&me);
    nn_claim_state st = path ? nn_sweep_claim_state(&me, path, NULL, who, n) : NN_CLAIM_FREE;
    return st != NN_CLAIM_FREE && st != NN_CLAIM_STALE;
}

/* The runs of a training sweep: status files, resolved configs and CSVs. A run counts when
 * they agree (nn_sweep_run_read); else it is listed: running when a sweep claims it,
 * missing when it has no files. */
static nn_status tally_runs(const nn_sweep *s, size_t c, combo_sum *cs, nn_sweep_tally *t,
                            const nn_sweep_hooks *h, nn_error *err)
{
    for (size_t k = 0; k < s->n_seeds; k++) {
        size_t r = c * s->n_seeds + k;
        char *csv = nn_sweep_run_file(s, r, ".csv"), *claim = nn_sweep_run_file(s, r, ".claim");
        char who[300];
        nn_sweep_run_files f;
        int ok = csv && claim && nn_sweep_run_read(s, r, &f);
        if (ok) {
            t->runs++;
            if (!f.why) {
                ok = count_run(cs, t, &f) == 0;
            } else if (claimed(claim, who, sizeof who)) {
                t->running++;
                log_line(h, "running run: %s (claimed by %s)", csv, who);
            } else if (f.status.state[0] || f.rows.header) {
                t->partial++;
                log_line(h, "partial run: %s (%s)", csv, f.why);
            } else {
                t->missing++;
                log_line(h, "missing run: %s%s", csv, "");
            }
            nn_sweep_run_files_free(&f);
        }
        free(csv);
        free(claim);
        if (!ok)
            return nn_fail(err, NN_ESYS, "out of memory");
    }
    return NN_OK;
}

/* The table of an untrained combination, counted when it is whole (nn_sweep_combo_read);
 * its rows copied to all (results.csv) when not NULL. */
static nn_status tally_table(const nn_sweep *s, size_t c, combo_sum *cs, nn_sweep_tally *t,
                             const nn_sweep_hooks *h, FILE *all, nn_error *err)
{
    char *path = nn_sweep_table_file(s, c, ".csv"), *text = NULL, **cells = NULL;
    size_t len = 0;
    const char *why = NULL;
    int whole = path && nn_sweep_combo_read(s, c, &text, &len, &why);
    if (whole && !(cells = malloc(NN_SWEEP_MAX_CELLS * sizeof *cells)))
        whole = 0, why = NULL;
    if (!whole && !why) {
        free(path);
        free(text);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    t->runs += s->n_seeds;
    char *claim = whole ? NULL : nn_sweep_table_file(s, c, ".claim"), who[300];
    if (!whole && claimed(claim, who, sizeof who)) {
        t->running += s->n_seeds;
        log_line(h, "running combination: %s (claimed by %s)", path, who);
    } else if (!whole) {
        *(why[0] ? &t->partial : &t->missing) += s->n_seeds;
        log_line(h, why[0] ? "partial combination: %s (%s)" : "missing combination: %s%s", path,
                 why);
    }
    free(claim);
    nn_sweep_result_cols cols = {-1, -1, -1, -1};
    for (size_t pos = 0, head = 1; whole && pos < len; head = 0) {
        int end;
        size_t n = nn_csv_record(text + pos, len - pos, &end);
        if (all && !head)
            fwrite(text + pos, 1, n, all);
        text[pos + n - 1] = '\0'; /* its '\n': the table is whole */
        size_t nc = nn_csv_split(text + pos, cells, NN_SWEEP_MAX_CELLS);
        pos += n;
        nn_sweep_result_row row;
        if (head)
            nn_sweep_result_cols_find(cells, nc, &cols);
        else if (nn_sweep_result_row_parse(&cols, cells, nc, &row)) {
            t->complete++;
            cs->seeds++;
            *(row.ok ? &cs->ok : &cs->diverged) += 1;
            *(row.ok ? &t->ok : &t->diverged) += 1;
            if (row.ok) {
                stat_add(&cs->dead, row.dead_frac);
                stat_add(&cs->born_dead, row.born_dead ? 1.0 : 0.0);
                stat_add(&cs->constant, row.constant ? 1.0 : 0.0);
            }
        }
    }
    free(cells);
    free(text);
    free(path);
    return NN_OK;
}

static void pct(char *buf, size_t n, const stat1 *s, int with_std)
{
    if (!s->n)
        snprintf(buf, n, "-");
    else if (with_std)
        snprintf(buf, n, "%.2f ± %.2f", 100 * s->mean, 100 * stat_std(s));
    else
        snprintf(buf, n, "%.1f", 100 * s->mean);
}

/* The aligned table: one line per combination, activations of the same setting together. */
static void print_table(const nn_sweep *s, const combo_sum *sums, FILE *out)
{
    size_t wa[NN_SWEEP_MAX_AXES];
    for (size_t a = 0; a < s->n_axes; a++) {
        wa[a] = strlen(s->axes[a].label);
        for (size_t i = 0; i < s->axes[a].n; i++)
            if (strlen(s->axes[a].text[i]) > wa[a])
                wa[a] = strlen(s->axes[a].text[i]);
    }
    static const char *const train_cols[] = {"seeds ok/div/expl", "test acc %", "dead % (end)",
                                             "dead % (init)",     "max dead %", "revived"};
    static const char *const born_cols[] = {"seeds ok/div", "born dead %", "constant out %",
                                            "dead units %"};
    const char *const *cols = s->table ? born_cols : train_cols;
    size_t ncols = s->table ? 4 : 6;
    const int w[] = {18, 15, 15, 15, 15, 9};
    for (size_t a = 0; a < s->n_axes; a++)
        fprintf(out, "%-*s  ", (int)wa[a], s->axes[a].label);
    for (size_t k = 0; k < ncols; k++)
        fprintf(out, "%*s%s", w[k], cols[k], k + 1 < ncols ? "  " : "\n");
    for (size_t c = 0; c < s->n_combos; c++) {
        const combo_sum *cs = &sums[c];
        const size_t *pick = s->pick + c * s->n_axes;
        if (c > 0 && s->axes[0].n > 1 && pick[0] == 0)
            fputc('\n', out); /* a blank line between settings */
        for (size_t a = 0; a < s->n_axes; a++)
            fprintf(out, "%-*s  ", (int)wa[a], s->axes[a].text[pick[a]]);
        char b[6][48];
        if (s->table) {
            snprintf(b[0], sizeof b[0], "%zu/%zu", cs->ok, cs->diverged);
            pct(b[1], sizeof b[1], &cs->born_dead, 0);
            pct(b[2], sizeof b[2], &cs->constant, 0);
            pct(b[3], sizeof b[3], &cs->dead, 1);
        } else {
            snprintf(b[0], sizeof b[0], "%zu/%zu/%zu%s", cs->ok, cs->diverged, cs->exploded,
                     cs->failed ? " +err" : "");
            pct(b[1], sizeof b[1], &cs->acc, 1);
            pct(b[2], sizeof b[2], &cs->dead, 1);
            pct(b[3], sizeof b[3], &cs->init_dead, 1);
            pct(b[4], sizeof b[4], &cs->max_dead, 1);
            if (cs->revived.n)
                snprintf(b[5], sizeof b[5], "%.1f", cs->revived.mean);
            else
                snprintf(b[5], sizeof b[5], "-");
        }
        for (size_t k = 0; k < ncols; k++) {
            /* "±" is two bytes and one column wide. */
            int pad = w[k] + (strstr(b[k], "±") ? 1 : 0);
            fprintf(out, "%*s%s", pad, b[k], k + 1 < ncols ? "  " : "\n");
        }
    }
}

static char *out_file(const nn_sweep *s, const char *name)
{
    size_t n = strlen(s->out) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", s->out, name);
    return p;
}

/* What the summary files are written from. */
typedef struct sums_ctx {
    const nn_sweep *s;
    const combo_sum *sums;
} sums_ctx;

/* summary.csv: a row per combination (nn_write_whole's fill). */
static int fill_summary(void *ctx, FILE *f)
{
    const sums_ctx *x = ctx;
    const nn_sweep *s = x->s;
    axes_header(s, f);
    fputs(s->table ? ",seeds,ok,diverged,exploded,failed,born_dead_frac,constant_output_frac,"
                     "dead_frac_mean,dead_frac_std\n"
                   : ",seeds,ok,diverged,exploded,failed,test_acc_mean,test_acc_std,"
                     "dead_frac_mean,dead_frac_std,init_dead_frac_mean,init_dead_frac_std,"
                     "max_dead_frac_mean,max_dead_frac_std,revived_mean,revived_std\n",
          f);
    for (size_t c = 0; c < s->n_combos; c++) {
        const combo_sum *cs = &x->sums[c];
        axes_cells(s, c, f);
        fprintf(f, ",%zu,%zu,%zu,%zu,%zu", cs->seeds, cs->ok, cs->diverged, cs->exploded,
                cs->failed);
        if (s->table) {
            if (cs->ok)
                fprintf(f, ",%.6f,%.6f", cs->born_dead.mean, cs->constant.mean);
            else
                fputs(",,", f);
            put_stat(f, &cs->dead, 6);
        } else {
            put_stat(f, &cs->acc, 6);
            put_stat(f, &cs->dead, 6);
            put_stat(f, &cs->init_dead, 6);
            put_stat(f, &cs->max_dead, 6);
            put_stat(f, &cs->revived, 3);
        }
        fputc('\n', f);
    }
    return ferror(f);
}

/* epochs.csv: a row per combination and epoch (nn_write_whole's fill). */
static int fill_epochs(void *ctx, FILE *e)
{
    const sums_ctx *x = ctx;
    const nn_sweep *s = x->s;
    axes_header(s, e);
    fputs(",epoch,runs,dead_frac_mean,dead_frac_std,test_acc_mean,test_acc_std\n", e);
    for (size_t c = 0; c < s->n_combos; c++)
        for (size_t ep = 0; ep < x->sums[c].epochs; ep++) {
            axes_cells(s, c, e);
            fprintf(e, ",%zu,%zu", ep, x->sums[c].e_dead[ep].n);
            put_stat(e, &x->sums[c].e_dead[ep], 6);
            put_stat(e, &x->sums[c].e_acc[ep], 6);
            fputc('\n', e);
        }
    return ferror(e);
}

/* Writes the summary (and, for trained runs, the per-epoch file), each whole. */
static nn_status write_files(const nn_sweep *s, const combo_sum *sums, nn_error *err)
{
    sums_ctx x = {s, sums};
    char *path = out_file(s, "summary.csv"), *epath = out_file(s, "epochs.csv");
    nn_status st = path && epath ? NN_OK : nn_fail(err, NN_ESYS, "out of memory");
    int e = st == NN_OK ? nn_write_whole(path, fill_summary, &x) : 0;
    if (e)
        st = nn_fail(err, NN_ESYS, "%s: cannot write the summary: %s", path, strerror(e));
    if (st == NN_OK && !s->table && (e = nn_write_whole(epath, fill_epochs, &x)) != 0)
        st =
            nn_fail(err, NN_ESYS, "%s: cannot write the per-epoch summary: %s", epath, strerror(e));
    free(path);
    free(epath);
    return st;
}

nn_status nn_sweep_summarize(const nn_sweep *s, FILE *table, const nn_sweep_hooks *h,
                             nn_sweep_tally *tally, nn_error *err)
{
    memset(tally, 0, sizeof *tally);
    combo_sum *sums = calloc(s->n_combos, sizeof *sums);
    if (!sums)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = nn_sweep_check_out(s, err); /* --collect writes here too */
    if (st == NN_OK)
        st = nn_mkdirs(s->out, "the sweep's output folder", err);
    /* An untrained sweep's tables, concatenated: out/results.csv, a row per run. */
    char *all_path = s->table ? out_file(s, "results.csv") : NULL;
    char *all_tmp = s->table ? out_file(s, "results.csv.tmp") : NULL;
    FILE *all = NULL;
    if (st == NN_OK && s->table) {
        if (!all_path || !all_tmp)
            st = nn_fail(err, NN_ESYS, "out of memory");
        else if (!(all = fopen(all_tmp, "w")))
            st = nn_fail(err, NN_ESYS, "%s: cannot write: %s", all_tmp, strerror(errno));
        else {
            nn_sweep_table_header(s, all);
            fputc('\n', all);
        }
    }
    for (size_t c = 0; st == NN_OK && c < s->n_combos; c++)
        st = s->table ? tally_table(s, c, &sums[c], tally, h, all, err)
                      : tally_runs(s, c, &sums[c], tally, h, err);
    if (all) {
        int bad = ferror(all) | fclose(all);
        if (st == NN_OK && (bad || rename(all_tmp, all_path) != 0))
            st = nn_fail(err, NN_ESYS, "%s: cannot write: %s", all_path, strerror(errno));
        if (st != NN_OK)
            remove(all_tmp);
    }
    if (st == NN_OK)
        st = write_files(s, sums, err);
    if (st == NN_OK && table)
        print_table(s, sums, table);
    for (size_t c = 0; c < s->n_combos; c++) {
        free(sums[c].e_dead);
        free(sums[c].e_acc);
    }
    free(sums);
    free(all_path);
    free(all_tmp);
    return st;
}
