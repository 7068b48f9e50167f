/* data/dataset.c - batch assembly (gather, labels, bit-exact normalization as
 * torchvision computes it in float32), pixel statistics, and freeing. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "suites.h"

START_TEST(batch_fill_bit_exact)
{
    /* Unit scale: x = p / 255, exactly as float32 division gives it. */
    uint8_t every[256];
    float every_x[256];
    size_t zero = 0;
    for (int p = 0; p < 256; p++)
        every[p] = (uint8_t)p;
    nn_dataset all = {.n = 1, .rows = 1, .cols = 256, .channels = 1, .dim = 256, .pixels = every};
    const nn_norm unit_norm = nn_norm_make(0.0f, 1.0f);
    nn_batch_fill(&all, &zero, 1, &unit_norm, every_x, NULL);
    for (int p = 0; p < 256; p++) /* bit-exact ToTensor: p / 255 in float32 */
        ck_assert(memcmp(&every_x[p], &(float){(float)p / 255.0f}, sizeof(float)) == 0);
    /* Bit-exact Normalize with MNIST's usual statistics, at every pixel value and at
     * positions that the 16-wide path and the scalar tail both see (256 + 7 features). */
    static uint8_t tail[263];
    static float tail_x[263];
    for (int p = 0; p < 263; p++)
        tail[p] = (uint8_t)((p * 37) & 255);
    nn_dataset odd = {.n = 1, .rows = 1, .cols = 263, .channels = 1, .dim = 263, .pixels = tail};
    const nn_norm mnist = nn_norm_make(0.1307f, 0.3081f);
    nn_batch_fill(&odd, &zero, 1, &mnist, tail_x, NULL);
    for (int p = 0; p < 263; p++) {
        float want = ((float)tail[p] / 255.0f - 0.1307f) / 0.3081f;
        ck_assert(memcmp(&tail_x[p], &want, sizeof(float)) == 0);
    }
    /* The computed conversion (when nn_norm_make found it exact) and the table lookup
     * give the same bits, for the normalizations the configs use and a few others. */
    const float stats[][2] = {{0.0f, 1.0f},       {0.1307f, 0.3081f}, {0.2860f, 0.3530f},
                              {0.5f, 0.5f},       {0.5f, 0.25f},      {0.1f, 3.0f},
                              {-0.25f, 0.0625f}};
    for (size_t s = 0; s < sizeof stats / sizeof stats[0]; s++) {
        nn_norm computed = nn_norm_make(stats[s][0], stats[s][1]), looked_up = computed;
        looked_up.arith_exact = 0;
        static float via_table[263];
        nn_batch_fill(&odd, &zero, 1, &computed, tail_x, NULL);
        nn_batch_fill(&odd, &zero, 1, &looked_up, via_table, NULL);
        for (int p = 0; p < 263; p++) {
            float want = ((float)tail[p] / 255.0f - stats[s][0]) / stats[s][1];
            ck_assert(memcmp(&tail_x[p], &want, sizeof(float)) == 0);
            ck_assert(memcmp(&via_table[p], &want, sizeof(float)) == 0);
        }
    }
    ck_assert(nn_norm_make(0.1307f, 0.3081f).arith_exact); /* MNIST's: the fast path */
}
END_TEST

START_TEST(batch_fill_gathers)
{
    uint8_t pixels[3 * 2] = {0, 255, 51, 102, 204, 153};
    int32_t labels[3] = {7, 8, 9};
    nn_dataset ds = {.n = 3,
                     .rows = 1,
                     .cols = 2,
                     .channels = 1,
                     .dim = 2,
                     .pixels = pixels,
                     .labels = labels,
                     .n_classes = 10};
    const size_t idx[4] = {2, 0, 2, 1};
    float x[8];
    int32_t y[4];
    const nn_norm unit_norm = nn_norm_make(0.0f, 1.0f);
    nn_batch_fill(&ds, idx, 4, &unit_norm, x, y);
    const float unit[8] = {0.8f, 0.6f, 0.0f, 1.0f, 0.8f, 0.6f, 0.2f, 0.4f};
    for (int i = 0; i < 8; i++)
        ck_assert_float_eq_tol(x[i], unit[i], 1e-6f);
    const int32_t want_y[4] = {9, 7, 9, 8};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(y[i], want_y[i]);

    /* Standardized with mean 0.5, std 0.25: x = (p/255 - 0.5) / 0.25. No labels. */
    const nn_norm half = nn_norm_make(0.5f, 0.25f);
    nn_batch_fill(&ds, idx, 2, &half, x, NULL);
    const float std_x[4] = {1.2f, 0.4f, -2.0f, 2.0f};
    for (int i = 0; i < 4; i++)
        ck_assert_float_eq_tol(x[i], std_x[i], 1e-5f);

    /* count 0 writes nothing. */
    x[0] = 42.0f;
    nn_batch_fill(&ds, idx, 0, &unit_norm, x, y);
    ck_assert_float_eq(x[0], 42.0f);
}
END_TEST

START_TEST(stats_hand_computed)
{
    /* p/255 = 0, 0, 1, 0.2: mean 0.3; squared deviations .09 .09 .49 .01, var 0.17. */
    uint8_t pixels[4] = {0, 0, 255, 51};
    nn_dataset ds = {.n = 2, .rows = 1, .cols = 2, .channels = 1, .dim = 2, .pixels = pixels};
    double mean = -1, std = -1;
    nn_dataset_stats(&ds, &mean, &std);
    ck_assert_double_eq_tol(mean, 0.3, 1e-12);
    ck_assert_double_eq_tol(std, sqrt(0.17), 1e-12);

    /* A constant image has std 0; all 255 has mean 1. */
    uint8_t full[6] = {255, 255, 255, 255, 255, 255};
    nn_dataset c = {.n = 3, .rows = 1, .cols = 2, .channels = 1, .dim = 2, .pixels = full};
    nn_dataset_stats(&c, &mean, &std);
    ck_assert_double_eq_tol(mean, 1.0, 1e-12);
    ck_assert_double_eq_tol(std, 0.0, 1e-12);

    /* Empty data set: zeros, no division by zero. */
    nn_dataset none = {0};
    nn_dataset_stats(&none, &mean, &std);
    ck_assert_double_eq(mean, 0.0);
    ck_assert_double_eq(std, 0.0);
}
END_TEST

START_TEST(free_is_idempotent)
{
    nn_dataset ds = {0};
    nn_dataset_free(&ds);
    nn_dataset_free(&ds);
    nn_dataset_free(NULL);
    ds.pixels = malloc(4);
    ds.labels = malloc(4);
    ds.n = 1;
    nn_dataset_free(&ds);
    ck_assert_ptr_null(ds.pixels);
    ck_assert_ptr_null(ds.labels);
    ck_assert_uint_eq(ds.n, 0);
    nn_dataset_free(&ds);
}
END_TEST

Suite *dataset_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *batch = tcase_create("batch");
    tcase_add_test(batch, batch_fill_bit_exact);
    tcase_add_test(batch, batch_fill_gathers);
    tcase_add_test(batch, stats_hand_computed);
    tcase_add_test(batch, free_is_idempotent);
    suite_add_tcase(s, batch);
    return s;
}
