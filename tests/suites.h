/* suites.h - one Check suite per module; test_main.c runs them all. */
#ifndef NN_TEST_SUITES_H
#define NN_TEST_SUITES_H

#include <check.h>

Suite *activation_suite(void);
Suite *sgd_suite(void);
Suite *grad_suite(void);
Suite *gemm_suite(void);
Suite *dead_suite(void);
Suite *train_suite(void);
Suite *cli_suite(void);
Suite *config_suite(void);
Suite *idx_suite(void);
Suite *dataset_suite(void);
Suite *png_fast_suite(void);
Suite *image_folder_suite(void);
Suite *folder_scan_suite(void);
Suite *folder_decode_suite(void);
Suite *export_suite(void);

#endif
