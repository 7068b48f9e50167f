/* math/rng.c - many normal draws at once (nn_rng_normal_floats) are bit for bit the floats
 * of one draw at a time, for several scales, seeds and lengths (the fast path's rounding
 * check and its fallback both run: about one value in 5000 takes the fallback). */
#include <stdlib.h>
#include <string.h>

#include "math/rng.h"
#include "suites.h"

START_TEST(test_normal_floats_bitwise)
{
    static const double scales[] = {1.0, 0.05050762722761054, 1.0 / 3.0, 7.5, -0.25};
    static const size_t lengths[] = {1, 7, 8, 255, 256, 1000, 1 << 19};
    float *a = malloc((1 << 19) * sizeof *a), *b = malloc((1 << 19) * sizeof *b);
    size_t checked = 0;
    for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++)
        for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
            size_t n = lengths[li];
            nn_rng r1, r2;
            nn_rng_seed(&r1, 11 + si, 1);
            nn_rng_seed(&r2, 11 + si, 1);
            nn_rng_normal_floats(&r1, scales[si], a, n);
            for (size_t i = 0; i < n; i++)
                b[i] = (float)(scales[si] * nn_rng_normal(&r2));
            for (size_t i = 0; i < n; i++)
                ck_assert_msg(memcmp(&a[i], &b[i], sizeof a[i]) == 0,
                              "scale %g, n %zu, value %zu: %a, one at a time %a", scales[si], n,
                              i, (double)a[i], (double)b[i]);
            /* Both generators are at the same place afterwards. */
            ck_assert_uint_eq(nn_rng_next(&r1), nn_rng_next(&r2));
            checked += n;
        }
    ck_assert_uint_gt(checked, 2000000);
    free(a);
    free(b);
}
END_TEST

Suite *rng_suite(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("rng");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_normal_floats_bitwise);
    suite_add_tcase(s, tc);
    return s;
}
