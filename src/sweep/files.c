/* files.c - the sweep's files: completeness, error status, results tables, job lines. */
#include "sweep/files.h"

#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "run/csv.h"
#include "run/csv_read.h"
#include "sys/fs.h"

#define MAX_SMALL_FILE ((size_t)1 << 20)

/* The whole of a small file (status, resolved config), NUL-terminated; NULL when absent,
 * unreadable or larger than 1 MiB (the caller treats all of these as "not there"). */
static char *slurp(const char *path)
{
    nn_status st;
    nn_error ignored;
    return nn_read_small(path, MAX_SMALL_FILE, "a sweep file", &st, &ignored);
}

void nn_sweep_read_status(const char *status_path, nn_sweep_status *st)
{
    char *text = slurp(status_path);
    nn_sweep_parse_status(text, st);
    free(text);
}

static double number_or(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1.0;
}

void nn_sweep_parse_status(const char *text, nn_sweep_status *st)
{
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "status");
    const char *state = cJSON_IsString(v) ? v->valuestring : "";
    snprintf(st->state, sizeof st->state, "%s", strlen(state) < sizeof st->state ? state : "?");
    st->epochs_done = number_or(o, "epochs_done");
    st->epoch = number_or(o, "epoch");
    st->revived = number_or(o, "revived");
    st->max_dead_frac = number_or(o, "max_dead_frac");
    cJSON_Delete(o);
}

int nn_sweep_status_final(const nn_sweep_status *st)
{
    return strcmp(st->state, "ok") == 0 || strcmp(st->state, "diverged") == 0 ||
           strcmp(st->state, "exploded") == 0 || strcmp(st->state, "error") == 0;
}

/* Text equal but for trailing white space (the writer adds a newline). */
static int same_text(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    while (na && (a[na - 1] == '\n' || a[na - 1] == ' '))
        na--;
    while (nb && (b[nb - 1] == '\n' || b[nb - 1] == ' '))
        nb--;
    return na == nb && memcmp(a, b, na) == 0;
}

int nn_sweep_config_matches(const char *path, const char *want)
{
    char *have = slurp(path);
    int same = have && want && same_text(have, want);
    free(have);
    return same;
}

int nn_sweep_run_config_matches(const nn_sweep *s, size_t r)
{
    char *json_path = nn_sweep_run_file(s, r, ".json"), *want = nn_sweep_run_json(s, r);
    int same = json_path && want && nn_sweep_config_matches(json_path, want);
    free(json_path);
    free(want);
    return same;
}

void nn_sweep_run_reset(const nn_sweep *s, size_t r)
{
    static const char *const suffixes[] = {".status.json", ".csv",         ".steps.csv",
                                           ".units.csv",   ".classes.txt", ".safetensors"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char *path = nn_sweep_run_file(s, r, suffixes[i]);
        if (path)
            remove(path); /* absent is fine */
        free(path);
    }
}

void nn_sweep_status_error(const char *csv, const nn_error *err)
{
    char *path = nn_csv_sibling(csv, ".status.json");
    nn_sweep_status st;
    if (path)
        nn_sweep_read_status(path, &st);
    if (path && strcmp(st.state, "error") != 0) {
        cJSON *o = cJSON_CreateObject();
        char *text = NULL;
        if (o && cJSON_AddStringToObject(o, "status", "error") &&
            cJSON_AddStringToObject(o, "reason", err->msg))
            text = cJSON_PrintUnformatted(o);
        nn_error ignored;
        if (text) /* best effort: the sweep reports the failure anyway */
            (void)nn_write_atomic(path, text, "the run's status file", &ignored);
        free(text);
        cJSON_Delete(o);
    }
    free(path);
}

nn_status nn_sweep_table_dir(const nn_sweep *s, nn_error *err)
{
    size_t n = strlen(s->out) + sizeof "/results";
    char *dir = malloc(n);
    if (!dir)
        return nn_fail(err, NN_ESYS, "out of memory");
    snprintf(dir, n, "%s/results", s->out);
    nn_status st = nn_mkdirs(dir, "the sweep's results folder", err);
    free(dir);
    return st;
}

char *nn_sweep_table_file(const nn_sweep *s, size_t c, const char *ext)
{
    size_t n = strlen(s->out) + strlen(s->combo_name[c]) + strlen(ext) + sizeof "/results/";
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/results/%s%s", s->out, s->combo_name[c], ext);
    return path;
}

void nn_sweep_table_header(const nn_sweep *s, FILE *f)
{
    fputs("run", f);
    for (size_t a = 0; a < s->n_axes; a++) {
        putc(',', f);
        nn_csv_put_field(f, s->axes[a].label);
    }
    fputs(",seed,status,test_loss,test_acc,hidden_units,dead,dead_frac,layers,dead_layers,"
          "constant_output",
          f);
}

nn_status nn_sweep_table_open(nn_sweep_table *t, const nn_sweep *s, size_t c, nn_error *err)
{
    memset(t, 0, sizeof *t);
    t->path = nn_sweep_table_file(s, c, ".csv");
    t->tmp = nn_sweep_table_file(s, c, ".csv.tmp");
    if (!t->path || !t->tmp) {
        nn_sweep_table_close(t);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    if (!(t->f = fopen(t->tmp, "w"))) {
        nn_status st = nn_fail(err, NN_ESYS, "%s: cannot create the results table: %s", t->tmp,
                               strerror(errno));
        nn_sweep_table_close(t);
        return st;
    }
    /* The combination's config is written when the table is: an old table and its old
     * config go first, so that nothing stale can look complete after a stop. */
    t->json = nn_sweep_table_file(s, c, ".json");
    t->json_text = s->combo_json[c];
    if (!t->json) {
        nn_sweep_table_close(t);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    remove(t->json);
    remove(t->path);
    nn_sweep_table_header(s, t->f);
    fputc('\n', t->f);
    return NN_OK;
}

nn_status nn_sweep_table_row(nn_sweep_table *t, const nn_sweep *s, size_t c, size_t k,
                             const nn_untrained *u, nn_error *err)
{
    const size_t *pick = s->pick + c * s->n_axes;
    unsigned long long seed = (unsigned long long)s->seeds[k];
    fprintf(t->f, "%s_s%llu", s->combo_name[c], seed); /* a name needs no quotes */
    for (size_t a = 0; a < s->n_axes; a++) {
        putc(',', t->f);
        nn_csv_put_field(t->f, s->axes[a].text[pick[a]]);
    }
    fprintf(t->f, ",%llu,%s", seed, u->status == NN_OK ? "ok" : "diverged");
    if (u->status == NN_OK)
        fprintf(t->f, ",%.6f,%.6f,%zu,%zu,%.6f,%zu,%zu,%d\n", u->test_loss, u->test_acc, u->hidden,
                u->dead, u->hidden ? (double)u->dead / (double)u->hidden : 0.0, u->layers,
                u->dead_layers, u->constant_output);
    else /* an unstable network's units are not dead: nothing to report */
        fprintf(t->f, ",,,%zu,,,%zu,,\n", u->hidden, u->layers);
    if (ferror(t->f))
        return nn_fail(err, NN_ESYS, "%s: cannot write the results table: %s", t->tmp,
                       strerror(errno));
    return NN_OK;
}

nn_status nn_sweep_table_commit(nn_sweep_table *t, nn_error *err)
{
    int bad = fclose(t->f) != 0;
    t->f = NULL;
    if (bad || rename(t->tmp, t->path) != 0)
        return nn_fail(err, NN_ESYS, "%s: cannot write the results table: %s", t->path,
                       strerror(errno));
    free(t->tmp);
    t->tmp = NULL;
    return nn_write_atomic(t->json, t->json_text, "the combination's config", err);
}

void nn_sweep_table_close(nn_sweep_table *t)
{
    if (t->f)
        fclose(t->f);
    if (t->tmp)
        remove(t->tmp);
    free(t->path);
    free(t->tmp);
    free(t->json);
    memset(t, 0, sizeof *t);
}
