/* suites.h - one Check suite per module; test_main.c runs them all. */
#ifndef NN_TEST_SUITES_H
#define NN_TEST_SUITES_H

#include <check.h>

Suite *activation_suite(void);
Suite *config_suite(void);
Suite *idx_suite(void);

#endif
