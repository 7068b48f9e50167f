/* jobs.c - a sweep as shell commands, one per run, for GNU parallel or a Slurm array. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep/claim.h"
#include "sweep/files.h"
#include "sys/fs.h"

/* s in single quotes for the shell ('\'' for a quote). */
static void put_quoted(FILE *out, const char *s)
{
    fputc('\'', out);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", out);
        else
            fputc(*s, out);
    fputc('\'', out);
}

/* Unit u (a run, or an untrained combination) is claimed by a sweep that may be running:
 * its files are that sweep's to write. */
static int held(const nn_sweep *s, const nn_sweep_owner *me, size_t u)
{
    char *claim = s->table ? nn_sweep_table_file(s, u, ".claim") : nn_sweep_run_file(s, u, ".claim");
    char who[8];
    nn_claim_state st = claim ? nn_sweep_claim_state(me, claim, NULL, who, sizeof who)
                              : NN_CLAIM_FREE;
    free(claim);
    return st != NN_CLAIM_FREE && st != NN_CLAIM_STALE;
}

nn_status nn_sweep_print_jobs(const nn_sweep *s, const char *nntrain_path, FILE *out,
                              size_t *printed, size_t *n_held, nn_error *err)
{
    *printed = 0;
    *n_held = 0;
    nn_sweep_owner me;
    nn_sweep_owner_self(&me);
    char cwd[PATH_MAX], self[PATH_MAX], sweep[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return nn_fail(err, NN_ESYS, "cannot read the current folder: %s", strerror(errno));
    if (!realpath(nntrain_path, self))
        return nn_fail(err, NN_ESYS, "%s: cannot find this program's path: %s", nntrain_path,
                       strerror(errno));
    if (!realpath(s->source, sweep))
        return nn_fail(err, NN_ECONFIG, "%s: %s", s->source, strerror(errno));
    nn_status st = nn_sweep_check_out(s, err); /* as a sweep run would, before anything */
    if (st == NN_OK)
        st = nn_sweep_check_data(s, err);
    if (st == NN_OK)
        st = nn_mkdirs(s->out, "the sweep's output folder", err);
    if (st == NN_OK && s->table)
        st = nn_sweep_table_dir(s, err);
    /* Untrained networks: one command per combination (it runs every seed of it). */
    for (size_t c = 0; st == NN_OK && s->table && c < s->n_combos; c++) {
        if (nn_sweep_combo_complete(s, c))
            continue;
        if (held(s, &me, c)) {
            *n_held += s->n_seeds;
            continue;
        }
        fputs("cd ", out);
        put_quoted(out, cwd);
        fputs(" && ", out);
        put_quoted(out, self);
        fputs(" sweep ", out);
        put_quoted(out, sweep);
        if (strcmp(s->out, "") != 0) {
            fputs(" --out ", out);
            put_quoted(out, s->out);
        }
        fprintf(out, " --combo %zu --quiet\n", c);
        ++*printed;
    }
    /* Training runs: the resolved config is written now, the command trains it. */
    for (size_t r = 0; st == NN_OK && !s->table && r < nn_sweep_runs(s); r++) {
        if (nn_sweep_run_complete(s, r))
            continue;
        if (held(s, &me, r)) {
            ++*n_held;
            continue;
        }
        char *json_path = nn_sweep_run_file(s, r, ".json"), *text = nn_sweep_run_json(s, r);
        nn_sweep_run_reset(s, r);
        st = json_path && text ? nn_write_atomic(json_path, text, "the run's resolved config", err)
                               : nn_fail(err, NN_ESYS, "out of memory");
        if (st == NN_OK) {
            fputs("cd ", out);
            put_quoted(out, cwd);
            fputs(" && ", out);
            put_quoted(out, self);
            fputc(' ', out);
            put_quoted(out, json_path);
            fprintf(out, " --quiet\n");
            ++*printed;
        }
        free(json_path);
        free(text);
    }
    if (st == NN_OK && (fflush(out) != 0 || ferror(out)))
        st = nn_fail(err, NN_ESYS, "cannot write the job list: %s", strerror(errno));
    return st;
}
