/* outputs.c - the files a run writes, and the earlier run's files a new run keeps. */
#include "run/outputs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "run/csv.h"
#include "sys/fs.h"

/* Adds an entry for path (NULL: nothing); 0 when out of memory. */
static int add(nn_run_output *out, size_t *n, char *path, nn_run_output proto)
{
    proto.path = path;
    out[(*n)++] = proto;
    return path != NULL;
}

nn_status nn_run_outputs(const nn_config *cfg, nn_run_output *out, size_t *n, nn_error *err)
{
    static const char *const sibling[] = {".status.json", ".status.json.tmp", ".classes.txt",
                                          ".steps.csv"};
    static const char *const role[] = {"the run's status file", "the status file's temporary copy",
                                       "the class list", "the probe's every-N-steps CSV"};
    const char *csv_key = "output.csv (or --csv)";
    int ok = 1;
    *n = 0;
    if (strcmp(cfg->csv, "-") != 0) {
        ok = add(out, n, strdup(cfg->csv), (nn_run_output){.role = "output.csv", .key = csv_key});
        for (size_t i = 0; ok && i < sizeof sibling / sizeof sibling[0]; i++)
            ok = add(out, n, nn_csv_sibling(cfg->csv, sibling[i]),
                     (nn_run_output){
                         .role = role[i], .key = csv_key, .suffix = sibling[i], .tmp = i == 1});
    }
    if (ok && cfg->units)
        ok = add(out, n, strdup(cfg->units),
                 (nn_run_output){.role = "output.units", .key = "output.units"});
    if (ok && cfg->checkpoint) {
        ok = add(
            out, n, strdup(cfg->checkpoint),
            (nn_run_output){.role = "output.checkpoint", .key = "output.checkpoint", .ckpt = 1});
        ok = ok && add(out, n, nn_write_whole_tmp(cfg->checkpoint),
                       (nn_run_output){.role = "the checkpoint's temporary copy",
                                       .key = "output.checkpoint",
                                       .tmp = 1});
    }
    return ok ? NN_OK : nn_fail(err, NN_ESYS, "out of memory");
}

void nn_run_outputs_free(nn_run_output *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(out[i].path);
}

/* path with ".<k>" put at byte at: "runs/x" + ".1" + ".csv". NULL when out of memory. */
static char *insert_number(const char *path, size_t at, size_t k)
{
    size_t len = strlen(path) + 24;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%.*s.%zu%s", (int)at, path, k, path + at);
    return s;
}

/* The name output o of a run writing csv ("-": none) is kept under with number k. */
static char *kept_path(const nn_run_output *o, const char *csv, size_t k)
{
    size_t csv_len = strlen(csv), dot = sizeof ".csv" - 1;
    size_t stem =
        csv_len > dot && strcmp(csv + csv_len - dot, ".csv") == 0 ? csv_len - dot : csv_len;
    int file_csv = strcmp(csv, "-") != 0;
    if (file_csv && o->suffix) { /* a sibling: that of the kept CSV */
        char *kept_csv = insert_number(csv, stem, k);
        char *s = kept_csv ? nn_csv_sibling(kept_csv, o->suffix) : NULL;
        free(kept_csv);
        return s;
    }
    if (file_csv && strncmp(o->path, csv, stem) == 0 && o->path[stem] == '.')
        return insert_number(o->path, stem, k); /* beside the CSV, named after it */
    const char *base = strrchr(o->path, '/');
    base = base ? base + 1 : o->path;
    const char *ext = strrchr(base, '.');
    size_t at = ext && ext > base ? (size_t)(ext - o->path) : strlen(o->path);
    return insert_number(o->path, at, k);
}

/* A regular file: what is kept. A symlink (/dev/stdout), a device (/dev/null) or a FIFO
 * is written as it is: renaming it would change where the user sends the rows. */
static int present(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The name is taken by anything at all. */
static int taken(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* The first number whose names are all free, into kept[] (malloc'ed, per output;
 * NULL for the temporary files). 0 when out of memory. */
static int choose_names(const nn_run_output *out, size_t n, const char *csv, char **kept)
{
    for (size_t k = 1;; k++) {
        int free_names = 1, ok = 1;
        for (size_t i = 0; i < n; i++) {
            kept[i] = out[i].tmp ? NULL : kept_path(&out[i], csv, k);
            ok &= out[i].tmp || kept[i] != NULL;
            free_names &= !kept[i] || !taken(kept[i]);
        }
        if (!ok || free_names)
            return ok;
        for (size_t i = 0; i < n; i++)
            free(kept[i]);
    }
}

nn_status nn_run_keep_previous(const nn_config *cfg, const nn_hooks *hooks, nn_error *err)
{
    nn_run_output out[NN_RUN_MAX_OUTPUTS];
    char *kept[NN_RUN_MAX_OUTPUTS] = {0};
    size_t n = 0, moved = 0;
    nn_status st = nn_run_outputs(cfg, out, &n, err);
    int any = 0;
    for (size_t i = 0; st == NN_OK && i < n; i++)
        any |= !out[i].tmp && present(out[i].path);
    if (st == NN_OK && any && !choose_names(out, n, cfg->csv, kept))
        st = nn_fail(err, NN_ESYS, "out of memory");
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; st == NN_OK && any && i < n; i++) {
        if (out[i].tmp || !present(out[i].path))
            continue;
        if (rename(out[i].path, kept[i]) != 0) {
            st = nn_fail(err, NN_ESYS, "%s: cannot keep the earlier run's file as %s: %s",
                         out[i].path, kept[i], strerror(errno));
            break;
        }
        if (used < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", moved ? ", " : "",
                                     kept[i]);
        moved++;
    }
    if (st == NN_OK && moved)
        nn_say(hooks,
               "kept the earlier run's files as %s (a run never overwrites a previous "
               "one's results)",
               list);
    for (size_t i = 0; i < n; i++)
        free(kept[i]);
    nn_run_outputs_free(out, n);
    return st;
}
