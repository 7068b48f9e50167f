/* config/fixture.c - configs and expectations shared by the config test suites. */
#include "fixture.h"
#include "support/fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char ct_full[] =
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

char *ct_json(const char *model, const char *extra)
{
    size_t n = strlen(model) + strlen(extra) + sizeof DATA + 64;
    char *s = malloc(n);
    ck_assert_ptr_nonnull(s);
    snprintf(s, n, "{" DATA ", \"model\": %s%s}", model, extra);
    return s;
}

int ct_is_zero(const nn_config *cfg)
{
    nn_config zero;
    memset(&zero, 0, sizeof zero);
    return memcmp(cfg, &zero, sizeof zero) == 0;
}

/* Parses json (with overrides) expecting NN_ECONFIG and a message containing every
 * NULL-terminated substring; cfg must be left empty. */
void ct_fail_v(const char *json, const char *const *ov, size_t n_ov, va_list ap)
{
    nn_config cfg;
    nn_error err = {0};
    memset(&cfg, 0xAB, sizeof cfg);
    nn_status st = nn_config_parse(&cfg, json, SRC, ov, n_ov, &err);
    ck_assert_msg(st == NN_ECONFIG, "status %d, message: %s", (int)st, err.msg);
    ck_assert_int_eq(err.code, NN_ECONFIG);
    ck_assert_msg(ct_is_zero(&cfg), "cfg not zeroed after a failure");
    ck_assert_msg(strchr(err.msg, '\n') == NULL, "multi-line message: %s", err.msg);
    for (const char *want; (want = va_arg(ap, const char *));)
        ck_assert_msg(strstr(err.msg, want), "message \"%s\" lacks \"%s\"", err.msg, want);
}

void ct_fail(const char *json, ...)
{
    va_list ap;
    va_start(ap, json);
    ct_fail_v(json, NULL, 0, ap);
    va_end(ap);
}

/* Base config with extra members, expecting failure. */
void ct_fail_extra(const char *model, const char *extra, ...)
{
    char *json = ct_json(model, extra);
    va_list ap;
    va_start(ap, extra);
    ct_fail_v(json, NULL, 0, ap);
    va_end(ap);
    free(json);
}

/* Base config plus one override, expecting failure. */
void ct_fail_set(const char *override, ...)
{
    char *json = ct_json(MODEL, "");
    const char *ov[] = {override};
    va_list ap;
    va_start(ap, override);
    ct_fail_v(json, ov, 1, ap);
    va_end(ap);
    free(json);
}

void ct_parse_ok(nn_config *cfg, const char *json, const char *const *ov, size_t n_ov)
{
    nn_error err = {0};
    nn_status st = nn_config_parse(cfg, json, SRC, ov, n_ov, &err);
    ck_assert_msg(st == NN_OK, "status %d, message: %s", (int)st, err.msg);
}

void ct_parse_extra(nn_config *cfg, const char *model, const char *extra)
{
    char *json = ct_json(model, extra);
    ct_parse_ok(cfg, json, NULL, 0);
    free(json);
}

/* Writes text to a fresh file dir/name; returns the malloc'ed path. */
char *ct_write_file(const char *dir, const char *name, const char *text, size_t len)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    ck_assert_ptr_nonnull(path);
    snprintf(path, n, "%s/%s", dir, name);
    ft_write_bytes(path, text, len);
    return path;
}

#define FOLDER                                                                                     \
    "{\"data\": {\"format\": \"image_folder\", \"train_dir\": \"imgs/train\", "                    \
    "\"test_dir\": \"imgs/test\"%s}, \"model\": " MODEL "%s}"

char *ct_folder_json(const char *data_extra, const char *extra)
{
    size_t n = sizeof FOLDER + strlen(data_extra) + strlen(extra);
    char *s = malloc(n);
    ck_assert_ptr_nonnull(s);
    snprintf(s, n, FOLDER, data_extra, extra);
    return s;
}

void ct_folder_fails(const char *data_extra, const char *extra, const char *want1,
                     const char *want2)
{
    char *json = ct_folder_json(data_extra, extra);
    ct_fail(json, want1, want2, NULL);
    free(json);
}
