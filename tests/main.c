/* main.c - runs every suite of suites.h, lists what was skipped and why, and ends with the
 * line "N passed, N failed, N skipped" (skipped tests are not counted as passed). The exit
 * status is 0 only when nothing failed. */
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
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
