/* ckpt/resume_cli.c - --resume through the binary: a run resumed from its checkpoint
 * alone in an empty folder (default outputs) and one resumed into new output paths end
 * with the uninterrupted run's tensors and last row; a small checkpoint whose config
 * names a model of 300,000 units is refused by its shapes before that model is built
 * (under a 200 MB address-space limit that the model would not fit in). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/safetensors.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "suites.h"

static void setup(void)
{
    ft_setup();
    th_tiny_run(ft_dir(), ", \"threads\": 1");
}

/* The binary in the test's folder with the data given by absolute paths, so that a run
 * may go on in another folder with the same config. */
static int in_dir(const char *args)
{
    const char *d = ft_dir();
    return th_sh_in(d,
                    "\"$B\" %s --set data.train_images=%s/train-images.gz --set "
                    "data.train_labels=%s/train-labels.gz --set data.test_images=%s/test-images "
                    "--set data.test_labels=%s/test-labels",
                    args, d, d, d, d);
}

/* The tensors of two checkpoints, bit for bit. */
static void same_tensors(const char *a, const char *b)
{
    nn_st_file fa, fb;
    nn_error err;
    ck_assert_msg(nn_st_read(ft_at("%s", a), &fa, &err) == NN_OK, "%s", err.msg);
    ck_assert_msg(nn_st_read(ft_at("%s", b), &fb, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(fa.n, fb.n);
    for (size_t i = 0; i < fa.n; i++) {
        const nn_tensor *tb = nn_st_find(&fb, fa.tensors[i].name);
        ck_assert_msg(tb && tb->n == fa.tensors[i].n &&
                          memcmp(tb->data, fa.tensors[i].data, tb->n * nn_dtype_size(tb->dtype)) ==
                              0,
                      "%s and %s differ in %s", a, b, fa.tensors[i].name);
    }
    nn_st_free(&fa);
    nn_st_free(&fb);
}

/* The last row of a CSV without its seconds. */
static char *last_row(const char *csv)
{
    char *t = th_slurp(ft_at("%s", csv));
    ck_assert_msg(t != NULL, "no %s", csv);
    th_strip_last_column(t);
    size_t n = strlen(t);
    ck_assert(n > 1 && t[n - 1] == '\n');
    t[n - 1] = '\0';
    char *out = strdup(strrchr(t, '\n') + 1);
    free(t);
    return out;
}

/* Acceptance 2 of issue 23 through the binary. */
START_TEST(test_resume_alone_cli)
{
    ck_assert_int_eq(in_dir("tiny.json --quiet --epochs 3 --csv full.csv "
                            "--set output.checkpoint=full.st"),
                     0);
    ck_assert_int_eq(in_dir("tiny.json --quiet --epochs 1 --csv half.csv "
                            "--set output.checkpoint=half.st"),
                     0);
    ck_assert_int_eq(th_sh_in(ft_dir(), "mkdir empty && cp half.st empty/ && cp half.st keep.st"),
                     0);
    /* In the empty folder: the config's own CSV path (out/tiny.csv), started new. */
    char cmd[2000];
    const char *d = ft_dir();
    snprintf(cmd, sizeof cmd,
             "cd empty && \"$B\" ../tiny.json --quiet --epochs 3 --resume half.st --set "
             "output.checkpoint=end.st --set data.train_images=%s/train-images.gz --set "
             "data.train_labels=%s/train-labels.gz --set data.test_images=%s/test-images --set "
             "data.test_labels=%s/test-labels",
             d, d, d, d);
    ck_assert_int_eq(th_sh_in(d, "%s", cmd), 0);
    same_tensors("full.st", "empty/end.st");
    char *want = last_row("full.csv"), *alone = last_row("empty/out/tiny.csv");
    ck_assert_str_eq(alone, want);
    /* Into new output paths, beside the old files; the checkpoint is never written. */
    ck_assert_int_eq(in_dir("tiny.json --quiet --epochs 3 --resume half.st --csv new/n.csv "
                            "--set output.checkpoint=new/n.st"),
                     0);
    same_tensors("full.st", "new/n.st");
    char *moved = last_row("new/n.csv");
    ck_assert_str_eq(moved, want);
    ck_assert_int_eq(th_sh_in(d, "cmp half.st keep.st && cmp empty/half.st keep.st"), 0);
    free(want);
    free(alone);
    free(moved);
}
END_TEST

#if !defined(__SANITIZE_ADDRESS__) /* ulimit -v cannot hold its shadow memory */
/* big.st: ck.st with its config's first layer at 300,000 units (its tensors unchanged). */
static void make_big(void)
{
    nn_st_file f;
    nn_error err;
    ck_assert_msg(nn_st_read(ft_at("ck.st"), &f, &err) == NN_OK, "%s", err.msg);
    for (size_t i = 0; i < f.n_meta; i++) {
        char *at =
            strcmp(f.meta_key[i], "config") == 0 ? strstr(f.meta_val[i], "\"units\":8") : NULL;
        if (!at)
            continue;
        char *v = malloc(strlen(f.meta_val[i]) + 16);
        sprintf(v, "%.*s\"units\":300000%s", (int)(at - f.meta_val[i]), f.meta_val[i],
                at + strlen("\"units\":8"));
        free(f.meta_val[i]);
        f.meta_val[i] = v;
    }
    ck_assert_int_eq(nn_st_write(ft_at("big.st"), f.tensors, f.n, (const char *const *)f.meta_key,
                                 (const char *const *)f.meta_val, f.n_meta, &err),
                     NN_OK);
    nn_st_free(&f);
}

/* The model the config names (300,000 x 64 weights, activations for 256 rows: over 600 MB)
 * would not fit the limit; the checkpoint's shapes are compared with the config's plan
 * first. */
START_TEST(test_big_config_small_checkpoint)
{
    ck_assert_int_eq(ft_nntrain("tiny.json --quiet --set output.checkpoint=ck.st"), 0);
    make_big();
    ck_assert_int_eq(th_sh_in(ft_dir(), "ulimit -v 200000 && \"$B\" tiny.json --quiet --epochs 2 "
                                        "--set model.0.units=300000 --resume big.st"),
                     3);
    char *e = th_slurp(ft_at("err.txt"));
    ck_assert_msg(e && strstr(e, "big.st: tensor \"0.weight\" has shape [8, 64]; the config's "
                                 "model expects [300000, 64]"),
                  "%s", e ? e : "no err.txt");
    free(e);
}
END_TEST
#endif

Suite *resume_cli_suite(th_skips *sk)
{
    Suite *s = suite_create("resume_cli");
    TCase *tc = tcase_create("resume_cli");
    tcase_add_checked_fixture(tc, setup, ft_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_resume_alone_cli);
#if defined(__SANITIZE_ADDRESS__)
    th_skip(sk, "resume_cli", "test_big_config_small_checkpoint", 1,
            "an address-space limit (ulimit -v) cannot hold AddressSanitizer's shadow memory");
#else
    (void)sk;
    tcase_add_test(tc, test_big_config_small_checkpoint);
#endif
    suite_add_tcase(s, tc);
    return s;
}
