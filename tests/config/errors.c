/* config/errors.c - every class of config error: unknown, duplicate and misplaced
 * keys, wrong types, out-of-range values, the model's structure and the rules between
 * keys. Each message must name the JSON path and say what is allowed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "suites.h"

/* ---------------------------------------------------------------- keys and types */

START_TEST(test_unknown_keys)
{
    ct_fail_extra(MODEL, ", \"optimizer\": {\"momentun\": 0.9}",
                  SRC ": optimizer.momentun: unknown key for the \"sgd\" optimizer; did you mean "
                      "\"momentum\"?",
                  NULL);
    ct_fail_extra("[{\"type\": \"dense\", \"units\": 8}, {\"type\": \"leaky_relu\", "
                  "\"negativ_slope\": 0.1}, {\"type\": \"dense\", \"units\": 10}]",
                  "", "model[1].negativ_slope: unknown key", "did you mean \"negative_slope\"?",
                  NULL);
    ct_fail_extra(MODEL, ", \"train\": {\"xyzzy\": 1}", "train.xyzzy: unknown key",
                  "allowed keys: epochs, batch_size, shuffle", NULL);
    ct_fail_extra(MODEL, ", \"modle\": 1", "modle: unknown key", "\"model\"", NULL);
    ct_fail_extra("[{\"type\": \"dense\", \"units\": 10, \"negative_slope\": 0.1}]", "",
                  "model[0].negative_slope: unknown key for a dense layer",
                  "type, units, bias, init, bias_init", NULL);
    ct_fail_extra(MODEL, ", \"optimizer\": {\"schedule\": {\"type\": \"cosine\", \"gamma\": 0.5}}",
                  "optimizer.schedule.gamma", "\"step\"", NULL);
}
END_TEST

START_TEST(test_duplicate_key)
{
    ct_fail_extra(MODEL, ", \"train\": {\"epochs\": 1, \"epochs\": 2}",
                  "train.epochs: duplicate key", NULL);
    ct_fail_extra(MODEL, ", \"seed\": 1, \"seed\": 2", SRC ": seed: duplicate key", NULL);
}
END_TEST

START_TEST(test_wrong_types)
{
    ct_fail_extra(MODEL, ", \"train\": {\"batch_size\": \"abc\"}",
                  "train.batch_size: expected an integer", "found \"abc\"", NULL);
    ct_fail_extra(MODEL, ", \"train\": {\"shuffle\": 1}",
                  "train.shuffle: expected true or false, found 1", NULL);
    ct_fail_extra(MODEL, ", \"train\": {\"flush_denormals\": \"yes\"}",
                  "train.flush_denormals: expected true or false, found \"yes\"", NULL);
    ct_fail_extra(MODEL, ", \"train\": {\"epochs\": 2.5}", "train.epochs: expected an integer",
                  "found 2.5", NULL);
    ct_fail_extra(MODEL, ", \"name\": \"a\\u0000b\"", "a string contains \\u0000", "(byte ", NULL);
    ct_fail_extra(MODEL, ", \"optimizer\": [1]", "optimizer: expected an object", "found [1]",
                  NULL);
    ct_fail_extra(MODEL, ", \"name\": \"my run\"", "name: expected 1 to 64 characters",
                  "found \"my run\"", NULL);
    ct_fail_extra(MODEL, ", \"output\": {\"csv\": \"\"}", "output.csv: expected a non-empty string",
                  NULL);
    ct_fail_extra(MODEL, ", \"data\": 1", "data: duplicate key", NULL);
    ct_fail_extra("[{\"type\": \"dense\", \"units\": 10, \"init\": \"he_norml\"}]", "",
                  "model[0].init: expected one of \"he_normal\"", "did you mean \"he_normal\"?",
                  NULL);
    ct_fail_extra("[3]", "", "model[0]: expected a layer object", "found 3", NULL);
    ct_fail_extra("{\"type\": \"dense\"}", "", "model: expected a non-empty array", NULL);
    /* long values are cut in messages */
    ct_fail_extra(MODEL, ", \"seed\": [1111111111, 2222222222, 3333333333, 4444444444]",
                  "found [1111111111,2222222222,3333333333,444...", NULL);
}
END_TEST

START_TEST(test_out_of_range)
{
    ct_fail_extra(MODEL, ", \"optimizer\": {\"lr\": -0.1}",
                  "optimizer.lr: expected a number in (0, 1000], found -0.1", NULL);
    ct_fail_extra(MODEL, ", \"optimizer\": {\"momentum\": 1.0}",
                  "optimizer.momentum: expected a number in [0, 1), found 1", NULL);
    ct_fail_extra(MODEL, ", \"train\": {\"batch_size\": 0}",
                  "train.batch_size: expected an integer in [1, 65536], found 0", NULL);
    ct_fail_extra("[{\"type\": \"dense\", \"units\": 8}, {\"type\": \"leaky_relu\", "
                  "\"negative_slope\": -1}, {\"type\": \"dense\", \"units\": 10}]",
                  "", SRC ": model[1].negative_slope: expected a number in [0, 1], found -1", NULL);
    ct_fail_extra(MODEL, ", \"seed\": -1", "seed: expected an integer in [0, 2^53]", NULL);
    ct_fail_extra(MODEL, ", \"train\": {\"epochs\": 1e400}", "train.epochs",
                  "too large to represent", NULL);
    ct_fail_extra("[{\"type\": \"dense\", \"units\": 0}]", "",
                  "model[0].units: expected an integer in [1, 1048576], found 0", NULL);
    ct_fail_extra("[{\"type\": \"prelu\", \"num_parameters\": 2.5}, {\"type\": \"dense\", "
                  "\"units\": 10}]",
                  "", "model[0].num_parameters: expected an integer in [1, 1048576]", NULL);
}
END_TEST

START_TEST(test_data_section)
{
    ct_fail("{\"model\": " MODEL "}", SRC ": data: required key is missing", NULL);
    ct_fail("{\"data\": {\"format\": \"idx\", \"train_labels\": \"a\", \"test_images\": \"b\", "
            "\"test_labels\": \"c\"}, \"model\": " MODEL "}",
            "data.train_images: required key is missing; expected a non-empty string", NULL);
    ct_fail("{\"data\": {\"train_images\": \"z\", \"train_labels\": \"a\", \"test_images\": "
            "\"b\", \"test_labels\": \"c\"}, \"model\": " MODEL "}",
            "data.format: required key is missing; expected one of \"idx\", \"image_folder\"",
            NULL);
    ct_fail_set("data.format=csv",
                "data.format: expected one of \"idx\", \"image_folder\", found \"csv\"", NULL);
    ct_fail_set("data.normalize=standrd", "data.normalize: expected one of \"unit\", \"standard\"",
                "did you mean \"standard\"?", NULL);
    ct_fail_set("data.train_limit=-1", "data.train_limit: expected an integer", NULL);
    ct_fail_set("dead_units.probe=tset", "dead_units.probe", "did you mean \"test\"?", NULL);
}
END_TEST

/* ---------------------------------------------------------------- model structure */

START_TEST(test_layer_types)
{
    ct_fail_extra("[{\"type\": \"leaky_rlu\"}, {\"type\": \"dense\", \"units\": 10}]", "",
                  "model[0].type: unknown layer type \"leaky_rlu\"", "did you mean \"leaky_relu\"?",
                  "allowed types: dense, relu, leaky_relu, prelu, elu, selu", NULL);
    ct_fail_extra("[{\"type\": \"softmax\"}]", "", "model[0].type: unknown layer type",
                  "allowed types: dense,", NULL);
    ct_fail_extra("[{\"units\": 10}]", "", "model[0].type: required key is missing", NULL);
    ct_fail_extra("[{\"type\": 5}]", "", "model[0].type: expected a layer type", NULL);
    ct_fail_extra("[{\"type\": \"dense\"}]", "", "model[0].units: required key is missing", NULL);
}
END_TEST

START_TEST(test_model_structure)
{
    ct_fail_extra("[]", "", SRC ": model: the model is empty", NULL);
    ct_fail("{" DATA "}", "model: required key is missing", NULL);
    ct_fail_extra("[{\"type\": \"dense\", \"units\": 10}, {\"type\": \"relu\"}]", "",
                  SRC ": model[1]: the model must end with a dense layer",
                  "model[1] is a \"relu\" layer", NULL);
    /* no other structural rules: stacked activations and consecutive dense are fine */
    nn_config cfg;
    ct_parse_extra(&cfg,
                   "[{\"type\": \"relu\"}, {\"type\": \"dense\", \"units\": 4}, "
                   "{\"type\": \"dense\", \"units\": 3}, {\"type\": \"selu\"}, "
                   "{\"type\": \"relu\"}, {\"type\": \"dense\", \"units\": 10}]",
                   "");
    ck_assert_uint_eq(cfg.n_modules, 6);
    nn_config_free(&cfg);
}
END_TEST

START_TEST(test_prelu_static_check)
{
    /* width 256 from model[0]; stacked activations pass it through */
    ct_fail_extra("[{\"type\": \"dense\", \"units\": 256}, {\"type\": \"relu\"}, "
                  "{\"type\": \"prelu\", \"num_parameters\": 100}, "
                  "{\"type\": \"dense\", \"units\": 10}]",
                  "", SRC ": model[2]: prelu", "num_parameters = 100", "from model[0].units",
                  "1 (one shared slope) or the layer's width, 256", NULL);
    nn_config cfg;
    ct_parse_extra(&cfg,
                   "[{\"type\": \"dense\", \"units\": 256}, "
                   "{\"type\": \"prelu\", \"num_parameters\": 256}, "
                   "{\"type\": \"dense\", \"units\": 10}]",
                   "");
    ck_assert_double_eq(cfg.modules[1].hp[0], 256);
    nn_config_free(&cfg);
}
END_TEST

START_TEST(test_check_data)
{
    nn_config cfg;
    nn_error err = {0};
    /* a PReLU before any dense layer: only the data knows its width */
    ct_parse_extra(&cfg,
                   "[{\"type\": \"prelu\", \"num_parameters\": 784}, "
                   "{\"type\": \"dense\", \"units\": 64}, {\"type\": \"relu\"}, "
                   "{\"type\": \"dense\", \"units\": 12}, {\"type\": \"relu\"}, "
                   "{\"type\": \"dense\", \"units\": 10}]",
                   "");
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
    ct_fail_extra(MODEL, ", \"optimizer\": {\"nesterov\": true}",
                  "optimizer.nesterov: ", "momentum > 0", "dampening = 0", "PyTorch", NULL);
    ct_fail_extra(MODEL,
                  ", \"optimizer\": {\"nesterov\": true, \"momentum\": 0.9, \"dampening\": 0.1}",
                  "optimizer.nesterov: ", "dampening = 0.1", NULL);
    ct_fail_extra(MODEL, ", \"optimizer\": {\"type\": \"lbfgs\"}", "optimizer.type: expected ",
                  "\"sgd\", ", "found \"lbfgs\"", NULL);
    ct_fail_extra(MODEL, ", \"optimizer\": {\"weight_decay\": -1}",
                  "optimizer.weight_decay: expected a number in [0, 1]", NULL);
    ct_fail_extra(MODEL, ", \"optimizer\": {\"schedule\": {\"type\": \"step\"}}",
                  "optimizer.schedule.step_size: required key is missing", NULL);
    ct_fail_extra(MODEL,
                  ", \"optimizer\": {\"schedule\": {\"type\": \"step\", \"step_size\": 2, "
                  "\"gamma\": 0}}",
                  "optimizer.schedule.gamma: expected a number in (0, 10]", NULL);
    ct_fail_extra(MODEL, ", \"optimizer\": {\"schedule\": \"step\"}",
                  "optimizer.schedule: expected an object", NULL);
    nn_config cfg;
    ct_parse_extra(&cfg, MODEL,
                   ", \"optimizer\": {\"schedule\": {\"type\": \"step\", "
                   "\"step_size\": 5}, \"dampening\": 0.5, \"momentum\": 0.5}");
    ck_assert_uint_eq(cfg.optim.schedule.step_size, 5);
    ck_assert_double_eq(cfg.optim.schedule.gamma, 0.1);
    ck_assert_double_eq(nn_optim_hp(cfg.optim.def, cfg.optim.hp, "dampening"), 0.5);
    nn_config_free(&cfg);
}
END_TEST

START_TEST(test_image_folder_section)
{
    nn_config cfg;
    char *json = ct_folder_json("", "");
    ct_parse_ok(&cfg, json, NULL, 0);
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

    json = ct_folder_json(", \"channels\": 3, \"on_bad_file\": \"skip\", \"validation\": 5000",
                          ", \"dead_units\": {\"probe\": \"val\"}");
    ct_parse_ok(&cfg, json, NULL, 0);
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
    ct_folder_fails(", \"train_images\": \"x\"", "",
                    SRC ": data.train_images: only allowed with \"format\": \"idx\"",
                    "(this data is \"image_folder\")");
    ct_fail_extra(MODEL, ", \"x\": 1", "x: unknown key", NULL);
    ct_fail_set("data.train_dir=imgs",
                SRC ": data.train_dir: only allowed with \"format\": \"image_folder\"", NULL);
    ct_fail_set("data.on_bad_file=skip", "data.on_bad_file: only allowed with", NULL);
    ct_folder_fails(", \"channels\": 2", "",
                    SRC ": data.channels: expected 1 (grayscale) or 3 (RGB), found 2", NULL);
    ct_folder_fails(", \"channels\": 4", "",
                    "data.channels: expected an integer in [1, 3], found 4", NULL);
    ct_folder_fails(", \"on_bad_file\": \"skp\"", "",
                    "data.on_bad_file: expected one of \"error\", \"skip\", found \"skp\"",
                    "did you mean \"skip\"?");
    ct_folder_fails(", \"trian_dir\": \"a\"", "", "data.trian_dir: unknown key",
                    "did you mean \"train_dir\"?");
    ct_folder_fails(", \"validation\": -1", "",
                    "data.validation: expected an integer in [0, 2^53], found -1", NULL);
    ct_folder_fails(", \"validation\": 0.5", "", "data.validation: expected an integer", NULL);
    ct_folder_fails("", ", \"dead_units\": {\"probe\": \"val\"}",
                    "dead_units.probe: \"val\" needs a "
                    "validation split",
                    NULL);
    ct_fail("{\"data\": {\"format\": \"image_folder\", \"test_dir\": \"t\"}, \"model\": " MODEL "}",
            "data.train_dir: required key is missing", NULL);
}
END_TEST

Suite *config_errors_suite(void)
{
    Suite *s = suite_create("config_errors");
    TCase *tc = tcase_create("config_errors");
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
    tcase_add_test(tc, test_image_folder_section);
    tcase_add_test(tc, test_image_folder_errors);
    suite_add_tcase(s, tc);
    return s;
}
