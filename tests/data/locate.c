/* data/locate.c - a config's data paths: the current directory first, then (for data/
 * paths) the data root from NNTRAIN_DATA, XDG_DATA_HOME or HOME, passed in (no setenv);
 * the one line naming every place looked in; the run's checks see the files found. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nntrain.h"
#include "suites.h"
#include "support/fixture.h"

/* An empty file rel in the test's folder (its folders made); the path in buf. */
static const char *touch(const char *rel, char *buf, size_t len)
{
    char cmd[2200];
    snprintf(buf, len, "%s/%s", ft_dir(), rel);
    snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\" && : > '%s'", buf, buf);
    ck_assert_int_eq(th_run(cmd), 0);
    return buf;
}

/* nn_data_locate must succeed with want. */
static void locate_ok(const char *path, const nn_data_env *env, const char *want)
{
    char *out = NULL;
    nn_error err = {0};
    ck_assert_msg(nn_data_locate("cfg", path, env, &out, &err) == NN_OK, "%s: %s", path, err.msg);
    ck_assert_str_eq(out, want);
    free(out);
}

/* nn_data_locate must fail (NN_EDATA) with the message want; NULL out. */
static void locate_fails(const char *path, const nn_data_env *env, const char *want)
{
    char *out = (char *)"x";
    nn_error err = {0};
    ck_assert_int_eq(nn_data_locate("cfg", path, env, &out, &err), NN_EDATA);
    ck_assert_ptr_null(out);
    ck_assert_str_eq(err.msg, want);
}

START_TEST(test_cwd_first)
{
    /* The tests run in the source tree: data/mnist.sha256 is there, and wins over a root
     * that has it too. */
    char root[512], buf[512];
    snprintf(root, sizeof root, "%s/root", ft_dir());
    touch("root/mnist.sha256", buf, sizeof buf);
    nn_data_env env = {root, NULL, NULL};
    locate_ok("data/mnist.sha256", &env, "data/mnist.sha256");
}
END_TEST

START_TEST(test_root_hit)
{
    char root[512], want[512];
    snprintf(root, sizeof root, "%s/root/", ft_dir()); /* a trailing slash is dropped */
    touch("root/zz_locate/a.gz", want, sizeof want);
    nn_data_env env = {root, "/elsewhere", "/nowhere"};
    locate_ok("data/zz_locate/a.gz", &env, want);
    /* A folder (data.train_dir) is found the same way. */
    snprintf(want, sizeof want, "%s/root/zz_locate", ft_dir());
    locate_ok("data/zz_locate", &env, want);
}
END_TEST

START_TEST(test_xdg_then_home)
{
    char xdg[512], home[512], want[512];
    snprintf(xdg, sizeof xdg, "%s/xdg", ft_dir());
    snprintf(home, sizeof home, "%s/home", ft_dir());
    touch("xdg/nntrain/zz_locate/a.gz", want, sizeof want);
    nn_data_env env = {"", xdg, home}; /* NNTRAIN_DATA empty = unset */
    locate_ok("data/zz_locate/a.gz", &env, want);
    /* XDG_DATA_HOME must be absolute (XDG Base Directory): a relative one is ignored. */
    touch("home/.local/share/nntrain/zz_locate/a.gz", want, sizeof want);
    nn_data_env rel = {NULL, "relative/xdg", home};
    locate_ok("data/zz_locate/a.gz", &rel, want);
    nn_data_env home_only = {NULL, NULL, home};
    locate_ok("data/zz_locate/a.gz", &home_only, want);
}
END_TEST

START_TEST(test_as_given)
{
    nn_data_env env = {ft_dir(), NULL, NULL};
    /* Absolute paths, and relative ones outside data/, are the loader's to report. */
    locate_ok("/nonexistent-nntrain/x.gz", &env, "/nonexistent-nntrain/x.gz");
    locate_ok("zz-not-data/x.gz", &env, "zz-not-data/x.gz");
    char *root = NULL;
    ck_assert_int_eq(nn_data_root(&(nn_data_env){NULL, NULL, NULL}, &root, NULL), NN_OK);
    ck_assert_ptr_null(root);
    ck_assert_int_eq(nn_data_root(&(nn_data_env){"/d//", "/x", "/h"}, &root, NULL), NN_OK);
    ck_assert_str_eq(root, "/d");
    free(root);
}
END_TEST

START_TEST(test_not_found_line)
{
    char root[512], want[1024];
    snprintf(root, sizeof root, "%s/root", ft_dir());
    nn_data_env env = {root, NULL, NULL};
    snprintf(want, sizeof want,
             "cfg: data/mnist/zz-none.gz not found (looked in ./data/mnist/zz-none.gz, "
             "%s/mnist/zz-none.gz); run 'nntrain fetch mnist' or set NNTRAIN_DATA",
             root);
    locate_fails("data/mnist/zz-none.gz", &env, want);
    /* NNTRAIN_DATA is the root even when it lacks the file and XDG has it. */
    char xdg_file[512];
    touch("xdg/nntrain/zz_locate/b.gz", xdg_file, sizeof xdg_file);
    char xdg[512];
    snprintf(xdg, sizeof xdg, "%s/xdg", ft_dir());
    nn_data_env both = {root, xdg, NULL};
    snprintf(want, sizeof want,
             "cfg: data/zz_locate/b.gz not found (looked in ./data/zz_locate/b.gz, "
             "%s/zz_locate/b.gz); put it there or set NNTRAIN_DATA (docs/data.md)",
             root);
    locate_fails("data/zz_locate/b.gz", &both, want);
    locate_fails("data/zz_locate/b.gz", &(nn_data_env){NULL, NULL, NULL},
                 "cfg: data/zz_locate/b.gz not found (looked in ./data/zz_locate/b.gz; no data "
                 "root: NNTRAIN_DATA and HOME are unset); put it there or set NNTRAIN_DATA "
                 "(docs/data.md)");
}
END_TEST

static const char config_fmt[] =
    "{\"data\": {\"format\": \"idx\", \"train_images\": \"data/zz_locate/train-images.gz\",\n"
    "  \"train_labels\": \"data/zz_locate/train-labels.gz\",\n"
    "  \"test_images\": \"data/zz_locate/test-images.gz\",\n"
    "  \"test_labels\": \"%s\"},\n"
    " \"model\": [{\"type\": \"dense\", \"units\": 4}],\n"
    " \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}, \"output\": {\"csv\": \"-\"}}";

START_TEST(test_config_and_outputs)
{
    char root[512], images[512], buf[512], json[1024];
    snprintf(root, sizeof root, "%s/root", ft_dir());
    touch("root/zz_locate/train-images.gz", images, sizeof images);
    touch("root/zz_locate/train-labels.gz", buf, sizeof buf);
    touch("root/zz_locate/test-images.gz", buf, sizeof buf);
    nn_data_env env = {root, NULL, NULL};
    nn_config cfg;
    nn_error err = {0};
    /* One path missing: the others are still replaced, the first missing one is named. */
    snprintf(json, sizeof json, config_fmt, "data/zz_locate/test-labels.gz");
    ck_assert_int_eq(nn_config_parse(&cfg, json, "x.json", NULL, 0, &err), NN_OK);
    ck_assert_int_eq(nn_config_locate_data(&cfg, &env, &err), NN_EDATA);
    const char *want = "x.json: data.test_labels: data/zz_locate/test-labels.gz not found";
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    ck_assert_str_eq(cfg.data.train_images, images);
    nn_config_free(&cfg);
    /* All found: a CSV onto the file found under the root is refused by nn_check_outputs. */
    snprintf(json, sizeof json, config_fmt, "/abs/test-labels.gz");
    ck_assert_int_eq(nn_config_parse(&cfg, json, "x.json", NULL, 0, &err), NN_OK);
    ck_assert_int_eq(nn_config_locate_data(&cfg, &env, &err), NN_OK);
    ck_assert_str_eq(cfg.data.test_labels, "/abs/test-labels.gz");
    ck_assert_int_eq(nn_config_set_csv(&cfg, images, &err), NN_OK);
    ck_assert_int_eq(nn_check_outputs(&cfg, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "would overwrite the training images"), "%s", err.msg);
    nn_config_free(&cfg);
}
END_TEST

Suite *locate_suite(void)
{
    Suite *s = suite_create("locate");
    TCase *tc = tcase_create("paths");
    tcase_add_checked_fixture(tc, ft_setup, ft_teardown);
    tcase_add_test(tc, test_cwd_first);
    tcase_add_test(tc, test_root_hit);
    tcase_add_test(tc, test_xdg_then_home);
    tcase_add_test(tc, test_as_given);
    tcase_add_test(tc, test_not_found_line);
    tcase_add_test(tc, test_config_and_outputs);
    suite_add_tcase(s, tc);
    return s;
}
