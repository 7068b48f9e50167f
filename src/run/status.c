/* status.c - the run's status file: one small JSON object, rewritten atomically. */
#include "run/status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "run/csv.h"
#include "sys/fs.h"

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
        ok = add_widths(o, s->dead) == 0 && add_probe_record(o, s->dead) == 0;
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
                              nn_error *err)
{
    *s = (nn_run_status){.dead = dead, .epochs = epochs};
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
