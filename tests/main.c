/* main.c - runs every suite, lists what was skipped and why, and ends with the line
 * "N passed, N failed, N skipped" (skipped tests are not counted as passed). The exit
 * status is 0 only when nothing failed. */
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
    th_skips skips = {0};
    SRunner *sr = srunner_create(NULL);
    srunner_add_suite(sr, activation_suite());
    srunner_add_suite(sr, sgd_suite());
    srunner_add_suite(sr, team_suite());
    srunner_add_suite(sr, grad_suite());
    srunner_add_suite(sr, gemm_suite(&skips));
    srunner_add_suite(sr, vexp_suite(&skips));
    srunner_add_suite(sr, dead_suite());
    srunner_add_suite(sr, dead_counts_suite());
    srunner_add_suite(sr, run_probes_suite());
    srunner_add_suite(sr, train_suite());
    srunner_add_suite(sr, status_suite());
    srunner_add_suite(sr, cli_suite());
    srunner_add_suite(sr, config_suite());
    srunner_add_suite(sr, config_errors_suite());
    srunner_add_suite(sr, config_schema_suite());
    srunner_add_suite(sr, idx_suite(&skips));
    srunner_add_suite(sr, dataset_suite());
    srunner_add_suite(sr, png_fast_suite());
    srunner_add_suite(sr, image_folder_suite(&skips));
    srunner_add_suite(sr, folder_scan_suite());
    srunner_add_suite(sr, folder_decode_suite());
    srunner_add_suite(sr, export_suite());
    srunner_add_suite(sr, sweep_suite());
    srunner_add_suite(sr, outputs_suite());
    srunner_add_suite(sr, rng_suite());
    srunner_add_suite(sr, checkpoint_suite());
    srunner_add_suite(sr, bounded_suite());
    srunner_add_suite(sr, fuzz_found_suite());
    srunner_add_suite(sr, eval_suite());
    srunner_add_suite(sr, plot_suite(&skips));
    srunner_add_suite(sr, safetensors_suite(&skips));
    srunner_add_suite(sr, locate_suite());
    srunner_add_suite(sr, fetch_suite(&skips));
    srunner_add_suite(sr, install_suite(&skips));
    srunner_add_suite(sr, hostile_suite(&skips));
    srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
    int run = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    fflush(stdout);
    th_skips_print(&skips, stdout);
    printf("%d passed, %d failed, %zu skipped\n", run - failed, failed, skips.tests);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
