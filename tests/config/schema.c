/* config/schema.c - properties of the config tables (src/config/schema.c) that
 * hold for every row, so a new key or activation is tested by being added: its range and
 * type are enforced with the message the row implies, its default is applied, a typo of
 * its name or of one of its choices is answered with it, a key of another variant is
 * refused; and the key tables of docs/config.md are the ones the rows print. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema.h"
#include "fixture.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "suites.h"

#define DOC_PATH "docs/config.md"
#define MAX_OV 8

/* A row where a test meets it: the path --set takes ("model.0.units") and the one
 * messages use ("model[0].units"); module: the layer the row fills (-1: the config). */
typedef struct row_at {
    const nn_cfg_section *sec;
    const nn_cfg_key *k;
    char set_base[160], shown_base[160], set[160], shown[160];
    int module;
    const nn_act_def *act; /* the activation whose row this is, or NULL */
    char layer[96];        /* an override putting act at model.1, or "" */
} row_at;

typedef void (*row_fn)(const row_at *at, void *arg);

/* One parse: a base config, overrides that make the row allowed, the override under test. */
typedef struct row_case {
    char *json;
    const char *ov[MAX_OV];
    char buf[MAX_OV][300];
    size_t n;
} row_case;

static void add_ov(row_case *rc, const char *fmt, const char *a, const char *b)
{
    ck_assert_uint_lt(rc->n, MAX_OV);
    snprintf(rc->buf[rc->n], sizeof rc->buf[rc->n], fmt, a, b);
    rc->ov[rc->n] = rc->buf[rc->n];
    rc->n++;
}

/* A config whose section of at selects choice v of its selector (v < 0: no variant): for
 * data the idx or image-folder base config, else an override of the selector plus the
 * variant's other required keys at their lowest value. */
static void case_init_variant(row_case *rc, const row_at *at, int v)
{
    const nn_cfg_section *sec = at->sec;
    const char *list[NN_CFG_MAX_CHOICES + 1];
    char path[256], val[32];
    rc->n = 0;
    if (at->layer[0])
        add_ov(rc, "%s%s", at->layer, "");
    const nn_cfg_key *s = v >= 0 ? &sec->keys[sec->selector] : NULL;
    const char *choice = s ? nn_cfg_choices(s, list)[v] : NULL;
    int folder = choice && strcmp(choice, "image_folder") == 0;
    rc->json = folder ? ct_folder_json("", "") : ct_json(MODEL, "");
    if (!s || strcmp(s->name, "format") == 0)
        return;
    snprintf(path, sizeof path, "%s.%s", at->set_base, s->name);
    add_ov(rc, "%s=\"%s\"", path, choice);
    for (size_t i = 0; i < sec->n_keys; i++) {
        const nn_cfg_key *r = &sec->keys[i];
        if (r != at->k && (r->flags & NN_CFG_REQUIRED) && ((r->variants >> v) & 1u)) {
            snprintf(path, sizeof path, "%s.%s", at->set_base, r->name);
            snprintf(val, sizeof val, "%.17g", r->lo);
            add_ov(rc, "%s=%s", path, val);
        }
    }
}

/* A config in which the row of at is allowed. */
static void case_init(row_case *rc, const row_at *at)
{
    case_init_variant(rc, at, at->k->variants ? nn_cfg_first_variant(at->k) : -1);
}

/* Parses rc plus the override "path=value" (path NULL: nothing more); frees rc. */
static nn_status case_parse(row_case *rc, const char *path, const char *value, nn_config *cfg,
                            nn_error *err)
{
    if (path)
        add_ov(rc, "%s=%s", path, value);
    nn_status st = nn_config_parse(cfg, rc->json, SRC, rc->ov, rc->n, err);
    free(rc->json);
    return st;
}

/* buf = base "." name (just name when base is empty); it must fit. */
static void join_path(char *buf, size_t n, const char *base, const char *name)
{
    int w = snprintf(buf, n, "%s%s%s", base, base[0] ? "." : "", name);
    ck_assert(w >= 0 && (size_t)w < n);
}

static void at_key(row_at *at, const nn_cfg_section *sec, const nn_cfg_key *k)
{
    at->sec = sec;
    at->k = k;
    join_path(at->set, sizeof at->set, at->set_base, k->name);
    join_path(at->shown, sizeof at->shown, at->shown_base, k->name);
}

/* Every row of sec and of its sub-sections. */
static void each_section_row(const nn_cfg_section *sec, const char *base, row_fn fn, void *arg)
{
    row_at at = {.module = -1};
    join_path(at.set_base, sizeof at.set_base, "", base);
    join_path(at.shown_base, sizeof at.shown_base, "", base);
    for (size_t i = 0; i < sec->n_keys; i++) {
        at_key(&at, sec, &sec->keys[i]);
        fn(&at, arg);
        if (sec->keys[i].type == NN_CFG_SECTION) {
            nn_cfg_key keys[NN_CFG_MAX_BUILT];
            nn_cfg_section built;
            each_section_row(nn_cfg_sub(&sec->keys[i], keys, &built), at.set, fn, arg);
        }
    }
}

/* Every row: the sections', each layer type's (dense at model[0] of MODEL, the others
 * put at model[0] by an override) and each activation's at model[1]. */
static void each_row(row_fn fn, void *arg)
{
    each_section_row(&nn_cfg_top, "", fn, arg);
    for (size_t l = 0; nn_layer_at(l); l++) {
        const nn_layer_def *def = nn_layer_at(l);
        nn_cfg_key keys[NN_MAX_HPARAMS + 1];
        nn_cfg_section sec;
        if (def->acts)
            continue;
        row_at at = {.module = 0, .set_base = "model.0", .shown_base = "model[0]"};
        if (strcmp(def->name, "dense") != 0)
            snprintf(at.layer, sizeof at.layer, "model.0={\"type\": \"%s\"}", def->name);
        nn_cfg_layer_section(def, NULL, keys, &sec);
        for (size_t i = 0; i < sec.n_keys; i++) {
            at_key(&at, &sec, &keys[i]);
            fn(&at, arg);
        }
    }
    for (size_t a = 0; nn_activations[a]; a++) {
        nn_cfg_key keys[NN_MAX_HPARAMS + 1];
        nn_cfg_section sec;
        row_at act = {
            .module = 1, .act = nn_activations[a], .set_base = "model.1", .shown_base = "model[1]"};
        snprintf(act.layer, sizeof act.layer, "model.1={\"type\": \"%s\"}",
                 nn_activations[a]->name);
        nn_cfg_layer_section(NULL, nn_activations[a], keys, &sec);
        for (size_t i = 0; i < sec.n_keys; i++) {
            at_key(&act, &sec, &keys[i]);
            fn(&act, arg);
        }
    }
}

static int is_number(const nn_cfg_key *k)
{
    return k->type == NN_CFG_INT || k->type == NN_CFG_SIZE || k->type == NN_CFG_U64 ||
           k->type == NN_CFG_NUMBER;
}

/* The value a row stored (numbers, booleans, enums) as a double. */
static double stored(const nn_config *cfg, const row_at *at)
{
    const char *p = at->module < 0 ? (const char *)cfg : (const char *)&cfg->modules[at->module];
    p += at->k->offset;
    if (at->k->flags & NN_CFG_DOUBLE) /* a table's row */
        return *(const double *)p;
    switch (at->k->type) {
    case NN_CFG_SIZE:
        return (double)*(const size_t *)p;
    case NN_CFG_U64:
        return (double)*(const uint64_t *)p;
    case NN_CFG_NUMBER:
        return *(const double *)p;
    default:
        return *(const int *)p;
    }
}

/* Parses rc plus "path=value", expecting NN_ECONFIG with a message holding want1 and
 * want2 (when not NULL). */
static void case_fails(row_case *rc, const char *path, const char *value, const char *want1,
                       const char *want2)
{
    nn_config cfg;
    nn_error err = {0};
    nn_status st = case_parse(rc, path, value, &cfg, &err);
    ck_assert_msg(st == NN_ECONFIG, "%s=%s: status %d (%s)", path, value, (int)st, err.msg);
    ck_assert_msg(strstr(err.msg, want1), "%s=%s: \"%s\" lacks \"%s\"", path, value, err.msg,
                  want1);
    ck_assert_msg(!want2 || strstr(err.msg, want2), "%s=%s: \"%s\" lacks \"%s\"", path, value,
                  err.msg, want2);
}

/* Parses rc plus "path=value" (path NULL: nothing more), expecting the row of at to
 * hold want. */
static void case_stores(row_case *rc, const row_at *at, const char *path, const char *value,
                        double want)
{
    nn_config cfg;
    nn_error err = {0};
    nn_status st = case_parse(rc, path, value, &cfg, &err);
    ck_assert_msg(st == NN_OK, "%s=%s: %s", path ? path : at->set, value, err.msg);
    if (!(at->k->flags & NN_CFG_UNSTORED))
        ck_assert_msg(stored(&cfg, at) == want, "%s: stored %.17g, expected %.17g", at->shown,
                      stored(&cfg, at), want);
    nn_config_free(&cfg);
}

/* ---------------------------------------------------------------- every row */

/* Numbers: just outside the range (and a fraction where a whole number is needed) fail
 * with the row's expectation; a closed bound is accepted and stored. */
static void check_range(const row_at *at, void *arg)
{
    const nn_cfg_key *k = at->k;
    char expect[128], want[400], val[40];
    double bad[3];
    size_t nb = 0;
    row_case rc;
    (void)arg;
    if (!is_number(k))
        return;
    nn_cfg_expect(k, expect, sizeof expect);
    snprintf(want, sizeof want, "%s: %s: expected %s, found ", SRC, at->shown, expect);
    if (isfinite(k->lo))
        bad[nb++] = (k->flags & NN_CFG_LO_OPEN) ? k->lo : k->lo - fmax(1, fabs(k->lo));
    if (isfinite(k->hi))
        bad[nb++] = (k->flags & NN_CFG_HI_OPEN) ? k->hi : k->hi + fmax(1, fabs(k->hi));
    if ((k->type != NN_CFG_NUMBER || (k->flags & NN_CFG_WHOLE)) && k->lo + 0.5 < k->hi)
        bad[nb++] = k->lo + 0.5;
    for (size_t i = 0; i < nb; i++) {
        snprintf(val, sizeof val, "%.17g", bad[i]);
        case_init(&rc, at);
        case_fails(&rc, at->set, val, want, NULL);
    }
    /* an activation's width check may refuse its upper bound (PReLU) */
    for (int hi = 0; hi < 2; hi++) {
        double x = hi ? k->hi : k->lo;
        if (!isfinite(x) || (k->flags & (hi ? NN_CFG_HI_OPEN : NN_CFG_LO_OPEN)) ||
            (hi && at->act && at->act->check))
            continue;
        snprintf(val, sizeof val, "%.17g", x);
        case_init(&rc, at);
        case_stores(&rc, at, at->set, val, x);
    }
}

/* A value of the wrong type fails with "expected <the row's expectation>, found []". */
static void check_type(const row_at *at, void *arg)
{
    char expect[512], want[800];
    row_case rc;
    (void)arg;
    if (at->k->type == NN_CFG_MODEL || at->k->type == NN_CFG_LAYER)
        return; /* their own messages: config/errors.c */
    nn_cfg_expect(at->k, expect, sizeof expect);
    snprintf(want, sizeof want, "%s: %s: expected %s, found []", SRC, at->shown, expect);
    case_init(&rc, at);
    case_fails(&rc, at->set, "[]", want, NULL);
}

/* An optional number, boolean or enum left out takes the row's default. */
static void check_default(const row_at *at, void *arg)
{
    const nn_cfg_key *k = at->k;
    row_case rc;
    (void)arg;
    if ((k->flags & (NN_CFG_REQUIRED | NN_CFG_UNSTORED)) ||
        !(is_number(k) || k->type == NN_CFG_BOOL || k->type == NN_CFG_ENUM))
        return;
    case_init(&rc, at);
    case_stores(&rc, at, NULL, NULL, k->def);
}

/* name with its first two different neighbours swapped ("seed" -> "esed"). */
static void typo_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s", name);
    for (size_t i = 0; buf[i] && buf[i + 1]; i++)
        if (buf[i] != buf[i + 1]) {
            char t = buf[i];
            buf[i] = buf[i + 1];
            buf[i + 1] = t;
            return;
        }
}

/* A typo of the row's name is an unknown key answered with the name. */
static void check_typo(const row_at *at, void *arg)
{
    char typo[64], path[256], want1[300], want2[100];
    row_case rc;
    (void)arg;
    typo_of(typo, sizeof typo, at->k->name);
    snprintf(path, sizeof path, "%s%s%s", at->set_base, at->set_base[0] ? "." : "", typo);
    snprintf(want1, sizeof want1, "%s%s%s: unknown key", at->shown_base,
             at->shown_base[0] ? "." : "", typo);
    snprintf(want2, sizeof want2, "; did you mean \"%s\"?", at->k->name);
    case_init(&rc, at);
    case_fails(&rc, path, "1", want1, want2);
}

/* The rows of at's section named as at's row allow variant v (rows of several variants
 * may share a name, as optimizers share "weight_decay"); *first: the first such row. */
static unsigned name_variants(const row_at *at, const nn_cfg_key **first)
{
    unsigned bits = 0;
    *first = NULL;
    for (size_t i = 0; i < at->sec->n_keys; i++)
        if (strcmp(at->sec->keys[i].name, at->k->name) == 0) {
            bits |= at->sec->keys[i].variants;
            if (!*first)
                *first = &at->sec->keys[i];
        }
    return bits;
}

/* A key of one variant (an idx-only data key, a step-only schedule key, an optimizer's
 * own key) is refused in a variant that has no key of that name, naming the selector value
 * the first row of that name needs. */
static void check_other_variant(const row_at *at, void *arg)
{
    const char *list[NN_CFG_MAX_CHOICES + 1];
    char want[500];
    row_case rc;
    const nn_cfg_key *first;
    (void)arg;
    if (!at->k->variants)
        return;
    unsigned bits = name_variants(at, &first);
    const nn_cfg_key *s = &at->sec->keys[at->sec->selector];
    const char *const *ch = nn_cfg_choices(s, list);
    int v = 0;
    while (ch[v] && ((bits >> v) & 1u))
        v++;
    if (!ch[v])
        return; /* every variant has a key of this name */
    snprintf(want, sizeof want, "%s: %s: only allowed with \"%s\": \"%s\" (this %s is \"%s\")", SRC,
             at->shown, s->name, ch[nn_cfg_first_variant(first)], at->sec->noun, ch[v]);
    case_init_variant(&rc, at, v);
    case_fails(&rc, at->set, "1", want, NULL);
}

/* Every choice of an enum is accepted and stored as base + its index; a typo of it is
 * answered with it. */
static void check_choices(const row_at *at, void *arg)
{
    const char *list[NN_CFG_MAX_CHOICES + 1];
    char val[80], typo[64], want[100];
    row_case rc;
    (void)arg;
    if (at->k->type != NN_CFG_ENUM)
        return;
    int selector = at->sec->selector >= 0 && at->k == &at->sec->keys[at->sec->selector];
    const char *const *ch = nn_cfg_choices(at->k, list);
    for (int i = 0; ch[i]; i++) {
        snprintf(val, sizeof val, "\"%s\"", ch[i]);
        if (selector)
            case_init_variant(&rc, at, i);
        else
            case_init(&rc, at);
        add_ov(&rc, "%s%s", "data.validation=1", ""); /* dead_units.probe "val" needs it */
        case_stores(&rc, at, selector ? NULL : at->set, val, at->k->base + i);
        typo_of(typo, sizeof typo, ch[i]);
        snprintf(val, sizeof val, "\"%s\"", typo);
        snprintf(want, sizeof want, "; did you mean \"%s\"?", ch[i]);
        case_init(&rc, at);
        case_fails(&rc, at->set, val, at->shown, want);
    }
}

/* An unknown key far from every name lists the section's rows (those of its variant). */
static void check_allowed_list(const row_at *at, void *arg)
{
    const char *names[32];
    char path[256], want1[300], want2[600], joined[512];
    size_t n = 0;
    row_case rc;
    (void)arg;
    if (at->k != &at->sec->keys[0])
        return; /* once per section */
    int v = at->sec->selector >= 0 ? 0 : -1;
    for (size_t i = 0; i < at->sec->n_keys && n + 1 < 32; i++)
        if (v < 0 || !at->sec->keys[i].variants || (at->sec->keys[i].variants & 1u))
            names[n++] = at->sec->keys[i].name;
    names[n] = NULL;
    nn_cfg_join(joined, sizeof joined, names, 0);
    snprintf(path, sizeof path, "%s%szzzzzzzzzz", at->set_base, at->set_base[0] ? "." : "");
    snprintf(want1, sizeof want1, "%s%szzzzzzzzzz: unknown key", at->shown_base,
             at->shown_base[0] ? "." : "");
    snprintf(want2, sizeof want2, "; allowed keys: %s", joined);
    case_init_variant(&rc, at, v);
    case_fails(&rc, path, "1", want1, want2);
}

START_TEST(test_every_row)
{
    static const row_fn checks[] = {check_range,       check_type,          check_default,
                                    check_typo,        check_other_variant, check_choices,
                                    check_allowed_list};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        each_row(checks[i], NULL);
}
END_TEST

/* ---------------------------------------------------------------- messages of variants */

START_TEST(test_unknown_key_in_a_variant)
{
    /* the keys listed are those of the selected variant, and the message says which */
    ct_fail_set("data.zzzzzz=1",
                SRC ": data.zzzzzz: unknown key for \"idx\" data; allowed keys: format, "
                    "train_images, train_labels, test_images, test_labels, normalize, "
                    "train_limit, test_limit, validation",
                NULL);
    ct_fail_set("optimizer.schedule={\"type\": \"cosine\", \"foo\": 1}",
                SRC ": optimizer.schedule.foo: unknown key for a \"cosine\" schedule; allowed "
                    "keys: type",
                NULL);
    ct_fail_set("optimizer.schedule={\"type\": \"step\", \"step_size\": 1, \"foo\": 1}",
                "unknown key for a \"step\" schedule; allowed keys: type, step_size, gamma", NULL);
    /* an invalid selector: every key is listed, the variant is not named */
    ct_fail_set("data.format=[]", "data.format: expected one of \"idx\", \"image_folder\"", NULL);
    ct_fail_set("optimizer.schedule={\"type\": 1, \"foo\": 1}",
                "optimizer.schedule.foo: unknown key; allowed keys: type, step_size, gamma", NULL);
    /* did-you-mean looks at every variant's keys */
    ct_fail_set("optimizer.schedule={\"type\": \"cosine\", \"gama\": 1}",
                "optimizer.schedule.gama: unknown key for a \"cosine\" schedule; did you mean "
                "\"gamma\"?",
                NULL);
}
END_TEST

/* ---------------------------------------------------------------- the reference */

/* The reference names the row (its full path; a layer's keys by name). */
static void check_listed(const row_at *at, void *arg)
{
    char want[256];
    snprintf(want, sizeof want, "| `%s` |", at->module < 0 ? at->set : at->k->name);
    ck_assert_msg(strstr(arg, want), "the reference lacks a row %s", want);
}

START_TEST(test_reference_lists_every_row)
{
    char *text = NULL;
    size_t len = 0;
    nn_error err = {0};
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(nn_config_write_reference(f, NN_REF_MARKDOWN, &err), NN_OK);
    ck_assert_int_eq(fclose(f), 0);
    each_row(check_listed, text);
    for (size_t i = 0; nn_activations[i]; i++) {
        char want[80];
        snprintf(want, sizeof want, "| `%s` |", nn_activations[i]->name);
        ck_assert_msg(strstr(text, want), "the reference lacks %s", want);
    }
    free(text);
}
END_TEST

START_TEST(test_reference_doc_up_to_date)
{
    ck_assert_msg(th_config_doc_check(DOC_PATH) == 0,
                  DOC_PATH "'s key tables differ from the config's rows: run `make docs`");
}
END_TEST

START_TEST(test_reference_splice)
{
    nn_error err = {0};
    char *text = NULL;
    ck_assert_int_eq(
        nn_config_splice_reference("# x\nno markers\n", "a.md", NN_REF_MARKDOWN, &text, &err),
        NN_ECONFIG);
    ck_assert_ptr_null(text);
    ck_assert_msg(strstr(err.msg, "a.md: expected the lines <!-- generated: config keys"), "%s",
                  err.msg);
    static const char doc[] = "# head\n<!-- generated: config keys (make docs) -->\nstale text\n"
                              "<!-- end generated -->\ntail\n";
    ck_assert_int_eq(nn_config_splice_reference(doc, "a.md", NN_REF_MARKDOWN, &text, &err), NN_OK);
    ck_assert_msg(strncmp(text, "# head\n<!-- generated: config keys (make docs) -->\n\n", 52) == 0,
                  "%s", text);
    ck_assert_ptr_null(strstr(text, "stale text"));
    ck_assert_ptr_nonnull(strstr(text, "| `optimizer.schedule.gamma` |"));
    size_t n = strlen(text);
    ck_assert_str_eq(text + n - strlen("\n<!-- end generated -->\ntail\n"),
                     "\n<!-- end generated -->\ntail\n");
    free(text);
}
END_TEST

Suite *config_schema_suite(void)
{
    Suite *s = suite_create("config_schema");
    TCase *tc = tcase_create("config_schema");
    tcase_add_test(tc, test_every_row);
    tcase_add_test(tc, test_unknown_key_in_a_variant);
    tcase_add_test(tc, test_reference_lists_every_row);
    tcase_add_test(tc, test_reference_doc_up_to_date);
    tcase_add_test(tc, test_reference_splice);
    suite_add_tcase(s, tc);
    return s;
}
