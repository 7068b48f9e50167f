/* config/config.c - the JSON config loader: values, defaults, files, syntax errors and the
 * --set overrides. Errors must be NN_ECONFIG with one line naming the JSON path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/init.h"
#include "nn/layer/dense.h"
#include "fixture.h"
#include "support/fixture.h"
#include "suites.h"

/* ---------------------------------------------------------------- values */

START_TEST(test_full_config)
{
    nn_config cfg;
    ct_parse_ok(&cfg, ct_full, NULL, 0);
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
    ck_assert_uint_eq(nn_spec_get(&m[0], "units"), 256);
    ck_assert_int_eq(nn_spec_get(&m[0], "bias"), 0);
    ck_assert_int_eq(nn_spec_get(&m[0], "init"), NN_INIT_XAVIER_UNIFORM);
    ck_assert_int_eq(m[0].given[NN_DENSE_BIAS_INIT], 0);
    ck_assert_ptr_eq(m[1].act, nn_act_find("leaky_relu"));
    ck_assert_double_eq(m[1].hp[0], 0.2);
    ck_assert_uint_eq(nn_spec_get(&m[2], "units"), 128);
    ck_assert_int_eq(nn_spec_get(&m[2], "bias"), 1);
    ck_assert_int_eq(nn_spec_get(&m[2], "init"), NN_INIT_AUTO);
    ck_assert_int_eq(m[2].given[NN_DENSE_BIAS_INIT], 1);
    ck_assert_double_eq(nn_spec_get(&m[2], "bias_init"), 0.1);
    ck_assert_ptr_eq(m[3].act, nn_act_find("prelu"));
    ck_assert_double_eq(m[3].hp[0], 128);
    ck_assert_double_eq(m[3].hp[1], 0.1);
    ck_assert_uint_eq(nn_spec_get(&m[4], "units"), 10);

    ck_assert_double_eq(cfg.optim.lr, 0.05);
    ck_assert_double_eq(nn_optim_hp(cfg.optim.def, cfg.optim.hp, "momentum"), 0.9);
    ck_assert_double_eq(nn_optim_hp(cfg.optim.def, cfg.optim.hp, "dampening"), 0);
    ck_assert_double_eq(nn_optim_hp(cfg.optim.def, cfg.optim.hp, "weight_decay"), 0.0005);
    ck_assert_int_eq(nn_optim_hp(cfg.optim.def, cfg.optim.hp, "nesterov"), 1);
    ck_assert_int_eq(cfg.optim.schedule.kind, NN_SCHED_STEP);
    ck_assert_uint_eq(cfg.optim.schedule.step_size, 3);
    ck_assert_double_eq(cfg.optim.schedule.gamma, 0.5);

    ck_assert_uint_eq(cfg.train.epochs, 0);
    ck_assert_uint_eq(cfg.train.batch_size, 32);
    ck_assert_int_eq(cfg.train.shuffle, 0);
    ck_assert_int_eq(cfg.dead.probe, NN_PROBE_TRAIN);
    ck_assert_uint_eq(cfg.dead.samples, 2000);
    ck_assert_str_eq(cfg.csv, "-");
    nn_config_free(&cfg);
    ck_assert(ct_is_zero(&cfg));
}
END_TEST

START_TEST(test_defaults)
{
    nn_config cfg;
    ct_parse_extra(&cfg,
                   "[{\"type\": \"relu\"}, {\"type\": \"prelu\"}, {\"type\": \"elu\"}, "
                   "{\"type\": \"dense\", \"units\": 10}]",
                   "");
    ck_assert_str_eq(cfg.name, "x"); /* from "configs/x.json" */
    ck_assert_uint_eq(cfg.seed, 0);
    ck_assert_int_eq(cfg.data.normalize, NN_NORM_UNIT);
    ck_assert_uint_eq(cfg.data.train_limit, 0);
    ck_assert_uint_eq(cfg.data.test_limit, 0);
    ck_assert_uint_eq(cfg.n_modules, 4);
    ck_assert_double_eq(cfg.modules[1].hp[0], 1);    /* prelu num_parameters */
    ck_assert_double_eq(cfg.modules[1].hp[1], 0.25); /* prelu init */
    ck_assert_double_eq(cfg.modules[2].hp[0], 1.0);  /* elu alpha */
    ck_assert_int_eq(nn_spec_get(&cfg.modules[3], "bias"), 1);
    ck_assert_int_eq(nn_spec_get(&cfg.modules[3], "init"), NN_INIT_AUTO);
    ck_assert_double_eq(nn_spec_get(&cfg.modules[3], "bias_init"), 0);
    ck_assert_int_eq(cfg.modules[3].given[NN_DENSE_BIAS_INIT], 0);
    ck_assert_double_eq(cfg.optim.lr, 0.01);
    ck_assert_double_eq(nn_optim_hp(cfg.optim.def, cfg.optim.hp, "momentum"), 0);
    ck_assert_double_eq(nn_optim_hp(cfg.optim.def, cfg.optim.hp, "dampening"), 0);
    ck_assert_double_eq(nn_optim_hp(cfg.optim.def, cfg.optim.hp, "weight_decay"), 0);
    ck_assert_int_eq(nn_optim_hp(cfg.optim.def, cfg.optim.hp, "nesterov"), 0);
    ck_assert_int_eq(cfg.optim.schedule.kind, NN_SCHED_NONE);
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
    ct_parse_extra(&cfg, MODEL,
                   ", \"optimizer\": {\"schedule\": {\"type\": \"cosine\"}}, "
                   "\"train\": {}, \"dead_units\": {}, \"output\": {}, "
                   "\"name\": \"r-1.b_2\"");
    ck_assert_double_eq(cfg.modules[1].hp[0], 0.01);
    ck_assert_int_eq(cfg.optim.schedule.kind, NN_SCHED_COSINE);
    ck_assert_str_eq(cfg.name, "r-1.b_2");
    ck_assert_str_eq(cfg.csv, "runs/r-1.b_2.csv");
    nn_config_free(&cfg);
}
END_TEST

START_TEST(test_name_from_source)
{
    nn_config cfg;
    nn_error err = {0};
    char *json = ct_json(MODEL, "");
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
    char *dir = th_tmpdir();
    char *path = ct_write_file(dir, "leaky_run.json", ct_full, strlen(ct_full));
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
    ct_parse_ok(&cfg, ct_full, NULL, 0);
    ck_assert_int_eq(nn_config_set_csv(&cfg, "a/b.csv", &err), NN_OK);
    ck_assert_str_eq(cfg.csv, "a/b.csv");
    ck_assert_int_eq(nn_config_set_csv(&cfg, "", &err), NN_ECONFIG);
    ck_assert_str_eq(cfg.csv, "a/b.csv");
    nn_config_free(&cfg);
    ck_assert(ct_is_zero(&cfg));
}
END_TEST

/* ---------------------------------------------------------------- syntax and files */

START_TEST(test_syntax_error_in_file)
{
    static const char text[] = "{\n  \"seed\": 1,\n  \"data\": {\"format\": \"idx\",}\n}\n";
    char *dir = th_tmpdir();
    char *path = ct_write_file(dir, "bad.json", text, strlen(text));
    nn_config cfg;
    nn_error err = {0};
    memset(&cfg, 0xAB, sizeof cfg);
    ck_assert_int_eq(nn_config_load(&cfg, path, NULL, 0, &err), NN_ECONFIG);
    ck_assert(ct_is_zero(&cfg));
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
    ct_fail("{\n  \"a\": 1\n  \"b\": 2\n}", SRC ":3:3 (byte 13)", "expected ',' or '}'", NULL);
    ct_fail("{\"a\": [1, 2", SRC ":1:12 (byte 11)", "end of text", "'[' at 1:7", NULL);
    ct_fail("{\"a\": 'x'}", ":1:7 (byte 6)", "double quotes", NULL);
    ct_fail("{\"a\": 1} // c", ":1:10 (byte 9)", "no comments", NULL);
    ct_fail("{\"a\": \"x\\q\"}", ":1:9 (byte 8)", "escape", NULL);
    ct_fail("  \n ", "invalid JSON", "empty", NULL);
    ct_fail("[1, 2]", SRC ": expected a JSON object at the top level, found [1,2]", NULL);
}
END_TEST

START_TEST(test_file_errors)
{
    nn_config cfg;
    nn_error err = {0};
    char *dir = th_tmpdir();
    char missing[256];
    snprintf(missing, sizeof missing, "%s/none.json", dir);
    ck_assert_int_eq(nn_config_load(&cfg, missing, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, missing) && strstr(err.msg, "No such file"), "%s", err.msg);
    ck_assert(ct_is_zero(&cfg));

    ck_assert_int_eq(nn_config_load(&cfg, dir, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "directory"), "%s", err.msg);

    char *nul = ct_write_file(dir, "nul.json", "{}\0{}", 5);
    ck_assert_int_eq(nn_config_load(&cfg, nul, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "NUL byte at byte 2"), "%s", err.msg);

    /* a sparse 17 MiB file: rejected by size without parsing */
    char *big = ct_write_file(dir, "big.json", "{", 1);
    ck_assert_int_eq(truncate(big, (off_t)17 << 20), 0);
    ck_assert_int_eq(nn_config_load(&cfg, big, NULL, 0, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "larger than 16 MiB"), "%s", err.msg);
    ck_assert(ct_is_zero(&cfg));

    unlink(nul);
    unlink(big);
    rmdir(dir);
    free(nul);
    free(big);
    free(dir);
}
END_TEST

/* ---------------------------------------------------------------- overrides */

START_TEST(test_overrides_apply)
{
    nn_config cfg;
    char *json = ct_json(MODEL, "");
    const char *ov[] = {
        "optimizer.schedule.type=\"step\"", /* creates optimizer and schedule */
        "optimizer.schedule.step_size=4",
        "model[1].negative_slope=0.25", /* the bracket form of messages */
        "model.1.negative_slope=0.3",   /* array index */
        "data.normalize=standard",      /* not JSON: taken as a string */
        "model.4={\"type\": \"dense\", \"units\": 10, \"bias\": false}",
        "train.shuffle=false",
        "seed=42",
        "seed=43", /* later overrides win */
    };
    ct_parse_ok(&cfg, json, ov, sizeof ov / sizeof ov[0]);
    free(json);
    ck_assert_int_eq(cfg.optim.schedule.kind, NN_SCHED_STEP);
    ck_assert_uint_eq(cfg.optim.schedule.step_size, 4);
    ck_assert_double_eq(cfg.modules[1].hp[0], 0.3);
    ck_assert_double_eq(cfg.modules[3].hp[0], 0.01);
    ck_assert_int_eq(cfg.data.normalize, NN_NORM_STANDARD);
    ck_assert_int_eq(nn_spec_get(&cfg.modules[4], "bias"), 0);
    ck_assert_int_eq(cfg.train.shuffle, 0);
    ck_assert_uint_eq(cfg.seed, 43);
    nn_config_free(&cfg);
}
END_TEST

START_TEST(test_override_errors)
{
    ct_fail_set("model.9.units=3", "--set model.9.units: model has 5 entries (0..4)", NULL);
    ct_fail_set("optimizer.momentun=0.9", SRC ": optimizer.momentun: unknown key",
                "did you mean \"momentum\"?", NULL);
    ct_fail_set("model.1.negative_slope=-1",
                SRC ": model[1].negative_slope: expected a number in [0, 1], found -1", NULL);
    ct_fail_set("train.batch_size=abc", "train.batch_size: expected an integer", "found \"abc\"",
                NULL);
    ct_fail_set("train.epochs", "--set train.epochs: expected KEY=VALUE", NULL);
    ct_fail_set("=3", "--set =3: ", "empty", NULL);
    ct_fail_set("train..epochs=3", "--set train..epochs: empty segment", NULL);
    ct_fail_set("data.format.x=3",
                "--set data.format.x: data.format is a string, not an object or array", NULL);
    ct_fail_set("model.x=3", "--set model.x: model is an array", NULL);
    ct_fail_set("data.0=3", "--set data.0: data is an object", NULL);
    ct_fail_set("model.4={\"type\": \"relu\"}", "model[4]: the model must end with a dense", NULL);
    ct_fail_set("model[9].units=3", "--set model.9.units: model has 5 entries", NULL);
    ct_fail_set("name=\"a\\u0000b\"", "--set name: the value contains \\u0000", NULL);
    ct_fail_set("model.0.bias_init=1e39", "model[0].bias_init: expected a number in", NULL);
    ct_fail_set("model.4={\"type\": \"dense\", \"units\": 10, \"bias\": false, "
                "\"bias_init\": 1}",
                "model[4].bias_init: given, but this layer has \"bias\": false", NULL);
}
END_TEST

START_TEST(test_override_units_then_check_data)
{
    nn_config cfg;
    nn_error err = {0};
    char *json = ct_json(MODEL, "");
    const char *ov[] = {"model.4.units=12"};
    ct_parse_ok(&cfg, json, ov, 1);
    free(json);
    ck_assert_int_eq(nn_config_check_data(&cfg, 784, 10, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "model[4].units: the last dense layer has 12 units"), "%s",
                  err.msg);
    nn_config_free(&cfg);
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
    tcase_add_test(tc, test_overrides_apply);
    tcase_add_test(tc, test_override_errors);
    tcase_add_test(tc, test_override_units_then_check_data);
    suite_add_tcase(s, tc);
    return s;
}
