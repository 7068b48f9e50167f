/* config/overrides.c - many --set overrides: applied together they give what applying
 * them one by one gives (the tree and the first error), and in time linear in their
 * number, whether they add keys to one object or name the entries of one long array. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/override.h"
#include "fixture.h"
#include "math/rng.h"
#include "suites.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* n strings printf'ed from fmt with i = first .. first + n - 1, in one block. */
static char **numbered(const char *fmt, size_t first, size_t n)
{
    char **ov = malloc(n * sizeof *ov);
    char *text = malloc(n * 48);
    ck_assert(ov && text);
    for (size_t i = 0; i < n; i++) {
        ov[i] = text + 48 * i;
        snprintf(ov[i], 48, fmt, first + i, first + i);
    }
    return ov;
}

static void free_numbered(char **ov)
{
    free(ov[0]);
    free(ov);
}

/* 100,000 overrides: one by one cJSON walks its list of keys or entries each time (about
 * 10^10 steps, half a minute); the index makes it a fraction of a second. The bound (5 s)
 * leaves room for a loaded machine and the sanitizers. */
enum { MANY = 100000 };
START_TEST(test_many_overrides_linear)
{
    /* New keys under one object: refused as unknown, after all are applied. */
    char *json = ct_json(MODEL, "");
    char **ov = numbered("x.k%zu=%zu", 0, MANY);
    nn_config cfg;
    nn_error err;
    double t = now();
    nn_status st = nn_config_parse(&cfg, json, SRC, (const char *const *)ov, MANY, &err);
    double keys_s = now() - t;
    ck_assert_int_eq(st, NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "x: unknown key at the top level"), "%s", err.msg);
    free_numbered(ov);
    free(json);
    /* Every entry of a model of MANY + 2 modules, by index. */
    size_t cap = 64 + 20 * (size_t)MANY, n = 0;
    char *model = malloc(cap);
    ck_assert_ptr_nonnull(model);
    n += (size_t)snprintf(model, cap, "[{\"type\": \"dense\", \"units\": 8}");
    for (size_t i = 0; i < MANY; i++)
        n += (size_t)snprintf(model + n, cap - n, ", {\"type\": \"elu\"}");
    snprintf(model + n, cap - n, ", {\"type\": \"dense\", \"units\": 4}]");
    json = ct_json(model, "");
    ov = numbered("model.%zu.type=relu", 1, MANY);
    t = now();
    st = nn_config_parse(&cfg, json, SRC, (const char *const *)ov, MANY, &err);
    double entries_s = now() - t;
    ck_assert_msg(st == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(cfg.n_modules, MANY + 2);
    ck_assert_ptr_eq(cfg.modules[MANY].act, nn_act_find("relu"));
    nn_config_free(&cfg);
    free_numbered(ov);
    free(json);
    free(model);
    ck_assert_msg(keys_s < 5.0 && entries_s < 5.0,
                  "%d overrides: %.2f s adding keys to one object, %.2f s naming the entries of "
                  "one array",
                  MANY, keys_s, entries_s);
}
END_TEST

/* The pieces random overrides are made of: paths through objects and arrays that exist,
 * that do not, and that turn into scalars; values of every kind. */
static const char *const paths[] = {
    "a",     "a.b",   "a.b.c", "a.b.d", "a.0",   "l",     "l.0",   "l.1",   "l.2",  "l.1.x",
    "l.1.y", "l.0.0", "l[1]",  "l.5",   "s",     "s.t",   "a..b",  "n",     "n.m",  "o.p.q",
    "o.p",   "l.01",  "dup",   "dup.k", "l.1.z",
};
static const char *const values[] = {
    "1", "\"x\"", "[1,2,3]", "{\"b\": {\"c\": 2}}", "{}", "[]", "null", "true",
    "[{\"x\": 1}, {\"y\": [4, 5]}]", "plain", "{\"dup\": 1, \"dup\": 2}", "-0.5",
};

/* Random sequences of overrides on a small tree: applied together as applied one at a
 * time, the same tree (printed) and the same first error. */
START_TEST(test_together_as_one_by_one)
{
    static const char base[] = "{\"a\": {\"b\": {\"c\": 1}}, \"l\": [{\"x\": 1}, {\"y\": 2}, 3],"
                               " \"s\": \"str\", \"n\": null, \"dup\": {\"k\": 1}, \"dup\": 7}";
    nn_rng rng;
    nn_rng_seed(&rng, 23, 0);
    const size_t np = sizeof paths / sizeof paths[0], nv = sizeof values / sizeof values[0];
    for (int trial = 0; trial < 3000; trial++) {
        char text[24][128];
        const char *ov[24];
        size_t n = 1 + nn_rng_below(&rng, 24);
        for (size_t i = 0; i < n; i++) {
            snprintf(text[i], sizeof text[i], "%s=%s", paths[nn_rng_below(&rng, np)],
                     values[nn_rng_below(&rng, nv)]);
            ov[i] = text[i];
        }
        cJSON *one = cJSON_Parse(base), *all = cJSON_Parse(base);
        ck_assert(one && all);
        nn_error e1 = {0}, e2 = {0};
        const nn_cfg_ctx c1 = {"t", &e1}, c2 = {"t", &e2};
        nn_status s1 = NN_OK;
        for (size_t i = 0; i < n && s1 == NN_OK; i++)
            s1 = nn_cfg_apply_override(&c1, one, ov[i]);
        nn_status s2 = nn_cfg_apply_overrides(&c2, all, ov, n);
        char *p1 = cJSON_PrintUnformatted(one), *p2 = cJSON_PrintUnformatted(all);
        ck_assert_msg(s1 == s2 && strcmp(e1.msg, e2.msg) == 0 && strcmp(p1, p2) == 0,
                      "trial %d (%zu overrides, the first %s): one by one %d '%s' %s, together "
                      "%d '%s' %s",
                      trial, n, ov[0], s1, e1.msg, p1, s2, e2.msg, p2);
        free(p1);
        free(p2);
        cJSON_Delete(one);
        cJSON_Delete(all);
    }
}
END_TEST

Suite *overrides_suite(void)
{
    Suite *s = suite_create("overrides");
    TCase *tc = tcase_create("apply");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_many_overrides_linear);
    tcase_add_test(tc, test_together_as_one_by_one);
    suite_add_tcase(s, tc);
    return s;
}
