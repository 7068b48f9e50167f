/* main.c - runs every suite of suites.h, lists what was skipped and why, and ends with the
 * line "N passed, N failed, N skipped" (skipped tests are not counted as passed). The exit
 * status is 0 only when nothing failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nntrain.h"
#include "suites.h"
#include "support/cases.h"

/* --tables: the tables of this build (the test-only entries included) as JSON; --cases:
 * the contract tests' cases; both for scripts/torch-reference.py. */
static int print_for_scripts(const char *what)
{
    nn_error err;
    if (strcmp(what, "--cases") == 0) {
        th_cases_json(stdout);
        return EXIT_SUCCESS;
    }
    if (strcmp(what, "--tables") == 0 && nn_config_write_tables(stdout, &err) == NN_OK)
        return EXIT_SUCCESS;
    fprintf(stderr, "usage: test_nntrain [--tables | --cases]\n");
    return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return print_for_scripts(argv[1]);
    th_skips skips = {0};
    SRunner *sr = srunner_create(NULL);
#define ADD(name) srunner_add_suite(sr, name##_suite());
#define ADD_K(name) srunner_add_suite(sr, name##_suite(&skips));
    TH_SUITES(ADD, ADD_K)
#undef ADD
#undef ADD_K
    srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
    int run = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    fflush(stdout);
    th_skips_print(&skips, stdout);
    printf("%d passed, %d failed, %zu skipped\n", run - failed, failed, skips.tests);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
