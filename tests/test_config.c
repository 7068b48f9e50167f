/* test_config.c - the JSON config loader: values, defaults, every error class and the
 * --set overrides. Errors must be NN_ECONFIG with one line naming the JSON path. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "suites.h"

#define DATA                                                                                       \
    "\"data\": {\"format\": \"idx\", \"train_images\": \"tr-img.gz\", "                            \
    "\"train_labels\": \"tr-lab.gz\", \"test_images\": \"te-img.gz\", "                            \
    "\"test_labels\": \"te-lab.gz\"}"
#define MODEL                                                                                      \
    "[{\"type\": \"dense\", \"units\": 256}, {\"type\": \"leaky_relu\"}, "                         \
    "{\"type\": \"dense\", \"units\": 256}, {\"type\": \"leaky_relu\"}, "                          \
    "{\"type\": \"dense\", \"units\": 10}]"
#define SRC "configs/x.json"

static const char FULL[] =
    "{\n"
    "  \"name\": \"mnist_leaky\",\n"
    "  \"seed\": 7,\n"
    "  \"data\": {\"format\": \"idx\",\n"
    "           \"train_images\": \"data/mnist/train-images-idx3-ubyte.gz\",\n"
    "           \"train_labels\": \"data/mnist/train-labels-idx1-ubyte.gz\",\n"
    "           \"test_images\": \"data/mnist/t10k-images-idx3-ubyte.gz\",\n"
    "           \"test_labels\": \"data/mnist/t10k-labels-idx1-ubyte.gz\",\n"
    "           \"normalize\": \"standard\", \"train_limit\": 1000, \"test_limit\": 500},\n"
    "  \"model\": [\n"
    "    {\"type\": \"dense\", \"units\": 256, \"init\": \"xavier_uniform\", \"bias\": false},\n"
    "    {\"type\": \"leaky_relu\", \"negative_slope\": 0.2},\n"
    "    {\"type\": \"dense\", \"units\": 128, \"bias_init\": 0.1},\n"
    "    {\"type\": \"prelu\", \"num_parameters\": 128, \"init\": 0.1},\n"
    "    {\"type\": \"dense\", \"units\": 10}\n"
    "  ],\n"
    "  \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.05, \"momentum\": 0.9, \"nesterov\": true,\n"
    "                \"weight_decay\": 0.0005,\n"
    "                \"schedule\": {\"type\": \"step\", \"step_size\": 3, \"gamma\": 0.5}},\n"
    "  \"train\": {\"epochs\": 0, \"batch_size\": 32, \"shuffle\": false},\n"
    "  \"dead_units\": {\"probe\": \"train\", \"samples\": 2000},\n"
    "  \"output\": {\"csv\": \"-\"}\n"
    "}\n";

/* A config with the given model and extra top-level members (",\"k\": v" or ""). */
static char *make_json(const char *model, const char *extra)
{
    size_t n = strlen(model) + strlen(extra) + sizeof DATA + 64;
    char *s = malloc(n);
    ck_assert_ptr_nonnull(s);
    snprintf(s, n, "{" DATA ", \"model\": %s%s}", model, extra);
    return s;
}

static int is_zero(const nn_config *cfg)
{
    nn_config zero;
    memset(&zero, 0, sizeof zero);
    return memcmp(cfg, &zero, sizeof zero) == 0;
}

/* Parses json (with overrides) expecting NN_ECONFIG and a message containing every
 * NULL-terminated substring; cfg must be left empty. */
static void expect_fail_v(const char *json, const char *const *ov, size_t n_ov, va_list ap)
{
    nn_config cfg;
    nn_error err = {0};
    memset(&cfg, 0xAB, sizeof cfg);
    nn_status st = nn_config_parse(&cfg, json, SRC, ov, n_ov, &err);
    ck_assert_msg(st == NN_ECONFIG, "status %d, message: %s", (int)st, err.msg);
    ck_assert_int_eq(err.code, NN_ECONFIG);
    ck_assert_msg(is_zero(&cfg), "cfg not zeroed after a failure");
    ck_assert_msg(strchr(err.msg, '\n') == NULL, "multi-line message: %s", err.msg);
    for (const char *want; (want = va_arg(ap, const char *));)
        ck_assert_msg(strstr(err.msg, want), "message \"%s\" lacks \"%s\"", err.msg, want);
}

static void expect_fail(const char *json, ...)
{
    va_list ap;
    va_start(ap, json);
    expect_fail_v(json, NULL, 0, ap);
    va_end(ap);
}

/* Base config with extra members, expecting failure. */
static void expect_fail_extra(const char *model, const char *extra, ...)
{
    char *json = make_json(model, extra);
    va_list ap;
    va_start(ap, extra);
    expect_fail_v(json, NULL, 0, ap);
    va_end(ap);
    free(json);
}

/* Base config plus one override, expecting failure. */
static void expect_fail_set(const char *override, ...)
{
    char *json = make_json(MODEL, "");
    const char *ov[] = {override};
    va_list ap;
    va_start(ap, override);
    expect_fail_v(json, ov, 1, ap);
    va_end(ap);
    free(json);
}

static void parse_ok(nn_config *cfg, const char *json, const char *const *ov, size_t n_ov)
{
    nn_error err = {0};
    nn_status st = nn_config_parse(cfg, json, SRC, ov, n_ov, &err);
    ck_assert_msg(st == NN_OK, "status %d, message: %s", (int)st, err.msg);
}

/* Writes text to a fresh file dir/name; returns the malloc'ed path. */
static char *write_file(const char *dir, const char *name, const char *text, size_t len)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    ck_assert_ptr_nonnull(path);
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static char *make_tmpdir(void)
{
    char *dir = strdup("/tmp/nn_cfg_test_XXXXXX");
    ck_assert_ptr_nonnull(dir);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

/* ---------------------------------------------------------------- values */

START_TEST(test_full_config)
{
    nn_config cfg;
    parse_ok(&cfg, FULL, NULL, 0);
    ck_assert_str_eq(cfg.source, SRC);
    ck_assert_str_eq(cfg.name, "mnist_leaky");
    ck_assert_uint_eq(cfg.seed, 7);
    ck_assert_str_eq(cfg.data.format, "idx");
    ck_assert_str_eq(cfg.data.train_images, "data/mnist/train-images-idx3-ubyte.gz");
    ck_assert_str_eq(cfg.data.train_labels, "data/mnist/train-labels-idx1-ubyte.gz");
    ck_assert_str_eq(cfg.data.test_images, "data/mnist/t10k-images-idx3-ubyte.gz");
    ck_assert_str_eq(cfg.data.test_labels, "data/mnist/t10k-labels-idx1-ubyte.gz");
    ck_assert_int_eq(cfg.data.normalize, NN_NORM_STANDARD);
    ck_assert_uint_eq(cfg.data.train_limit, 1000);
    ck_assert_uint_eq(cfg.data.test_limit, 500);

    ck_assert_uint_eq(cfg.n_modules, 5);
    const nn_module_spec *m = cfg.modules;
    ck_assert_ptr_null(m[0].act);
    ck_assert_uint_eq(m[0].units, 256);
    ck_assert_int_eq(m[0].bias, 0);
    ck_assert_int_eq(m[0].init, NN_INIT_XAVIER_UNIFORM);
    ck_assert_int_eq(m[0].bias_init_set, 0);
    ck_assert_ptr_eq(m[1].act, nn_act_find("leaky_relu"));
    ck_assert_double_eq(m[1].hp[0], 0.2);
    ck_assert_uint_eq(m[2].units, 128);
    ck_assert_int_eq(m[2].bias, 1);
    ck_assert_int_eq(m[2].init, NN_INIT_AUTO);
    ck_assert_int_eq(m[2].bias_init_set, 1);
    ck_assert_double_eq(m[2].bias_init, 0.1);
    ck_assert_ptr_eq(m[3].act, nn_act_find("prelu"));
    ck_assert_double_eq(m[3].hp[0], 128);
    ck_assert_double_eq(m[3].hp[1], 0.1);
    ck_assert_uint_eq(m[4].units, 10);

    ck_assert_double_eq(cfg.optim.lr, 0.05);
    ck_assert_double_eq(cfg.optim.momentum, 0.9);
    ck_assert_double_eq(cfg.optim.dampening, 0);
    ck_assert_double_eq(cfg.optim.weight_decay, 0.0005);
    ck_assert_int_eq(cfg.optim.nesterov, 1);
    ck_assert_int_eq(cfg.optim.schedule, NN_SCHED_STEP);
    ck_assert_uint_eq(cfg.optim.step_size, 3);
    ck_assert_double_eq(cfg.optim.gamma, 0.5);

    ck_assert_uint_eq(cfg.train.epochs, 0);
    ck_assert_uint_eq(cfg.train.batch_size, 32);
    ck_assert_int_eq(cfg.train.shuffle, 0);
    ck_assert_int_eq(cfg.dead.probe, NN_PROBE_TRAIN);
    ck_assert_uint_eq(cfg.dead.samples, 2000);
    ck_assert_str_eq(cfg.csv, "-");
    nn_config_free(&cfg);
    ck_assert(is_zero(&cfg));
}
END_TEST

START_TEST(test_defaults)
{
    nn_config cfg;
    char *json = make_json("[{\"type\": \"relu\"}, {\"type\": \"prelu\"}, {\"type\": \"elu\"}, "
                           "{\"type\": \"dense\", \"units\": 10}]",
                           "");
    parse_ok(&cfg, json, NULL, 0);
    free(json);
    ck_assert_str_eq(cfg.name, "x"); /* from "configs/x.json" */
    ck_assert_uint_eq(cfg.seed, 0);
    ck_assert_int_eq(cfg.data.normalize, NN_NORM_UNIT);
    ck_assert_uint_eq(cfg.data.train_limit, 0);
    ck_assert_uint_eq(cfg.data.test_limit, 0);
    ck_assert_uint_eq(cfg.n_modules, 4);
    ck_assert_double_eq(cfg.modules[1].hp[0], 1);    /* prelu num_parameters */
    ck_assert_double_eq(cfg.modules[1].hp[1], 0.25); /* prelu init */
    ck_assert_double_eq(cfg.modules[2].hp[0], 1.0);  /* elu alpha */
    ck_assert_int_eq(cfg.modules[3].bias, 1);
    ck_assert_int_eq(cfg.modules[3].init, NN_INIT_AUTO);
    ck_assert_double_eq(cfg.modules[3].bias_init, 0);
    ck_assert_int_eq(cfg.modules[3].bias_init_set, 0);
    ck_assert_double_eq(cfg.optim.lr, 0.01);
    ck_assert_double_eq(cfg.optim.momentum, 0);
    ck_assert_double_eq(cfg.optim.dampening, 0);
    ck_assert_double_eq(cfg.optim.weight_decay, 0);
    ck_assert_int_eq(cfg.optim.nesterov, 0);
    ck_assert_int_eq(cfg.optim.schedule, NN_SCHED_NONE);
    ck_assert_uint_eq(cfg.train.epochs, 10);
    ck_assert_uint_eq(cfg.train.batch_size, 64);
    ck_assert_int_eq(cfg.train.shuffle, 1);
    ck_assert_int_eq(cfg.dead.probe, NN_PROBE_TEST);
    ck_assert_uint_eq(cfg.dead.samples, 0);
    ck_assert_str_eq(cfg.csv, "runs/x.csv");
    nn_config_free(&cfg);
}
END_TEST

START_TEST(test_default_leaky_slope_and_empty_sections)
{
    nn_config cfg;
    char *json = make_json(MODEL, ", \"optimizer\": {\"schedule\": {\"type\": \"cosine\"}}, "
                                  "\"train\": {}, \"dead_units\": {}, \"output\": {}, "
                                  "\"name\": \"r-1.b_2\"");
    parse_ok(&cfg, json, NULL, 0);
    free(json);
    ck_assert_double_eq(cfg.modules[1].hp[0], 0.01);
    ck_assert_int_eq(cfg.optim.schedule, NN_SCHED_COSINE);
    ck_assert_str_eq(cfg.name, "r-1.b_2");
    ck_assert_str_eq(cfg.csv, "runs/r-1.b_2.csv");
    nn_config_free(&cfg);
}
END_TEST

START_TEST(test_name_from_source)
{
    nn_config cfg;
    nn_error err = {0};
    char *json = make_json(MODEL, "");
    const char *sources[][2] = {{"a/b/mnist_elu.json", "mnist_elu"},
                                {"plain", "plain"},
                                {"dir/bad name.json", "run"},
                                {"dir/.json", "run"},
                                {"dir/", "run"},
                                {NULL, "run"}};
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        ck_assert_int_eq(nn_config_parse(&cfg, json, sources[i][0], NULL, 0, &err), NN_OK);
        ck_assert_str_eq(cfg.name, sources[i][1]);
        nn_config_free(&cfg);
    }
    free(json);
}
END_TEST

START_TEST(test_load_file_and_overrides)
{
    char *dir = make_tmpdir();
    char *path = write_file(dir, "leaky_run.json", FULL, strlen(FULL));
    const char *ov[] = {"train.epochs=3", "output.csv=out/x.csv", "name=other"};
    nn_config cfg;
    nn_error err = {0};
    ck_assert_int_eq(nn_config_load(&cfg, path, ov, 2, &err), NN_OK);
    ck_assert_str_eq(cfg.source, path);
    ck_assert_str_eq(cfg.name, "mnist_leaky");
    ck_assert_uint_eq(cfg.train.epochs, 3);
    ck_assert_str_eq(cfg.csv, "out/x.csv");
    nn_config_free(&cfg);
    /* "other" is not JSON, so it is taken as a string */
    ck_assert_int_eq(nn_config_load(&cfg, path, ov + 2, 1, &err), NN_OK);
    ck_assert_str_eq(cfg.name, "other");
    ck_assert_str_eq(cfg.csv, "-");
    nn_config_free(&cfg);
    unlink(path);
    rmdir(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_set_csv_and_free)
{
    nn_config cfg;
    nn_error err = {0};
    memset(&cfg, 0, sizeof cfg);
    nn_config_free(&cfg); /* safe on a zeroed config */
    nn_config_free(NULL);
    parse_ok(&cfg, FULL, NULL, 0);
    ck_assert_int_eq(nn_config_set_csv(&cfg, "a/b.csv", &err), NN_OK);
    ck_assert_str_eq(cfg.csv, "a/b.csv");
    ck_assert_int_eq(nn_config_set_csv(&cfg, "", &err), NN_ECONFIG);
    ck_assert_str_eq(cfg.csv, "a/b.csv");
    nn_config_free(&cfg);
    ck_assert(is_zero(&cfg));
}
END_TEST

/* ---------------------------------------------------------------- syntax and files */

START_TEST(test_syntax_error_in_file)
{
    static const char text[] = "{\n  \"seed\": 1,\n  \"data\": {\"format\": \"idx\",}\n}\n";
    char *dir = make_tmpdir();
    char *path = write_file(dir, "bad.json", text, strlen(text));
    nn_config cfg;
    nn_error err = {0};
    memset(&cfg, 0xAB, sizeof cfg);
    ck_assert_int_eq(nn_config_load(&cfg, path, NULL, 0, &err), NN_ECONFIG);
    ck_assert(is_zero(&cfg));
    /* the '}' after the trailing comma: line 3, column 28, byte 42 */
    ck_assert_msg(strstr(err.msg, "bad.json:3:28 (byte 42): invalid JSON near '}'"), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "trailing comma"), "%s", err.msg);
    unlink(path);
    rmdir(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_syntax_errors_in_text)
{
    expect_fail("{\n  \"a\": 1\n  \"b\": 2\n}", SRC ":3:3 (byte 13)", "expected ',' or '}'", NULL);
    expect_fail("{\"a\": [1, 2", SRC ":1:12 (byte 11)", "end of text", "'[' at 1:7", NULL);
    expect_fail("{\"a\": 'x'}", ":1:7 (byte 6)", "double quotes", NULL);
    expect_fail("{\"a\": 1} // c", ":1:10 (byte 9)", "no comments", NULL);
    expect_fail("{\"a\": \"x\\q\"}", ":1:9 (byte 8)", "escape", NULL);
    expect_fail("  \n ", "invalid JSON", "empty", NULL);
    expect_fail("[1, 2]", SRC ": expected a JSON object at the top level, found [1,2]", NULL);
}
END_TEST

START_TEST(test_file_errors)
{
    nn_config cfg;
    nn_error err = {0};
    char *dir = make_tmpdir();
    char missing[256];
    snprintf(missing, sizeof missing, "%s/none.json", dir);
    ck_assert_int_eq(nn_config_load(&cfg, missing, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, missing) && strstr(err.msg, "No such file"), "%s", err.msg);
    ck_assert(is_zero(&cfg));

    ck_assert_int_eq(nn_config_load(&cfg, dir, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "directory"), "%s", err.msg);

    char *nul = write_file(dir, "nul.json", "{}\0{}", 5);
    ck_assert_int_eq(nn_config_load(&cfg, nul, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "NUL byte at byte 2"), "%s", err.msg);

    /* a sparse 17 MiB file: rejected by size without parsing */
    char *big = write_file(dir, "big.json", "{", 1);
    ck_assert_int_eq(truncate(big, (off_t)17 << 20), 0);
    ck_assert_int_eq(nn_config_load(&cfg, big, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "larger than 16 MiB"), "%s", err.msg);
    ck_assert(is_zero(&cfg));

    unlink(nul);
    unlink(big);
    rmdir(dir);
    free(nul);
    free(big);
    free(dir);
}
END_TEST

/* ---------------------------------------------------------------- keys and types */

START_TEST(test_unknown_keys)
{
    expect_fail_extra(MODEL, ", \"optimizer\": {\"momentun\": 0.9}",
                      SRC ": optimizer.momentun: unknown key; did you mean \"momentum\"?", NULL);
    expect_fail_extra("[{\"type\": \"dense\", \"units\": 8}, {\"type\": \"leaky_relu\", "
                      "\"negativ_slope\": 0.1}, {\"type\": \"dense\", \"units\": 10}]",
                      "", "model[1].negativ_slope: unknown key", "did you mean \"negative_slope\"?",
                      NULL);
    expect_fail_extra(MODEL, ", \"train\": {\"xyzzy\": 1}", "train.xyzzy: unknown key",
                      "allowed keys: epochs, batch_size, shuffle", NULL);
    expect_fail_extra(MODEL, ", \"modle\": 1", "modle: unknown key", "\"model\"", NULL);
    expect_fail_extra("[{\"type\": \"dense\", \"units\": 10, \"negative_slope\": 0.1}]", "",
                      "model[0].negative_slope: unknown key for a dense layer",
                      "type, units, bias, init, bias_init", NULL);
    expect_fail_extra(MODEL,
                      ", \"optimizer\": {\"schedule\": {\"type\": \"cosine\", \"gamma\": 0.5}}",
                      "optimizer.schedule.gamma", "\"step\"", NULL);
}
END_TEST

START_TEST(test_duplicate_key)
{
    expect_fail_extra(MODEL, ", \"train\": {\"epochs\": 1, \"epochs\": 2}",
                      "train.epochs: duplicate key", NULL);
    expect_fail_extra(MODEL, ", \"seed\": 1, \"seed\": 2", SRC ": seed: duplicate key", NULL);
}
END_TEST

START_TEST(test_wrong_types)
{
    expect_fail_extra(MODEL, ", \"train\": {\"batch_size\": \"abc\"}",
                      "train.batch_size: expected an integer", "found \"abc\"", NULL);
    expect_fail_extra(MODEL, ", \"train\": {\"shuffle\": 1}",
                      "train.shuffle: expected true or false, found 1", NULL);
    expect_fail_extra(MODEL, ", \"train\": {\"flush_denormals\": \"yes\"}",
                      "train.flush_denormals: expected true or false, found \"yes\"", NULL);
    expect_fail_extra(MODEL, ", \"train\": {\"epochs\": 2.5}", "train.epochs: expected an integer",
                      "found 2.5", NULL);
    expect_fail_extra(MODEL, ", \"name\": \"a\\u0000b\"", "a string contains \\u0000",
                      "(byte ", NULL);
    expect_fail_extra(MODEL, ", \"optimizer\": [1]", "optimizer: expected an object", "found [1]",
                      NULL);
    expect_fail_extra(MODEL, ", \"name\": \"my run\"", "name: expected 1 to 64 characters",
                      "found \"my run\"", NULL);
    expect_fail_extra(MODEL, ", \"output\": {\"csv\": \"\"}",
                      "output.csv: expected a non-empty string", NULL);
    expect_fail_extra(MODEL, ", \"data\": 1", "data: duplicate key", NULL);
    expect_fail_extra("[{\"type\": \"dense\", \"units\": 10, \"init\": \"he_norml\"}]", "",
                      "model[0].init: expected one of \"he_normal\"", "did you mean \"he_normal\"?",
                      NULL);
    expect_fail_extra("[3]", "", "model[0]: expected a layer object", "found 3", NULL);
    expect_fail_extra("{\"type\": \"dense\"}", "", "model: expected a non-empty array", NULL);
    /* long values are cut in messages */
    expect_fail_extra(MODEL, ", \"seed\": [1111111111, 2222222222, 3333333333, 4444444444]",
                      "found [1111111111,2222222222,3333333333,444...", NULL);
}
END_TEST

START_TEST(test_out_of_range)
{
    expect_fail_extra(MODEL, ", \"optimizer\": {\"lr\": -0.1}",
                      "optimizer.lr: expected a number in (0, 1000], found -0.1", NULL);
    expect_fail_extra(MODEL, ", \"optimizer\": {\"momentum\": 1.0}",
                      "optimizer.momentum: expected a number in [0, 1), found 1", NULL);
    expect_fail_extra(MODEL, ", \"train\": {\"batch_size\": 0}",
                      "train.batch_size: expected an integer in [1, 65536], found 0", NULL);
    expect_fail_extra("[{\"type\": \"dense\", \"units\": 8}, {\"type\": \"leaky_relu\", "
                      "\"negative_slope\": -1}, {\"type\": \"dense\", \"units\": 10}]",
                      "", SRC ": model[1].negative_slope: expected a number in [0, 1], found -1",
                      NULL);
    expect_fail_extra(MODEL, ", \"seed\": -1", "seed: expected an integer in [0, 2^53]", NULL);
    expect_fail_extra(MODEL, ", \"train\": {\"epochs\": 1e400}", "train.epochs",
                      "too large to represent", NULL);
    expect_fail_extra("[{\"type\": \"dense\", \"units\": 0}]", "",
                      "model[0].units: expected an integer in [1, 1048576], found 0", NULL);
    expect_fail_extra("[{\"type\": \"prelu\", \"num_parameters\": 2.5}, {\"type\": \"dense\", "
                      "\"units\": 10}]",
                      "", "model[0].num_parameters: expected an integer in [1, 1048576]", NULL);
}
END_TEST

START_TEST(test_data_section)
{
    expect_fail("{\"model\": " MODEL "}", SRC ": data: required key is missing", NULL);
    expect_fail("{\"data\": {\"format\": \"idx\", \"train_labels\": \"a\", \"test_images\": \"b\", "
                "\"test_labels\": \"c\"}, \"model\": " MODEL "}",
                "data.train_images: required key is missing; expected a non-empty string", NULL);
    expect_fail("{\"data\": {\"train_images\": \"z\", \"train_labels\": \"a\", \"test_images\": "
                "\"b\", \"test_labels\": \"c\"}, \"model\": " MODEL "}",
                "data.format: required key is missing; expected one of \"idx\", \"image_folder\"",
                NULL);
    expect_fail_set("data.format=csv",
                    "data.format: expected one of \"idx\", \"image_folder\", found \"csv\"", NULL);
    expect_fail_set("data.normalize=standrd",
                    "data.normalize: expected one of \"unit\", \"standard\"",
                    "did you mean \"standard\"?", NULL);
    expect_fail_set("data.train_limit=-1", "data.train_limit: expected an integer", NULL);
    expect_fail_set("dead_units.probe=tset", "dead_units.probe", "did you mean \"test\"?", NULL);
}
END_TEST

/* ---------------------------------------------------------------- model structure */

START_TEST(test_layer_types)
{
    expect_fail_extra("[{\"type\": \"leaky_rlu\"}, {\"type\": \"dense\", \"units\": 10}]", "",
                      "model[0].type: unknown layer type \"leaky_rlu\"",
                      "did you mean \"leaky_relu\"?",
                      "allowed types: dense, relu, leaky_relu, prelu, elu, selu", NULL);
    expect_fail_extra("[{\"type\": \"softmax\"}]", "", "model[0].type: unknown layer type",
                      "allowed types: dense,", NULL);
    expect_fail_extra("[{\"units\": 10}]", "", "model[0].type: required key is missing", NULL);
    expect_fail_extra("[{\"type\": 5}]", "", "model[0].type: expected a layer type", NULL);
    expect_fail_extra("[{\"type\": \"dense\"}]", "", "model[0].units: required key is missing",
                      NULL);
}
END_TEST

START_TEST(test_model_structure)
{
    expect_fail_extra("[]", "", SRC ": model: the model is empty", NULL);
    expect_fail("{" DATA "}", "model: required key is missing", NULL);
    expect_fail_extra("[{\"type\": \"dense\", \"units\": 10}, {\"type\": \"relu\"}]", "",
                      SRC ": model[1]: the model must end with a dense layer",
                      "model[1] is a \"relu\" layer", NULL);
    /* no other structural rules: stacked activations and consecutive dense are fine */
    nn_config cfg;
    char *json = make_json("[{\"type\": \"relu\"}, {\"type\": \"dense\", \"units\": 4}, "
                           "{\"type\": \"dense\", \"units\": 3}, {\"type\": \"selu\"}, "
                           "{\"type\": \"relu\"}, {\"type\": \"dense\", \"units\": 10}]",
                           "");
    parse_ok(&cfg, json, NULL, 0);
    ck_assert_uint_eq(cfg.n_modules, 6);
    nn_config_free(&cfg);
    free(json);
}
END_TEST

START_TEST(test_prelu_static_check)
{
    /* width 256 from model[0]; stacked activations pass it through */
    expect_fail_extra("[{\"type\": \"dense\", \"units\": 256}, {\"type\": \"relu\"}, "
                      "{\"type\": \"prelu\", \"num_parameters\": 100}, "
                      "{\"type\": \"dense\", \"units\": 10}]",
                      "", SRC ": model[2]: prelu", "num_parameters = 100", "from model[0].units",
                      "1 (one shared slope) or the layer's width, 256", NULL);
    nn_config cfg;
    char *json = make_json("[{\"type\": \"dense\", \"units\": 256}, "
                           "{\"type\": \"prelu\", \"num_parameters\": 256}, "
                           "{\"type\": \"dense\", \"units\": 10}]",
                           "");
    parse_ok(&cfg, json, NULL, 0);
    ck_assert_double_eq(cfg.modules[1].hp[0], 256);
    nn_config_free(&cfg);
    free(json);
}
END_TEST

START_TEST(test_check_data)
{
    nn_config cfg;
    nn_error err = {0};
    /* a PReLU before any dense layer: only the data knows its width */
    char *json = make_json("[{\"type\": \"prelu\", \"num_parameters\": 784}, "
                           "{\"type\": \"dense\", \"units\": 64}, {\"type\": \"relu\"}, "
                           "{\"type\": \"dense\", \"units\": 12}, {\"type\": \"relu\"}, "
                           "{\"type\": \"dense\", \"units\": 10}]",
                           "");
    parse_ok(&cfg, json, NULL, 0);
    free(json);
    ck_assert_int_eq(nn_config_check_data(&cfg, 784, 10, &err), NN_OK);
    ck_assert_int_eq(nn_config_check_data(&cfg, 100, 10, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, SRC ": model[0]: prelu") && strstr(err.msg, "784") &&
                      strstr(err.msg, "width, 100") && strstr(err.msg, "input"),
                  "%s", err.msg);
    ck_assert_int_eq(nn_config_check_data(&cfg, 784, 12, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, SRC ": model[5].units: the last dense layer has 10 units but "
                                  "the labels in ") &&
                      strstr(err.msg, "go up to 11 (12 classes); set it to 12"),
                  "%s", err.msg);
    nn_config_free(&cfg);
}
END_TEST

/* ---------------------------------------------------------------- optimizer */

START_TEST(test_optimizer_rules)
{
    expect_fail_extra(MODEL, ", \"optimizer\": {\"nesterov\": true}",
                      "optimizer.nesterov: ", "momentum > 0", "dampening = 0", "PyTorch", NULL);
    expect_fail_extra(
        MODEL, ", \"optimizer\": {\"nesterov\": true, \"momentum\": 0.9, \"dampening\": 0.1}",
        "optimizer.nesterov: ", "dampening = 0.1", NULL);
    expect_fail_extra(MODEL, ", \"optimizer\": {\"type\": \"adam\"}", "optimizer.type",
                      "expected \"sgd\", found \"adam\"", NULL);
    expect_fail_extra(MODEL, ", \"optimizer\": {\"weight_decay\": -1}",
                      "optimizer.weight_decay: expected a number in [0, 1]", NULL);
    expect_fail_extra(MODEL, ", \"optimizer\": {\"schedule\": {\"type\": \"step\"}}",
                      "optimizer.schedule.step_size: required key is missing", NULL);
    expect_fail_extra(MODEL,
                      ", \"optimizer\": {\"schedule\": {\"type\": \"step\", \"step_size\": 2, "
                      "\"gamma\": 0}}",
                      "optimizer.schedule.gamma: expected a number in (0, 10]", NULL);
    expect_fail_extra(MODEL, ", \"optimizer\": {\"schedule\": \"step\"}",
                      "optimizer.schedule: expected an object", NULL);
    nn_config cfg;
    char *json = make_json(MODEL, ", \"optimizer\": {\"schedule\": {\"type\": \"step\", "
                                  "\"step_size\": 5}, \"dampening\": 0.5, \"momentum\": 0.5}");
    parse_ok(&cfg, json, NULL, 0);
    ck_assert_uint_eq(cfg.optim.step_size, 5);
    ck_assert_double_eq(cfg.optim.gamma, 0.1);
    ck_assert_double_eq(cfg.optim.dampening, 0.5);
    nn_config_free(&cfg);
    free(json);
}
END_TEST

/* ---------------------------------------------------------------- overrides */

START_TEST(test_overrides_apply)
{
    nn_config cfg;
    char *json = make_json(MODEL, "");
    const char *ov[] = {
        "optimizer.schedule.type=\"step\"", /* creates optimizer and schedule */
        "optimizer.schedule.step_size=4",
        "model[1].negative_slope=0.25", /* the bracket form of messages */
        "model.1.negative_slope=0.3", /* array index */
        "data.normalize=standard",    /* not JSON: taken as a string */
        "model.4={\"type\": \"dense\", \"units\": 10, \"bias\": false}",
        "train.shuffle=false",
        "seed=42",
        "seed=43", /* later overrides win */
    };
    parse_ok(&cfg, json, ov, sizeof ov / sizeof ov[0]);
    free(json);
    ck_assert_int_eq(cfg.optim.schedule, NN_SCHED_STEP);
    ck_assert_uint_eq(cfg.optim.step_size, 4);
    ck_assert_double_eq(cfg.modules[1].hp[0], 0.3);
    ck_assert_double_eq(cfg.modules[3].hp[0], 0.01);
    ck_assert_int_eq(cfg.data.normalize, NN_NORM_STANDARD);
    ck_assert_int_eq(cfg.modules[4].bias, 0);
    ck_assert_int_eq(cfg.train.shuffle, 0);
    ck_assert_uint_eq(cfg.seed, 43);
    nn_config_free(&cfg);
}
END_TEST

START_TEST(test_override_errors)
{
    expect_fail_set("model.9.units=3", "--set model.9.units: model has 5 entries (0..4)", NULL);
    expect_fail_set("optimizer.momentun=0.9", SRC ": optimizer.momentun: unknown key",
                    "did you mean \"momentum\"?", NULL);
    expect_fail_set("model.1.negative_slope=-1",
                    SRC ": model[1].negative_slope: expected a number in [0, 1], found -1", NULL);
    expect_fail_set("train.batch_size=abc", "train.batch_size: expected an integer",
                    "found \"abc\"", NULL);
    expect_fail_set("train.epochs", "--set train.epochs: expected KEY=VALUE", NULL);
    expect_fail_set("=3", "--set =3: ", "empty", NULL);
    expect_fail_set("train..epochs=3", "--set train..epochs: empty segment", NULL);
    expect_fail_set("data.format.x=3",
                    "--set data.format.x: data.format is a string, not an object or array", NULL);
    expect_fail_set("model.x=3", "--set model.x: model is an array", NULL);
    expect_fail_set("data.0=3", "--set data.0: data is an object", NULL);
    expect_fail_set("model.4={\"type\": \"relu\"}", "model[4]: the model must end with a dense",
                    NULL);
    expect_fail_set("model[9].units=3", "--set model.9.units: model has 5 entries", NULL);
    expect_fail_set("name=\"a\\u0000b\"", "--set name: the value contains \\u0000", NULL);
    expect_fail_set("model.0.bias_init=1e39", "model[0].bias_init: expected a number in", NULL);
    expect_fail_set("model.4={\"type\": \"dense\", \"units\": 10, \"bias\": false, "
                    "\"bias_init\": 1}",
                    "model[4].bias_init: given, but this layer has \"bias\": false", NULL);
}
END_TEST

START_TEST(test_override_units_then_check_data)
{
    nn_config cfg;
    nn_error err = {0};
    char *json = make_json(MODEL, "");
    const char *ov[] = {"model.4.units=12"};
    parse_ok(&cfg, json, ov, 1);
    free(json);
    ck_assert_int_eq(nn_config_check_data(&cfg, 784, 10, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "model[4].units: the last dense layer has 12 units"), "%s",
                  err.msg);
    nn_config_free(&cfg);
}
END_TEST


#define FOLDER                                                                                     \
    "{\"data\": {\"format\": \"image_folder\", \"train_dir\": \"imgs/train\", "                    \
    "\"test_dir\": \"imgs/test\"%s}, \"model\": " MODEL "%s}"

static char *folder_json(const char *data_extra, const char *extra)
{
    size_t n = sizeof FOLDER + strlen(data_extra) + strlen(extra);
    char *s = malloc(n);
    ck_assert_ptr_nonnull(s);
    snprintf(s, n, FOLDER, data_extra, extra);
    return s;
}

static void folder_fails(const char *data_extra, const char *extra, const char *want1,
                         const char *want2)
{
    char *json = folder_json(data_extra, extra);
    expect_fail(json, want1, want2, NULL);
    free(json);
}

START_TEST(test_image_folder_section)
{
    nn_config cfg;
    char *json = folder_json("", "");
    parse_ok(&cfg, json, NULL, 0);
    free(json);
    ck_assert_int_eq(cfg.data.kind, NN_DATA_IMAGE_FOLDER);
    ck_assert_str_eq(cfg.data.format, "image_folder");
    ck_assert_str_eq(cfg.data.train_dir, "imgs/train");
    ck_assert_str_eq(cfg.data.test_dir, "imgs/test");
    ck_assert_ptr_null(cfg.data.train_images);
    ck_assert_uint_eq(cfg.data.channels, 1);
    ck_assert_int_eq(cfg.data.skip_bad_files, 0);
    ck_assert_uint_eq(cfg.data.validation, 0);
    ck_assert_str_eq(nn_config_train_source(&cfg), "imgs/train");
    ck_assert_str_eq(nn_config_test_source(&cfg), "imgs/test");
    nn_config_free(&cfg);

    json = folder_json(", \"channels\": 3, \"on_bad_file\": \"skip\", \"validation\": 5000",
                       ", \"dead_units\": {\"probe\": \"val\"}");
    parse_ok(&cfg, json, NULL, 0);
    free(json);
    ck_assert_uint_eq(cfg.data.channels, 3);
    ck_assert_int_eq(cfg.data.skip_bad_files, 1);
    ck_assert_uint_eq(cfg.data.validation, 5000);
    ck_assert_int_eq(cfg.dead.probe, NN_PROBE_VAL);
    nn_error err = {0};
    ck_assert_int_eq(nn_config_check_validation(&cfg, 5001, &err), NN_OK);
    ck_assert_int_eq(nn_config_check_validation(&cfg, 5000, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, SRC ": data.validation: holding out 5000 samples leaves none "
                                  "to train on: imgs/train has 5000 training samples; expected "
                                  "a number < 5000"),
                  "%s", err.msg);
    nn_config_free(&cfg);
}
END_TEST

START_TEST(test_image_folder_errors)
{
    folder_fails(", \"train_images\": \"x\"", "",
                 SRC ": data.train_images: only allowed with \"format\": \"idx\"",
                 "(this data is \"image_folder\")");
    expect_fail_extra(MODEL, ", \"x\": 1", "x: unknown key", NULL);
    expect_fail_set("data.train_dir=imgs",
                    SRC ": data.train_dir: only allowed with \"format\": \"image_folder\"", NULL);
    expect_fail_set("data.on_bad_file=skip", "data.on_bad_file: only allowed with", NULL);
    folder_fails(", \"channels\": 2", "", SRC ": data.channels: expected 1 (grayscale) or 3 (RGB), found 2",
                 NULL);
    folder_fails(", \"channels\": 4", "", "data.channels: expected an integer in [1, 3], found 4",
                 NULL);
    folder_fails(", \"on_bad_file\": \"skp\"", "",
                 "data.on_bad_file: expected one of \"error\", \"skip\", found \"skp\"",
                 "did you mean \"skip\"?");
    folder_fails(", \"trian_dir\": \"a\"", "", "data.trian_dir: unknown key",
                 "did you mean \"train_dir\"?");
    folder_fails(", \"validation\": -1", "", "data.validation: expected an integer in [0, 2^53], found -1", NULL);
    folder_fails(", \"validation\": 0.5", "", "data.validation: expected an integer", NULL);
    folder_fails("", ", \"dead_units\": {\"probe\": \"val\"}", "dead_units.probe: \"val\" needs a "
                                                               "validation split",
                 NULL);
    expect_fail("{\"data\": {\"format\": \"image_folder\", \"test_dir\": \"t\"}, \"model\": " MODEL
                "}",
                "data.train_dir: required key is missing", NULL);
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, test_full_config);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_default_leaky_slope_and_empty_sections);
    tcase_add_test(tc, test_name_from_source);
    tcase_add_test(tc, test_load_file_and_overrides);
    tcase_add_test(tc, test_set_csv_and_free);
    tcase_add_test(tc, test_syntax_error_in_file);
    tcase_add_test(tc, test_syntax_errors_in_text);
    tcase_add_test(tc, test_file_errors);
    tcase_add_test(tc, test_unknown_keys);
    tcase_add_test(tc, test_duplicate_key);
    tcase_add_test(tc, test_wrong_types);
    tcase_add_test(tc, test_out_of_range);
    tcase_add_test(tc, test_data_section);
    tcase_add_test(tc, test_layer_types);
    tcase_add_test(tc, test_model_structure);
    tcase_add_test(tc, test_prelu_static_check);
    tcase_add_test(tc, test_check_data);
    tcase_add_test(tc, test_optimizer_rules);
    tcase_add_test(tc, test_overrides_apply);
    tcase_add_test(tc, test_override_errors);
    tcase_add_test(tc, test_override_units_then_check_data);
    tcase_add_test(tc, test_image_folder_section);
    tcase_add_test(tc, test_image_folder_errors);
    suite_add_tcase(s, tc);
    return s;
}
