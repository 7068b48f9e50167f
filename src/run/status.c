/* status.c - the run's status file: one small JSON object, rewritten atomically. */
#include "run/status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "run/csv.h"
#include "sys/fs.h"
#include "sys/version.h"

/* "widths": {"<module index>": units} of every activation module, and their sum. */
static int add_widths(cJSON *o, const nn_dead *d)
{
    cJSON *w = cJSON_AddObjectToObject(o, "widths");
    if (w == NULL)
        return -1;
    for (size_t i = 0; i < d->n_modules; i++) {
        if (d->active[i] == NULL)
            continue;
        char key[32];
        snprintf(key, sizeof key, "%zu", i);
        if (cJSON_AddNumberToObject(w, key, (double)d->width[i]) == NULL)
            return -1;
    }
    return cJSON_AddNumberToObject(o, "hidden_units", (double)d->total) ? 0 : -1;
}

/* What the epoch probes recorded, once there was one: "constant_output" of the last,
 * "revived" and "max_dead_frac" over all of them. */
static int add_probe_record(cJSON *o, const nn_dead *d)
{
    if (d->recorded == 0)
        return 0;
    return cJSON_AddBoolToObject(o, "constant_output", d->last_constant) &&
                   cJSON_AddNumberToObject(o, "revived", (double)d->revived) &&
                   cJSON_AddNumberToObject(o, "max_dead_frac", d->max_dead_frac)
               ? 0
               : -1;
}

/* The config of JSON text, with output.csv set to csv: the file its rows went to (--csv
 * may have named another). NULL when out of memory. */
static cJSON *recorded_config(const char *json, const char *csv)
{
    cJSON *c = cJSON_Parse(json);
    cJSON *out = cJSON_GetObjectItemCaseSensitive(c, "output");
    if (c && !cJSON_IsObject(out)) {
        cJSON_DeleteItemFromObjectCaseSensitive(c, "output");
        out = cJSON_AddObjectToObject(c, "output");
    }
    cJSON *path = out ? cJSON_CreateString(csv) : NULL;
    int ok = path && (cJSON_HasObjectItem(out, "csv")
                          ? cJSON_ReplaceItemInObjectCaseSensitive(out, "csv", path)
                          : cJSON_AddItemToObject(out, "csv", path));
    if (!ok) {
        cJSON_Delete(path);
        cJSON_Delete(c);
        return NULL;
    }
    return c;
}

/* How the run was made: the version, and what s->made knows. */
static int add_made(cJSON *o, const nn_run_status *s)
{
    const nn_run_made *m = &s->made;
    if (!cJSON_AddStringToObject(o, "nntrain_version", nn_version()) ||
        (m->kernel && !cJSON_AddStringToObject(o, "gemm_kernel", m->kernel)))
        return -1;
    cJSON *cmd = m->command ? cJSON_Parse(m->command) : NULL;
    if (m->command && !(cmd && cJSON_AddItemToObject(o, "command", cmd))) {
        cJSON_Delete(cmd);
        return -1;
    }
    cJSON *cfg = m->config ? recorded_config(m->config, s->csv) : NULL;
    if (m->config && !(cfg && cJSON_AddItemToObject(o, "config", cfg))) {
        cJSON_Delete(cfg);
        return -1;
    }
    return 0;
}

/* The whole object; epoch, step and reason are left out when negative / NULL. */
static char *render(const nn_run_status *s, const char *status, size_t epochs_done, long long epoch,
                    long long step, const char *reason)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "status", status) &&
             cJSON_AddNumberToObject(o, "epochs_done", (double)epochs_done) &&
             cJSON_AddNumberToObject(o, "epochs", (double)s->epochs);
    if (ok && epoch >= 0)
        ok = cJSON_AddNumberToObject(o, "epoch", (double)epoch) &&
             cJSON_AddNumberToObject(o, "step", (double)step);
    if (ok && reason)
        ok = cJSON_AddStringToObject(o, "reason", reason) != NULL;
    if (ok)
        ok = add_widths(o, s->dead) == 0 && add_probe_record(o, s->dead) == 0 &&
             add_made(o, s) == 0;
    char *text = ok ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    return text;
}

static nn_status write_status(const nn_run_status *s, const char *status, size_t epochs_done,
                              long long epoch, long long step, const char *reason, nn_error *err)
{
    char *text = render(s, status, epochs_done, epoch, step, reason);
    if (text == NULL)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = nn_write_atomic(s->path, text, "the run's status file", err);
    cJSON_free(text);
    return st;
}

nn_status nn_run_status_begin(nn_run_status *s, const char *csv, const nn_dead *dead, size_t epochs,
                              const nn_run_made *made, nn_error *err)
{
    *s = (nn_run_status){.csv = csv, .dead = dead, .epochs = epochs};
    if (made)
        s->made = *made;
    if (strcmp(csv, "-") == 0)
        return NN_OK;
    s->path = nn_csv_sibling(csv, ".status.json");
    if (s->path == NULL)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_status st = write_status(s, "running", 0, -1, -1, NULL, err);
    if (st != NN_OK)
        nn_run_status_free(s); /* the end then writes nothing either */
    return st;
}

nn_status nn_run_status_end(nn_run_status *s, nn_status run_st, const nn_error *run_err,
                            size_t epochs_done, size_t epoch, size_t step, nn_error *err)
{
    if (s->path == NULL)
        return NN_OK;
    const char *reason = run_st == NN_OK ? NULL : run_err ? run_err->msg : "unknown";
    if (run_st == NN_OK)
        return write_status(s, "ok", epochs_done, -1, -1, NULL, err);
    if (run_st == NN_ETRAIN || run_st == NN_EINTR)
        return write_status(s,
                            run_st == NN_EINTR ? "interrupted"
                            : s->exploded      ? "exploded"
                                               : "diverged",
                            epochs_done, (long long)epoch, (long long)step, reason, err);
    return write_status(s, "error", epochs_done, -1, -1, reason, err);
}

void nn_run_status_free(nn_run_status *s)
{
    free(s->path);
    s->path = NULL;
}

/* A word that a shell reads as itself. */
static int plain_word(const char *w)
{
    if (!*w)
        return 0;
    for (const char *p = w; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-", *p))
            return 0;
    return 1;
}

/* Appends word w to f, quoted as nn_command_text says. */
static void put_word(FILE *f, const char *w)
{
    int control = 0;
    for (const unsigned char *p = (const unsigned char *)w; *p; p++)
        control |= *p < 0x20 || *p == 0x7f;
    if (plain_word(w)) {
        fputs(w, f);
    } else if (!control) {
        fputc('\'', f);
        for (const char *p = w; *p; p++) {
            if (*p == '\'')
                fputs("'\\''", f); /* close, an escaped quote, reopen */
            else
                fputc(*p, f);
        }
        fputc('\'', f);
    } else {
        fputs("$'", f);
        for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
            if (*p == '\n' || *p == '\t')
                fputs(*p == '\n' ? "\\n" : "\\t", f);
            else if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\x%02x", *p);
            else if (*p == '\'' || *p == '\\')
                fprintf(f, "\\%c", *p);
            else
                fputc(*p, f);
        }
        fputc('\'', f);
    }
}

char *nn_command_text(size_t argc, const char *const *argv)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    for (size_t i = 0; i < argc; i++) {
        if (i)
            fputc(' ', f);
        put_word(f, argv[i]);
    }
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

char *nn_command_text_json(const char *json)
{
    cJSON *a = json ? cJSON_Parse(json) : NULL;
    size_t n = cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
    const char **words = cJSON_IsArray(a) ? calloc(n + 1, sizeof *words) : NULL;
    size_t k = 0;
    for (const cJSON *w = words ? a->child : NULL; w && cJSON_IsString(w); w = w->next)
        words[k++] = w->valuestring;
    char *text = words && k == n ? nn_command_text(n, words) : NULL;
    free(words);
    cJSON_Delete(a);
    return text;
}
