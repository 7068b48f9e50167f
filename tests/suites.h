/* suites.h - every Check suite, in the order main.c runs them: one line each. S(name) is
 * a suite built by name_suite(void); K(name) one built by name_suite(th_skips *sk), for a
 * suite that needs something which may be absent (a CPU's kernel, the MNIST files) and
 * records there what it did not register, and why. Adding a suite is one line here. */
#ifndef NN_TEST_SUITES_H
#define NN_TEST_SUITES_H

#include <check.h>

#include "support/helpers.h"

#define TH_SUITES(S, K)                                                                            \
    S(activation)                                                                                  \
    S(sgd)                                                                                         \
    S(team)                                                                                        \
    S(grad)                                                                                        \
    S(contract)                                                                                    \
    S(contract_optim)                                                                              \
    S(init_dist)                                                                                   \
    K(gemm)                                                                                        \
    K(vexp)                                                                                        \
    S(dead)                                                                                        \
    S(dead_counts)                                                                                 \
    S(run_probes)                                                                                  \
    K(train)                                                                                       \
    S(torch_train)                                                                                 \
    S(status)                                                                                      \
    S(cli)                                                                                         \
    S(config)                                                                                      \
    S(config_errors)                                                                               \
    S(overrides)                                                                                   \
    S(config_schema)                                                                               \
    S(tables)                                                                                      \
    K(idx)                                                                                         \
    S(dataset)                                                                                     \
    S(png_fast)                                                                                    \
    K(image_folder)                                                                                \
    S(folder_scan)                                                                                 \
    S(folder_decode)                                                                               \
    S(export)                                                                                      \
    S(sweep)                                                                                       \
    S(sweep_files)                                                                                 \
    S(sweep_share)                                                                                 \
    S(outputs)                                                                                     \
    S(records)                                                                                     \
    S(rng)                                                                                         \
    S(checkpoint)                                                                                  \
    S(resume)                                                                                      \
    K(resume_cli)                                                                                  \
    S(bounded)                                                                                     \
    S(fuzz_found)                                                                                  \
    S(eval)                                                                                        \
    K(plot)                                                                                        \
    K(safetensors)                                                                                 \
    S(locate)                                                                                      \
    K(fetch)                                                                                       \
    K(rows)                                                                                        \
    S(messages)                                                                                    \
    K(install)                                                                                     \
    K(hostile)

#define TH_DECLARE(name) Suite *name##_suite(void);
#define TH_DECLARE_K(name) Suite *name##_suite(th_skips *sk);
TH_SUITES(TH_DECLARE, TH_DECLARE_K)
#undef TH_DECLARE
#undef TH_DECLARE_K

#endif
