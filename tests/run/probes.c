/* run/probes.c - the probe's extra outputs in whole runs on synthetic data: the rows of
 * the probe every N steps (count, epochs, and the same counts as the epoch probe at an
 * epoch's last step), a CSV byte-identical with and without it, a blow-up it finds as a
 * divergence, the per-unit CSV, and the status file's revived and max_dead_frac against what
 * the per-unit CSV shows. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture.h"
#include "support/helpers.h"
#include "nntrain.h"
#include "suites.h"

/* 300 training samples in batches of 32: 10 steps an epoch; 3 epochs; two activation
 * modules of 16 units (1: leaky_relu, 3: elu); bias_init of the first dense layer. */
static void parse(nn_config *cfg, const char *bias_init)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"seed\": 4, \"data\": {\"format\": \"idx\", \"train_images\": "
             "\"-\", \"train_labels\": \"-\", \"test_images\": \"-\", \"test_labels\": \"-\"},"
             " \"model\": [{\"type\": \"dense\", \"units\": 16, \"bias_init\": %s},"
             " {\"type\": \"leaky_relu\"}, {\"type\": \"dense\", \"units\": 16},"
             " {\"type\": \"elu\"}, {\"type\": \"dense\", \"units\": 5}],"
             " \"optimizer\": {\"lr\": 0.05, \"momentum\": 0.9},"
             " \"train\": {\"epochs\": 3, \"batch_size\": 32}, \"output\": {\"csv\": \"-\"}}",
             bias_init);
    nn_error err;
    ck_assert_msg(nn_config_parse(cfg, json, "test.json", NULL, 0, &err) == NN_OK, "%s", err.msg);
}

/* Runs on synthetic data with the CSV at dir/name.csv, every_steps and output.units (NULL:
 * none) set; returns the status. */
static nn_status run(const char *dir, const char *name, size_t every_steps, const char *units,
                     const char *bias_init, nn_error *err)
{
    nn_config cfg;
    parse(&cfg, bias_init);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    ck_assert_int_eq(nn_config_set_csv(&cfg, path, NULL), NN_OK);
    cfg.dead.every_steps = every_steps;
    if (units) {
        snprintf(path, sizeof path, "%s/%s", dir, units);
        cfg.units = strdup(path);
    }
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 300, 10, 5, 11), 0);
    ck_assert_int_eq(th_synthetic(&test, 100, 10, 5, 12), 0);
    nn_status st = nn_train_on(&cfg, &train, &test, NULL, err);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
    return st;
}

/* The line of s starting with prefix (NULL when none), up to its newline, copied to out. */
static int find_line(const char *s, const char *prefix, char *out, size_t len)
{
    size_t n = strlen(prefix);
    for (const char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, prefix, n) == 0) {
            size_t l = strcspn(p, "\n");
            snprintf(out, len, "%.*s", (int)l, p);
            return 1;
        }
    return 0;
}

/* every_steps 5: 30 steps give 6 rows (steps 5..30); the row of step 10 (epoch 1's last)
 * has the counts of the CSV's epoch-1 row (same model, same probe set); the CSV is
 * byte-identical to one without the probe, seconds aside. every_steps 7: 4 rows, epochs
 * 1, 2, 3, 3. */
START_TEST(test_every_steps)
{
    char *dir = th_tmpdir();
    ck_assert_ptr_nonnull(dir);
    nn_error err;
    ck_assert_msg(run(dir, "off", 0, NULL, "0", &err) == NN_OK, "%s", err.msg);
    ck_assert_msg(run(dir, "on", 5, NULL, "0", &err) == NN_OK, "%s", err.msg);
    ck_assert_msg(run(dir, "seven", 7, NULL, "0", &err) == NN_OK, "%s", err.msg);
    char *off = th_read_in(dir, "off.csv"), *on = th_read_in(dir, "on.csv");
    th_strip_last_column(off);
    th_strip_last_column(on);
    ck_assert_str_eq(off, on);
    char path[512];
    snprintf(path, sizeof path, "%s/off.steps.csv", dir);
    ck_assert_ptr_null(th_slurp(path)); /* no probe, no file */

    char *steps = th_read_in(dir, "on.steps.csv");
    ck_assert_uint_eq(th_count_lines(steps), 1 + 6);
    ck_assert_msg(strncmp(steps, "epoch,step,dead,dead_frac,dead_1,dead_3,constant_output\n", 56) ==
                      0,
                  "%s", steps);
    for (size_t k = 1; k <= 6; k++) {
        char prefix[32], line[256];
        snprintf(prefix, sizeof prefix, "%zu,%zu,", (5 * k - 1) / 10 + 1, 5 * k);
        ck_assert_msg(find_line(steps, prefix, line, sizeof line), "no row %s in:\n%s", prefix,
                      steps);
    }
    /* Step 10's counts against the CSV's epoch-1 row: dead,dead_frac,dead_1,dead_3,constant. */
    char row[256], csv_row[256];
    ck_assert(find_line(steps, "1,10,", row, sizeof row));
    ck_assert(find_line(on, "1,10,", csv_row, sizeof csv_row));
    const char *tail = csv_row;
    for (int comma = 0; comma < 7; comma++) /* epoch..test_acc */
        tail = strchr(tail, ',') + 1;
    ck_assert_str_eq(row + strlen("1,10,"), tail);
    free(steps);

    steps = th_read_in(dir, "seven.steps.csv");
    ck_assert_uint_eq(th_count_lines(steps), 1 + 4);
    const char *want[4] = {"1,7,", "2,14,", "3,21,", "3,28,"};
    for (int k = 0; k < 4; k++) {
        char line[256];
        ck_assert_msg(find_line(steps, want[k], line, sizeof line), "no row %s", want[k]);
    }
    free(steps);
    free(off);
    free(on);
    th_rmdir(dir);
    free(dir);
}
END_TEST

/* A CSV on stdout leaves the step rows nowhere, and a per-unit CSV on the CSV's path would
 * overwrite it: both refused before anything is written. */
START_TEST(test_every_steps_needs_a_file)
{
    nn_config cfg;
    parse(&cfg, "0");
    cfg.dead.every_steps = 3;
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 300, 10, 5, 11), 0);
    ck_assert_int_eq(th_synthetic(&test, 100, 10, 5, 12), 0);
    nn_error err;
    ck_assert_int_eq(nn_train_on(&cfg, &train, &test, NULL, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "dead_units.every_steps") && strstr(err.msg, "stdout"), "%s",
                  err.msg);
    cfg.dead.every_steps = 0;
    cfg.units = strdup("-");
    ck_assert_int_eq(nn_train_on(&cfg, &train, &test, NULL, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "output.units: \"-\" is the CSV's path too"), "%s", err.msg);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
}
END_TEST

/* A probe every step on a run at lr 1000: the probe sees the blow-up before the next
 * batch's loss does, and stops the run as diverged at that step. */
START_TEST(test_every_steps_divergence)
{
    nn_config cfg;
    parse(&cfg, "0");
    char *dir = th_tmpdir();
    ck_assert_ptr_nonnull(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/d.csv", dir);
    ck_assert_int_eq(nn_config_set_csv(&cfg, path, NULL), NN_OK);
    cfg.optim.lr = 1000;
    cfg.dead.every_steps = 1;
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 300, 10, 5, 11), 0);
    ck_assert_int_eq(th_synthetic(&test, 100, 10, 5, 12), 0);
    nn_error err;
    ck_assert_int_eq(nn_train_on(&cfg, &train, &test, NULL, &err), NN_ETRAIN);
    unsigned long step = 0;
    ck_assert_msg(sscanf(err.msg, "training diverged at epoch 1, step %lu: ", &step) == 1 &&
                      strstr(err.msg, "is NaN or Inf (the probe every N steps)"),
                  "%s", err.msg);
    char *steps = th_read_in(dir, "d.steps.csv");
    ck_assert_uint_eq(th_count_lines(steps), step); /* the header and steps 1..step-1 */
    free(steps);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
    th_rmdir(dir);
    free(dir);
}
END_TEST

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "\"%s\" is not a number", key);
    return v->valuedouble;
}

/* The per-unit CSV of a run whose first layer is born with bias -3: 4 epochs x 32 units
 * plus the header; the units it shows dead at some epoch and active at the last are the
 * status file's "revived"; the largest dead_frac of the CSV is "max_dead_frac". */
START_TEST(test_units_and_revived)
{
    char *dir = th_tmpdir();
    ck_assert_ptr_nonnull(dir);
    nn_error err;
    ck_assert_msg(run(dir, "r", 0, "units/r.csv", "-3", &err) == NN_OK, "%s", err.msg);
    char *units = th_read_in(dir, "units/r.csv");
    ck_assert_uint_eq(th_count_lines(units), 1 + 4 * 32);
    ck_assert(strncmp(units, "epoch,module,unit,active_frac\n", 30) == 0);
    /* unit u of module m: was dead at some epoch, alive at epoch 3 */
    int was_dead[4][16] = {{0}}, alive_last[4][16] = {{0}};
    const char *p = strchr(units, '\n') + 1;
    size_t rows = 0, dead0 = 0;
    for (; *p; p = strchr(p, '\n') + 1, rows++) {
        size_t e, m, u;
        double frac;
        ck_assert_int_eq(sscanf(p, "%zu,%zu,%zu,%lf", &e, &m, &u, &frac), 4);
        ck_assert(e <= 3 && (m == 1 || m == 3) && u < 16 && frac >= 0 && frac <= 1);
        ck_assert_uint_eq(e, rows / 32); /* epochs in order, all units of an epoch */
        was_dead[m][u] |= frac == 0;
        dead0 += e == 0 && m == 1 && frac == 0;
        if (e == 3)
            alive_last[m][u] = frac > 0;
    }
    size_t revived = 0;
    for (size_t m = 1; m <= 3; m += 2)
        for (size_t u = 0; u < 16; u++)
            revived += was_dead[m][u] && alive_last[m][u];

    char *csv = th_read_in(dir, "r.csv");
    double max_frac = 0;
    const char *line = strchr(csv, '\n') + 1;
    for (; *line; line = strchr(line, '\n') + 1) {
        const char *f = line;
        for (int comma = 0; comma < 8; comma++)
            f = strchr(f, ',') + 1;
        max_frac = fmax(max_frac, strtod(f, NULL));
    }
    char *text = th_read_in(dir, "r.status.json");
    cJSON *o = cJSON_Parse(text);
    ck_assert_ptr_nonnull(o);
    ck_assert_msg(number(o, "revived") == (double)revived, "revived %g, the units CSV says %zu",
                  number(o, "revived"), revived);
    ck_assert_double_eq_tol(number(o, "max_dead_frac"), max_frac, 1e-6);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "constant_output")));
    ck_assert_msg(dead0 > 0 && revived > 0, "born dead %zu, revived %zu: the test needs both",
                  dead0, revived);
    cJSON_Delete(o);
    free(text);
    free(csv);
    free(units);
    th_rmdir(dir);
    free(dir);
}
END_TEST

Suite *run_probes_suite(void)
{
    Suite *s = suite_create("run_probes");
    TCase *tc = tcase_create("runs");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_every_steps);
    tcase_add_test(tc, test_every_steps_needs_a_file);
    tcase_add_test(tc, test_every_steps_divergence);
    tcase_add_test(tc, test_units_and_revived);
    suite_add_tcase(s, tc);
    return s;
}
