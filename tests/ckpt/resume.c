/* ckpt/resume.c - --resume trusts nothing it reads (docs/checkpoints.md, "Resume"):
 * metadata that lies, a CSV or per-unit CSV of another run, outputs that are folders, are
 * refused before any file is touched (every file of the folder is compared before and
 * after); a run resumes from its checkpoint alone, into new output paths, and ends as the
 * uninterrupted run: the same tensors bit for bit, the same rows but for seconds. */
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/safetensors.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "nntrain.h"
#include "suites.h"

/* One run of the test's network: a PReLU network with momentum on 200 synthetic samples
 * in batches of 20 (10 steps an epoch), 4 epochs, a checkpoint every 2, its per-unit CSV
 * and a probe every 5 steps; stopped after the epoch stop_after when not 0. Paths are in
 * the test's folder. */
typedef struct job {
    const char *csv, *ck, *units, *resume;
    size_t stop_after;
    const char *extra; /* more top-level keys, or NULL */
} job;

typedef struct stopper {
    volatile sig_atomic_t flag;
    size_t at;
} stopper;

static void stop_at_epoch(void *ctx, const struct nn_epoch_report *r)
{
    stopper *s = ctx;
    if (r->epoch == s->at)
        s->flag = 1;
}

static nn_status run_job(const job *j, nn_error *err)
{
    char json[3000], ck[700], units[700];
    snprintf(ck, sizeof ck, "%s", ft_at("%s", j->ck));
    snprintf(units, sizeof units, "%s", ft_at("%s", j->units));
    snprintf(
        json, sizeof json,
        "{\"name\": \"t\", \"seed\": 5, \"data\": {\"format\": \"idx\", \"train_images\": "
        "\"-\", \"train_labels\": \"-\", \"test_images\": \"-\", \"test_labels\": \"-\"},"
        " \"model\": [{\"type\": \"dense\", \"units\": 12}, {\"type\": \"prelu\"},"
        " {\"type\": \"dense\", \"units\": 5}],"
        " \"optimizer\": {\"lr\": 0.1, \"momentum\": 0.9},"
        " \"train\": {\"epochs\": 4, \"batch_size\": 20},"
        " \"dead_units\": {\"every_steps\": 5},"
        " \"output\": {\"checkpoint\": \"%s\", \"checkpoint_every\": 2, \"units\": \"%s\"}%s%s}",
        ck, units, j->extra ? ", " : "", j->extra ? j->extra : "");
    nn_config cfg;
    ck_assert_msg(nn_config_parse(&cfg, json, "t.json", NULL, 0, err) == NN_OK, "%s", err->msg);
    ck_assert_int_eq(nn_config_set_csv(&cfg, j->csv[0] == '-' ? "-" : ft_at("%s", j->csv), NULL),
                     NN_OK);
    if (j->resume)
        ck_assert_int_eq(nn_config_set_resume(&cfg, ft_at("%s", j->resume), NULL), NN_OK);
    stopper stop = {0, j->stop_after};
    nn_hooks h = {.ctx = &stop, .epoch = stop_at_epoch, .stop = j->stop_after ? &stop.flag : NULL};
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 200, 8, 5, 3), 0);
    ck_assert_int_eq(th_synthetic(&test, 60, 8, 5, 4), 0);
    nn_status st = nn_train_on(&cfg, &train, &test, &h, err);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
    return st;
}

/* The uninterrupted run (full.*) and the one stopped after epoch 3 (part.*): its
 * checkpoint is at epoch 2, its files hold epoch 3 too. */
static void make_runs(int full)
{
    nn_error err;
    job f = {"full.csv", "full.st", "full.units.csv", NULL, 0, NULL};
    job p = {"part.csv", "part.st", "part.units.csv", NULL, 3, NULL};
    if (full)
        ck_assert_msg(run_job(&f, &err) == NN_OK, "%s", err.msg);
    ck_assert_int_eq(run_job(&p, &err), NN_EINTR);
}

/* Every entry of the test's folder with a hash of its bytes, one a line: equal before and
 * after means no file was created, removed or changed. */
static char *snapshot(void)
{
    struct dirent **names;
    int n = scandir(ft_dir(), &names, NULL, alphasort);
    ck_assert_int_ge(n, 0);
    size_t cap = 64 * (size_t)n + 1, used = 0;
    char *out = calloc(cap, 1);
    ck_assert_ptr_nonnull(out);
    for (int i = 0; i < n; i++) {
        size_t len = 0;
        char *b = th_read_bytes(ft_at("%s", names[i]->d_name), &len);
        uint64_t h = 1469598103934665603u; /* FNV-1a; a folder reads as NULL */
        for (size_t k = 0; b && k < len; k++)
            h = (h ^ (unsigned char)b[k]) * 1099511628211u;
        used += (size_t)snprintf(out + used, cap - used, "%.30s %016llx\n", names[i]->d_name,
                                 b ? (unsigned long long)h : 0ull);
        free(b);
        free(names[i]);
    }
    free(names);
    return out;
}

/* A copy of the checkpoint src with metadata fields replaced (kv: key, value, ..., NULL). */
static void edit_meta(const char *src, const char *dst, const char *const *kv)
{
    nn_st_file f;
    nn_error err;
    ck_assert_msg(nn_st_read(ft_at("%s", src), &f, &err) == NN_OK, "%s", err.msg);
    for (size_t k = 0; k + 1 < 8 && kv[k]; k += 2) {
        size_t i = 0;
        while (i < f.n_meta && strcmp(f.meta_key[i], kv[k]) != 0)
            i++;
        ck_assert_msg(i < f.n_meta, "no metadata %s", kv[k]);
        free(f.meta_val[i]);
        f.meta_val[i] = strdup(kv[k + 1]);
    }
    ck_assert_int_eq(nn_st_write(ft_at("%s", dst), f.tensors, f.n, (const char *const *)f.meta_key,
                                 (const char *const *)f.meta_val, f.n_meta, &err),
                     NN_OK);
    nn_st_free(&f);
}

/* A resume of part.* from the checkpoint ck that must be refused with st, its message
 * naming ck and holding needle, with no file of the folder touched. */
static void refused(const char *ck, nn_status st, const char *needle)
{
    char *before = snapshot();
    job r = {"part.csv", "part.st", "part.units.csv", ck, 0, NULL};
    nn_error err = {0};
    nn_status got = run_job(&r, &err);
    ck_assert_msg(got == st && strstr(err.msg, needle), "exit %d (want %d): %s", (int)got, (int)st,
                  err.msg);
    char *after = snapshot();
    ck_assert_msg(strcmp(before, after) == 0, "%s: files changed:\n%s\nthen\n%s", needle, before,
                  after);
    free(before);
    free(after);
}

typedef struct lie {
    const char *kv[8];
    nn_status st;
    const char *needle;
} lie;

#define ZEROS16 "0000000000000000"
static const lie lies[] = {
    {{"epoch", "-1"}, NN_EDATA, "bad.st: metadata \"epoch\" is \"-1\"; expected a whole number"},
    {{"step", "-1"}, NN_EDATA, "bad.st: metadata \"step\" is \"-1\"; expected a whole number"},
    {{"step", "100000000000000000000"},
     NN_EDATA,
     "metadata \"step\" is \"100000000000000000000\"; expected a whole number from 0 to"},
    {{"optimizer.steps", "-1"}, NN_EDATA, "metadata \"optimizer.steps\" is \"-1\""},
    {{"epoch", "+2"}, NN_EDATA, "metadata \"epoch\" is \"+2\""},
    {{"epoch", "7"}, NN_ECONFIG, "bad.st: the checkpoint is at epoch 7, past train.epochs = 4"},
    {{"step", "21", "optimizer.steps", "21"},
     NN_EDATA,
     "metadata \"step\" is \"21\"; expected 20: epoch 2 x 10 steps an epoch (200 training "
     "samples in batches of train.batch_size 20)"},
    {{"optimizer.steps", "19"}, NN_EDATA, "metadata \"optimizer.steps\" is \"19\"; expected 20"},
    {{"probe.recorded", "7"}, NN_EDATA, "metadata \"probe.recorded\" is \"7\"; expected 3"},
    {{"probe.max_dead_frac", "1.5"},
     NN_EDATA,
     "\"probe.max_dead_frac\" is \"1.5\"; expected a number from 0 to 1"},
    {{"probe.last_constant", "2"}, NN_EDATA, "\"probe.last_constant\" is \"2\"; expected 0 or 1"},
    {{"normalize.std", "-1"},
     NN_EDATA,
     "\"normalize.std\" is \"-1\"; expected a finite number above 0"},
    {{"normalize.mean", "nan"},
     NN_EDATA,
     "\"normalize.mean\" is \"nan\"; expected a finite number"},
    {{"normalize.mean", "0.25"},
     NN_EDATA,
     "\"normalize.mean\" is \"0.25\"; expected 0, what this run's data gives"},
    {{"rng.shuffle", "xyz"},
     NN_EDATA,
     "\"rng.shuffle\" is \"xyz\"; expected 64 hexadecimal digits"},
    {{"rng.shuffle", ZEROS16 ZEROS16 ZEROS16 "0000000000000001"},
     NN_EDATA,
     "\"rng.shuffle\" is \"0000000000000000...\"; expected \""},
    /* An epoch behind or ahead, every counter agreeing: the shuffle stream tells. */
    {{"epoch", "1", "step", "10", "optimizer.steps", "10", "probe.recorded", "2"},
     NN_EDATA,
     "...\", the stream seed 5 gives after 1 epochs"},
    {{"epoch", "3", "step", "30", "optimizer.steps", "30", "probe.recorded", "4"},
     NN_EDATA,
     "...\", the stream seed 5 gives after 3 epochs"},
    {{"format", "nntrain-checkpoint-2"}, NN_EDATA, "bad.st: not an nntrain checkpoint"},
};

/* Each lie is refused with one line naming the field and its value, and the CSV keeps its
 * epoch-3 row, the per-unit and every-N-steps CSVs theirs: nothing is cut before a check
 * refuses. */
START_TEST(test_resume_metadata_lies)
{
    make_runs(0);
    edit_meta("part.st", "bad.st", lies[_i].kv);
    refused("bad.st", lies[_i].st, lies[_i].needle);
}
END_TEST

/* The tensors: a value a run never writes, a tensor of no part of the run. */
START_TEST(test_resume_tensor_lies)
{
    make_runs(0);
    nn_st_file f;
    nn_error err;
    ck_assert_int_eq(nn_st_read(ft_at("part.st"), &f, &err), NN_OK);
    float *w = NULL, *wd = NULL;
    for (size_t i = 0; i < f.n; i++) {
        if (strcmp(f.tensors[i].name, "nntrain.momentum.2.weight") == 0)
            w = f.tensors[i].data;
        if (strcmp(f.tensors[i].name, "nntrain.was_dead.1") == 0)
            wd = f.tensors[i].data;
    }
    ck_assert(w && wd);
    const char *const *keys = (const char *const *)f.meta_key, *const *vals =
                                                                   (const char *const *)f.meta_val;
    float keep = w[3];
    w[3] = (float)INFINITY;
    ck_assert_int_eq(nn_st_write(ft_at("bad.st"), f.tensors, f.n, keys, vals, f.n_meta, &err),
                     NN_OK);
    refused("bad.st", NN_EDATA, "tensor \"nntrain.momentum.2.weight\" holds inf at element 3");
    w[3] = keep;
    wd[0] = 0.5f;
    ck_assert_int_eq(nn_st_write(ft_at("bad.st"), f.tensors, f.n, keys, vals, f.n_meta, &err),
                     NN_OK);
    refused("bad.st", NN_EDATA,
            "tensor \"nntrain.was_dead.1\" holds 0.5 at element 0; expected 0 or 1");
    wd[0] = 0.0f;
    /* was_dead of a module the probe does not count */
    nn_tensor more[64];
    ck_assert_uint_lt(f.n, 63);
    memcpy(more, f.tensors, f.n * sizeof *more);
    more[f.n] = (nn_tensor){
        .name = "nntrain.was_dead.0", .dtype = NN_F32, .ndim = 1, .shape = {1}, .n = 1, .data = wd};
    ck_assert_int_eq(nn_st_write(ft_at("bad.st"), more, f.n + 1, keys, vals, f.n_meta, &err),
                     NN_OK);
    refused("bad.st", NN_EDATA, "tensor \"nntrain.was_dead.0\" does not belong");
    nn_st_free(&f);
}
END_TEST

/* Files that are not this run's rows. */
static void csv_other_model(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "sed -i '1s/,slope_1,/,dead_3,slope_1,/' part.csv"), 0);
}
static void csv_other_step(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "sed -i 's/^2,20,/2,19,/' part.csv"), 0);
}
static void csv_short(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "head -n 3 part.csv > x && mv x part.csv"), 0);
}
static void csv_torn(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "head -n 3 part.csv > x && sed -n 4p part.csv | "
                                        "head -c 20 >> x && mv x part.csv"),
                     0);
}
static void csv_nul(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "sed -i '2s/^0,0,/0,0\\x00,/' part.csv"), 0);
}
static void csv_folder(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "rm part.csv && mkdir part.csv"), 0);
}
static void units_other(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "sed -i '1s/active_frac/active/' part.units.csv"), 0);
}
static void units_short(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "grep -v '^2,' part.units.csv > x; grep '^3,' "
                                        "part.units.csv >> x; mv x part.units.csv"),
                     0);
}
static void units_folder(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "rm part.units.csv && mkdir part.units.csv"), 0);
}
static void steps_other(void)
{
    ck_assert_int_eq(th_sh_in(ft_dir(), "sed -i '1s/dead_1/dead_7/' part.steps.csv"), 0);
}

static const struct {
    void (*damage)(void);
    nn_status st;
    const char *needle;
} foreign[] = {
    {csv_other_model, NN_EDATA,
     "part.csv: cannot resume into it: its header is another run's, not this one's (column 11 "
     "is \"dead_3\", this run's is \"slope_1\"); give --csv a new path"},
    {csv_other_step, NN_EDATA, "part.csv: cannot resume: its row of epoch 2 is not at step 20"},
    {csv_short, NN_EDATA, "part.csv: cannot resume: it has no row for epoch 2, the checkpoint's"},
    {csv_torn, NN_EDATA, "part.csv: cannot resume: it has no row for epoch 2, the checkpoint's"},
    {csv_nul, NN_EDATA, "part.csv: cannot resume: line 2 holds a NUL byte"},
    {csv_folder, NN_ECONFIG,
     "part.csv: cannot write the CSV (output.csv or --csv): Is a directory"},
    {units_other, NN_EDATA, "part.units.csv: cannot resume into it: its header is another run's"},
    {units_short, NN_EDATA, "part.units.csv: cannot resume: it has 0 rows for epoch 2"},
    {units_folder, NN_ECONFIG,
     "part.units.csv: cannot write the per-unit CSV (output.units): Is a directory"},
    {steps_other, NN_EDATA, "part.steps.csv: cannot resume into it: its header is another run's"},
};

START_TEST(test_resume_foreign_files)
{
    make_runs(0);
    foreign[_i].damage();
    refused("part.st", foreign[_i].st, foreign[_i].needle);
}
END_TEST

/* A CSV path that is a folder is the same error for a new run as for a resumed one. */
START_TEST(test_csv_folder_fresh)
{
    ck_assert_int_eq(mkdir(ft_at("f.csv"), 0755), 0);
    job j = {"f.csv", "f.st", "f.units.csv", NULL, 0, NULL};
    nn_error err;
    ck_assert_int_eq(run_job(&j, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "Is a directory"), "%s", err.msg);
}
END_TEST

/* The tensors of two checkpoints, bit for bit (and the same set). */
static void same_tensors(const char *a, const char *b)
{
    nn_st_file fa, fb;
    nn_error err;
    ck_assert_int_eq(nn_st_read(ft_at("%s", a), &fa, &err), NN_OK);
    ck_assert_int_eq(nn_st_read(ft_at("%s", b), &fb, &err), NN_OK);
    ck_assert_uint_eq(fa.n, fb.n);
    for (size_t i = 0; i < fa.n; i++) {
        const nn_tensor *tb = nn_st_find(&fb, fa.tensors[i].name);
        ck_assert_msg(tb && tb->n == fa.tensors[i].n && tb->dtype == fa.tensors[i].dtype &&
                          memcmp(tb->data, fa.tensors[i].data, tb->n * nn_dtype_size(tb->dtype)) ==
                              0,
                      "%s and %s differ in %s", a, b, fa.tensors[i].name);
    }
    nn_st_free(&fa);
    nn_st_free(&fb);
}

/* The lines of file from its line `from` (1: the first), seconds dropped when strip. */
static char *lines_from(const char *file, int from, int strip)
{
    char *t = th_slurp(ft_at("%s", file));
    ck_assert_ptr_nonnull(t);
    if (strip)
        th_strip_last_column(t);
    char *p = t;
    for (int k = 1; k < from; k++) {
        p = strchr(p, '\n');
        ck_assert_ptr_nonnull(p);
        p++;
    }
    char *out = strdup(p);
    free(t);
    return out;
}

/* The first line of text, without its '\n' (malloc'ed). */
static char *first_line(const char *text)
{
    return strndup(text, strcspn(text, "\n"));
}

/* A CSV row with its fields 4 and 5 (train_loss, train_acc) emptied. */
static char *without_training(const char *row)
{
    const char *p = row;
    for (int k = 0; k < 3; k++)
        p = strchr(p, ',') + 1;
    const char *q = strchr(strchr(p, ',') + 1, ',');
    char *out = malloc(strlen(row) + 1);
    sprintf(out, "%.*s,%s", (int)(p - row), row, q);
    return out;
}

/* A run resumed from part.st (epoch 2) into the files of j (new ones) ends as full.*:
 * the CSV's first row is epoch 2 rebuilt from the checkpoint (the training columns
 * empty), then the rows of epochs 3 and 4; the per-unit CSV holds epochs 2 to 4. */
static void resumed_equals_full(const job *j, const char *ck_copy)
{
    size_t n_before, n_after;
    char *before = th_read_bytes(ft_at("%s", ck_copy), &n_before);
    nn_error err;
    ck_assert_msg(run_job(j, &err) == NN_OK, "%s", err.msg);
    same_tensors("full.st", j->ck);
    char *got = lines_from(j->csv, 1, 1), *want = lines_from("full.csv", 1, 1);
    char *got_head = first_line(got), *want_head = first_line(want);
    ck_assert_str_eq(got_head, want_head);
    char *got_row = first_line(strchr(got, '\n') + 1), *want_row = lines_from("full.csv", 4, 1);
    char *want_row2 = first_line(want_row), *rebuilt = without_training(want_row2);
    ck_assert_str_eq(got_row, rebuilt);
    ck_assert_str_eq(strchr(strchr(got, '\n') + 1, '\n') + 1, strchr(want_row, '\n') + 1);
    char *units = lines_from(j->units, 2, 0), *full_units = th_slurp(ft_at("full.units.csv"));
    ck_assert_ptr_nonnull(strstr(full_units, "\n2,"));
    ck_assert_str_eq(units, strstr(full_units, "\n2,") + 1);
    char *after = th_read_bytes(ft_at("%s", ck_copy), &n_after);
    ck_assert_msg(before && after && n_before == n_after && memcmp(before, after, n_after) == 0,
                  "%s was rewritten", ck_copy);
    free(before), free(after), free(got), free(want), free(got_head), free(want_head);
    free(got_row), free(want_row), free(want_row2), free(rebuilt), free(units), free(full_units);
}

/* Acceptance 2 of issue 23: resumed from the checkpoint alone in an empty folder, and
 * into new output paths beside the old files, the run ends with the uninterrupted run's
 * weights and last row; the checkpoint resumed from is never written. */
START_TEST(test_resume_checkpoint_alone)
{
    make_runs(1);
    ck_assert_int_eq(th_sh_in(ft_dir(), "mkdir alone && cp part.st alone/c.st"), 0);
    job alone = {"alone/c.csv", "alone/out.st", "alone/u.csv", "alone/c.st", 0, NULL};
    resumed_equals_full(&alone, "alone/c.st");
    ck_assert_int_eq(access(ft_at("alone/c.steps.csv"), F_OK), 0);
    char *old_csv = th_read_bytes(ft_at("part.csv"), NULL);
    job moved = {"new/n.csv", "new/n.st", "new/u.csv", "part.st", 0, NULL};
    resumed_equals_full(&moved, "part.st");
    char *now_csv = th_read_bytes(ft_at("part.csv"), NULL);
    ck_assert_str_eq(old_csv, now_csv);
    free(old_csv);
    free(now_csv);
}
END_TEST

/* A CSV without one whole line (a kill between its creation and its header) is started
 * new, as if it were not there. */
START_TEST(test_resume_empty_csv)
{
    make_runs(1);
    ck_assert_int_eq(th_sh_in(ft_dir(), "printf 'epoch,st' > part.csv"), 0);
    job j = {"part.csv", "new.st", "new.units.csv", "part.st", 0, NULL};
    resumed_equals_full(&j, "part.st");
}
END_TEST

/* Stopped after resuming into new files, before writing a checkpoint of its own, the run
 * names the one it resumed from, and its CSV's rows from the checkpoint's epoch on; then
 * it resumes into those files again and ends as the uninterrupted run. */
START_TEST(test_resume_interrupted_again)
{
    make_runs(1);
    job j = {"new/n.csv", "new/n.st", "new/u.csv", "part.st", 3, NULL};
    nn_error err;
    ck_assert_int_eq(run_job(&j, &err), NN_EINTR);
    char want[1400];
    snprintf(want, sizeof want,
             "interrupted at epoch 4, step 30; %s/new/n.csv keeps the rows of epochs 2..3; "
             "continue with --resume %s/part.st (from epoch 3)",
             ft_dir(), ft_dir());
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_ne(access(ft_at("new/n.st"), F_OK), 0);
    j.stop_after = 0;
    resumed_equals_full(&j, "part.st");
}
END_TEST

/* Resumed into its own files, the run cuts them back to the checkpoint's epoch and ends
 * as the uninterrupted run: the CSV, the per-unit and every-N-steps CSVs and the
 * checkpoint's tensors. */
START_TEST(test_resume_own_files)
{
    make_runs(1);
    job r = {"part.csv", "part.st", "part.units.csv", "part.st", 0, NULL};
    nn_error err;
    ck_assert_msg(run_job(&r, &err) == NN_OK, "%s", err.msg);
    same_tensors("full.st", "part.st");
    const char *pairs[3][2] = {{"full.csv", "part.csv"},
                               {"full.units.csv", "part.units.csv"},
                               {"full.steps.csv", "part.steps.csv"}};
    for (int k = 0; k < 3; k++) {
        char *a = lines_from(pairs[k][0], 1, k == 0), *b = lines_from(pairs[k][1], 1, k == 0);
        ck_assert_str_eq(a, b);
        free(a);
        free(b);
    }
}
END_TEST

Suite *resume_suite(void)
{
    Suite *s = suite_create("resume");
    TCase *tc = tcase_create("resume");
    tcase_add_checked_fixture(tc, ft_setup, ft_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_resume_metadata_lies, 0, (int)(sizeof lies / sizeof lies[0]));
    tcase_add_test(tc, test_resume_tensor_lies);
    tcase_add_loop_test(tc, test_resume_foreign_files, 0,
                        (int)(sizeof foreign / sizeof foreign[0]));
    tcase_add_test(tc, test_csv_folder_fresh);
    tcase_add_test(tc, test_resume_checkpoint_alone);
    tcase_add_test(tc, test_resume_empty_csv);
    tcase_add_test(tc, test_resume_interrupted_again);
    tcase_add_test(tc, test_resume_own_files);
    suite_add_tcase(s, tc);
    return s;
}
