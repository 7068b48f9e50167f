/* test_main.c - runs every suite; exit status 0 only when all pass. */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
    Suite *(*const suites[])(void) = {
        activation_suite,
        sgd_suite,
        grad_suite,
        gemm_suite,
        dead_suite,
        train_suite,
        cli_suite,
        config_suite,
        idx_suite,
        dataset_suite,
        png_fast_suite,
        image_folder_suite,
        folder_scan_suite,
        folder_decode_suite,
        export_suite,
    };
    SRunner *sr = srunner_create(NULL);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        srunner_add_suite(sr, suites[i]());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
