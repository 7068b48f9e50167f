/* suites.h - one Check suite per module; main.c runs them all. A suite that needs
 * something which may be absent (a CPU's kernel, the MNIST files) takes a th_skips and
 * records there what it did not register, and why. */
#ifndef NN_TEST_SUITES_H
#define NN_TEST_SUITES_H

#include <check.h>

#include "support/helpers.h"

Suite *activation_suite(void);
Suite *sgd_suite(void);
Suite *team_suite(void);
Suite *grad_suite(void);
Suite *gemm_suite(th_skips *sk);
Suite *vexp_suite(th_skips *sk);
Suite *dead_suite(void);
Suite *dead_counts_suite(void);
Suite *run_probes_suite(void);
Suite *train_suite(void);
Suite *status_suite(void);
Suite *cli_suite(void);
Suite *config_suite(void);
Suite *config_errors_suite(void);
Suite *config_schema_suite(void);
Suite *idx_suite(th_skips *sk);
Suite *dataset_suite(void);
Suite *png_fast_suite(void);
Suite *image_folder_suite(th_skips *sk);
Suite *folder_scan_suite(void);
Suite *folder_decode_suite(void);
Suite *export_suite(void);
Suite *sweep_suite(void);
Suite *outputs_suite(void);
Suite *rng_suite(void);
Suite *checkpoint_suite(void);
Suite *bounded_suite(void);
Suite *fuzz_found_suite(void);
Suite *eval_suite(void);
Suite *plot_suite(th_skips *sk);
Suite *safetensors_suite(th_skips *sk);
Suite *locate_suite(void);
Suite *fetch_suite(th_skips *sk);
Suite *install_suite(th_skips *sk);
Suite *hostile_suite(th_skips *sk);

#endif
