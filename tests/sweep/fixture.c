/* sweep/fixture.c - see fixture.h. */
#include "sweep/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture.h"
#include "support/helpers.h"

void fx_path(const fixture *f, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", f->dir, name);
}

void fx_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    ck_assert_int_eq(fclose(fp), 0);
}

void fx_open(fixture *f, int epochs)
{
    f->dir = th_tmpdir();
    char a[600], b[600], c[600], d[600];
    fx_path(f, "train-img", a, sizeof a);
    fx_path(f, "train-lbl", b, sizeof b);
    fx_path(f, "test-img", c, sizeof c);
    fx_path(f, "test-lbl", d, sizeof d);
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 200, 8, 5, 1), 0);
    ck_assert_int_eq(th_synthetic(&test, 60, 8, 5, 2), 0);
    ck_assert_int_eq(th_write_idx(&train, a, b, 0), 0);
    ck_assert_int_eq(th_write_idx(&test, c, d, 0), 0);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    char json[4096];
    snprintf(json, sizeof json,
             "{\"name\": \"base\", \"seed\": 1, \"data\": {\"format\": \"idx\", \"train_images\": "
             "\"%s\", \"train_labels\": \"%s\", \"test_images\": \"%s\", \"test_labels\": \"%s\"},"
             " \"model\": [{\"type\": \"dense\", \"units\": 16}, {\"type\": \"relu\"},"
             " {\"type\": \"dense\", \"units\": 16}, {\"type\": \"relu\"},"
             " {\"type\": \"dense\", \"units\": 5}],"
             " \"optimizer\": {\"lr\": 0.1, \"momentum\": 0.9},"
             " \"train\": {\"epochs\": %d, \"batch_size\": 20}}",
             a, b, c, d, epochs);
    fx_path(f, "base.json", f->base, sizeof f->base);
    fx_write(f->base, json);
    fx_path(f, "sweep.json", f->sweep, sizeof f->sweep);
    fx_path(f, "out", f->out, sizeof f->out);
}

void fx_sweep(const fixture *f, const char *axes)
{
    char json[4096];
    snprintf(json, sizeof json, "{\"base\": \"%s\", \"out\": \"%s\", %s}", f->base, f->out, axes);
    fx_write(f->sweep, json);
}

/* The base config with "output": {key: path}. */
void fx_base_output(const fixture *f, const char *key, const char *path)
{
    char *base = th_slurp(f->base), json[8192];
    ck_assert_ptr_nonnull(base);
    char *at = strstr(base, "\"seed\"");
    ck_assert_ptr_nonnull(at);
    snprintf(json, sizeof json, "%.*s\"output\": {\"%s\": \"%s\"}, %s", (int)(at - base), base, key,
             path, at);
    fx_write(f->base, json);
    free(base);
}

void fx_close(fixture *f)
{
    th_rmdir(f->dir);
    free(f->dir);
}

void fx_load(nn_sweep *s, const fixture *f)
{
    nn_error err;
    ck_assert_msg(nn_sweep_load(s, f->sweep, NULL, 0, &err) == NN_OK, "%s", err.msg);
}



/* A hand-made run of one epoch: status file and CSV (epoch 0 and 1; a diverged run stops in
 * epoch 1, with the row of epoch 0 only) with the given figures. */
void fx_fake_run(const nn_sweep *s, size_t r, const char *status, double dead0, double dead1,
                     double acc1, int revived)
{
    char *csv = nn_sweep_run_file(s, r, ".csv"), *st = nn_sweep_run_file(s, r, ".status.json");
    char text[512];
    int ok = strcmp(status, "ok") == 0;
    snprintf(text, sizeof text, FX_HEADER "0,0,0.1,,,2.3,0.1,0,%.6f,0,0,0,0.1\n", dead0);
    if (ok)
        snprintf(text + strlen(text), sizeof text - strlen(text),
                 "1,10,0.1,1.0,0.5,1.0,%.6f,0,%.6f,0,0,0,0.2\n", acc1, dead1);
    fx_write(csv, text);
    snprintf(text, sizeof text,
             "{\"status\": \"%s\", \"epochs_done\": %d, \"epochs\": 1, %s\"revived\": %d}",
             status, ok, ok ? "" : "\"epoch\": 1, \"step\": 3, ", revived);
    fx_write(st, text);
    /* The resolved config that makes it a run of this sweep. */
    char *json = nn_sweep_run_file(s, r, ".json"), *want = nn_sweep_run_json(s, r);
    fx_write(json, want);
    free(json);
    free(want);
    free(csv);
    free(st);
}

char *fx_out_text(const fixture *f, const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", f->out, name);
    return th_slurp(path);
}


size_t fx_exec(const nn_sweep *s, volatile sig_atomic_t *stop, nn_status want)
{
    nn_sweep_hooks h = {.stop = stop};
    nn_sweep_outcome o;
    nn_error err = {0};
    nn_status st = nn_sweep_exec(s, &h, &o, &err);
    ck_assert_msg(st == want, "%d: %s", st, err.msg);
    return o.ran;
}
