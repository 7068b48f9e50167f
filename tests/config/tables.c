/* config/tables.c - `nntrain tables` (nn_config_write_tables): the one description of the
 * table entries that the PyTorch scripts read. Every config type of the layer table and
 * every optimizer is there once, with its torch call, its keys in the table's order and its
 * flags; the binary prints the same JSON (the test build's extra entries aside). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nntrain.h"
#include "suites.h"
#include "support/fixture.h"

/* The tables as parsed JSON. */
static cJSON *tables_json(void)
{
    char *text = NULL;
    size_t len = 0;
    nn_error err = {0};
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_msg(nn_config_write_tables(f, &err) == NN_OK, "%s", err.msg);
    ck_assert_int_eq(fclose(f), 0);
    cJSON *root = cJSON_Parse(text);
    free(text);
    ck_assert_msg(root, "nn_config_write_tables wrote invalid JSON");
    return root;
}

/* The entry of array whose "type" is type, or NULL; fails when there are two. */
static const cJSON *entry(const cJSON *array, const char *type)
{
    const cJSON *e, *found = NULL;
    cJSON_ArrayForEach(e, array)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
        if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0) {
            ck_assert_msg(!found, "\"%s\" listed twice", type);
            found = e;
        }
    }
    return found;
}

/* keys lists rows[0..n) by name, in order, with their kinds. */
static void same_keys(const char *type, const cJSON *keys, const nn_hparam_spec *rows, int n)
{
    static const char *const kinds[] = {"number", "size", "bool", "enum"};
    ck_assert_msg(cJSON_GetArraySize(keys) == n, "%s: %d keys, the table has %d", type,
                  cJSON_GetArraySize(keys), n);
    for (int k = 0; k < n; k++) {
        const cJSON *key = cJSON_GetArrayItem(keys, k);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(key, "name");
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(key, "kind");
        ck_assert_msg(cJSON_IsString(name) && strcmp(name->valuestring, rows[k].name) == 0,
                      "%s: key %d is not \"%s\"", type, k, rows[k].name);
        ck_assert_msg(cJSON_IsString(kind) && strcmp(kind->valuestring, kinds[rows[k].kind]) == 0,
                      "%s.%s: kind", type, rows[k].name);
        ck_assert_msg(cJSON_GetObjectItemCaseSensitive(key, "default"), "%s.%s: no default", type,
                      rows[k].name);
    }
}

START_TEST(test_every_layer_type)
{
    cJSON *root = tables_json();
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    ck_assert(cJSON_IsString(format) && strcmp(format->valuestring, "nntrain-tables-1") == 0);
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    const char *types[128];
    nn_layer_types(types, 128);
    int n = 0;
    for (; types[n]; n++) {
        const nn_layer_def *def;
        const nn_act_def *act;
        ck_assert(nn_layer_find(types[n], &def, &act));
        const cJSON *e = entry(layers, types[n]);
        ck_assert_msg(e, "\"%s\" is not in the tables", types[n]);
        const cJSON *torch = cJSON_GetObjectItemCaseSensitive(e, "torch");
        ck_assert_msg(cJSON_IsString(torch) && torch->valuestring[0], "%s: no torch call",
                      types[n]);
        ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "product")) == !!def->product);
        ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "probed")) == !!def->probed);
        ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "elementwise")) ==
                  (def->forward_cols != NULL));
        int nk;
        const nn_hparam_spec *rows = nn_layer_keys(def, act, &nk);
        same_keys(types[n], cJSON_GetObjectItemCaseSensitive(e, "keys"), rows, nk);
    }
    ck_assert_int_eq(cJSON_GetArraySize(layers), n);
    cJSON_Delete(root);
}
END_TEST

START_TEST(test_every_optimizer)
{
    cJSON *root = tables_json();
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(root, "optimizers");
    size_t n = 0;
    for (; nn_optim_at(n); n++) {
        const nn_optim_def *d = nn_optim_at(n);
        const cJSON *e = entry(opts, d->name);
        ck_assert_msg(e, "\"%s\" is not in the tables", d->name);
        const cJSON *torch = cJSON_GetObjectItemCaseSensitive(e, "torch");
        ck_assert_msg(cJSON_IsString(torch) && strstr(torch->valuestring, "{lr}"),
                      "%s: no torch call taking {lr}", d->name);
        same_keys(d->name, cJSON_GetObjectItemCaseSensitive(e, "keys"), d->keys, d->n_keys);
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(e, "state");
        ck_assert_int_eq(cJSON_GetArraySize(state), d->n_state);
    }
    ck_assert_int_eq(cJSON_GetArraySize(opts), (int)n);
    cJSON_Delete(root);
}
END_TEST

/* `nntrain tables` prints the library's tables: every built-in entry (the binary has no
 * test-only ones). */
START_TEST(test_the_command)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' tables", th_nntrain());
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char *text = NULL;
    size_t len = 0, got;
    char buf[4096];
    FILE *m = open_memstream(&text, &len);
    while ((got = fread(buf, 1, sizeof buf, p)) > 0)
        fwrite(buf, 1, got, m);
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_int_eq(fclose(m), 0);
    cJSON *bin = cJSON_Parse(text);
    free(text);
    ck_assert_msg(bin, "nntrain tables printed invalid JSON");
    cJSON *lib = tables_json();
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(bin, "layers"))
    {
        const char *type = cJSON_GetObjectItemCaseSensitive(e, "type")->valuestring;
        const cJSON *mine = entry(cJSON_GetObjectItemCaseSensitive(lib, "layers"), type);
        ck_assert_msg(mine && cJSON_Compare(e, mine, 1), "nntrain tables: \"%s\" differs", type);
    }
    ck_assert(entry(cJSON_GetObjectItemCaseSensitive(bin, "layers"), "dense"));
    ck_assert(entry(cJSON_GetObjectItemCaseSensitive(bin, "optimizers"), "sgd"));
    ck_assert(!entry(cJSON_GetObjectItemCaseSensitive(bin, "layers"), "test_center"));
    cJSON_Delete(bin);
    cJSON_Delete(lib);
}
END_TEST

Suite *tables_suite(void)
{
    Suite *s = suite_create("tables");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, test_every_layer_type);
    tcase_add_test(tc, test_every_optimizer);
    tcase_add_test(tc, test_the_command);
    suite_add_tcase(s, tc);
    return s;
}
