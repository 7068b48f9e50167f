/* hostile/suite.c - the hostile-input catalogue as one suite, "hostile": a test case (a
 * loop test) per input kind, one iteration per row of its table (tests/hostile/). Cases on
 * permissions are skipped as root, those on real MNIST when data/mnist is absent. */
#include <check.h>
#include <stdio.h>
#include <unistd.h>

#include "hostile.h"
#include "suites.h"

#define HX_TEST(t)                                                                                 \
    START_TEST(test_hostile_##t)                                                                   \
    {                                                                                              \
        hx_run_case(&hx_##t##_table, (size_t)_i);                                                  \
    }                                                                                              \
    END_TEST

HX_TEST(config)
HX_TEST(set)
HX_TEST(cli)
HX_TEST(idx)
HX_TEST(folder)
HX_TEST(ckpt)
HX_TEST(sweep)
HX_TEST(outputs)
HX_TEST(signal)
HX_TEST(perm)
HX_TEST(mnist)

static void add(Suite *s, const hx_table *t, const TTest *test, size_t *total)
{
    TCase *tc = tcase_create(t->kind);
    tcase_add_checked_fixture(tc, hx_setup, hx_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test, 0, (int)t->n);
    suite_add_tcase(s, tc);
    printf("%s %s %zu", *total ? "," : "hostile cases:", t->kind, t->n);
    *total += t->n;
}

Suite *hostile_suite(th_skips *sk)
{
    Suite *s = suite_create("hostile");
    size_t total = 0;
    add(s, &hx_config_table, test_hostile_config, &total);
    add(s, &hx_set_table, test_hostile_set, &total);
    add(s, &hx_cli_table, test_hostile_cli, &total);
    add(s, &hx_idx_table, test_hostile_idx, &total);
    add(s, &hx_folder_table, test_hostile_folder, &total);
    add(s, &hx_ckpt_table, test_hostile_ckpt, &total);
    add(s, &hx_sweep_table, test_hostile_sweep, &total);
    add(s, &hx_outputs_table, test_hostile_outputs, &total);
    add(s, &hx_signal_table, test_hostile_signal, &total);
    if (geteuid() != 0)
        add(s, &hx_perm_table, test_hostile_perm, &total);
    else
        th_skip(sk, "hostile", "perm", hx_perm_table.n,
                "running as root: permissions do not apply");
    char why[256];
    if (th_mnist_dir(why, sizeof why))
        add(s, &hx_mnist_table, test_hostile_mnist, &total);
    else
        th_skip(sk, "hostile", "mnist", hx_mnist_table.n, why);
    printf("; %zu in all\n", total);
    return s;
}
