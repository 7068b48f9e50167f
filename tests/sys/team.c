/* sys/team.c - the team size under shared cores (sys/team.h), on a simulated clock:
 * regions reported late (a thread was not running) shrink the team for a pause, after
 * which it tries its full size again; on-time regions keep it whole. */
#include "sys/team.h"
#include "suites.h"

/* Reports n regions, 1 ms apart, the first 1 ms after *now, and leaves *now at the last;
 * returns the size used by the last one. */
static int run_regions(nn_team *t, int n, int late, double *now)
{
    int size = 0;
    for (int i = 0; i < n; i++) {
        *now += 0.001;
        size = nn_team_size(t, *now);
        if (size > 1)
            nn_team_report(t, late, *now);
    }
    return size;
}

/* Threads that all ran finish within a unit of work of each other: not late; one that
 * finishes milliseconds after the others ran out is, unless the product itself is long. */
START_TEST(test_late_means_a_thread_missed_its_turn)
{
    ck_assert(!nn_team_late(0.0, 0.0001, 0.00015));
    ck_assert(!nn_team_late(0.0, 0.0001, 0.0004)); /* 0.3 ms: below a time slice */
    ck_assert(nn_team_late(0.0, 0.0001, 0.004));
    ck_assert(!nn_team_late(0.0, 0.010, 0.012)); /* 2 ms late on a 10 ms product */
    ck_assert(nn_team_late(0.0, 0.010, 0.025));
}
END_TEST

/* An idle machine: the team stays whole, even with a late region now and then (a thread
 * woken from sleep, an interrupt). */
START_TEST(test_idle_keeps_the_full_team)
{
    nn_team t;
    nn_team_init(&t, 2);
    double now = 0.0;
    ck_assert_int_eq(run_regions(&t, 1000, 0, &now), 2);
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(run_regions(&t, 1, 1, &now), 2);
        ck_assert_int_eq(run_regions(&t, 15, 0, &now), 2);
    }
}
END_TEST

/* Simulated oversubscription: every region late. The team drops to one thread after
 * three, tries two threads again after the pause, and pauses twice as long each time the
 * try fails (up to 2 s); once the cores are free again it stays whole and the pause is
 * back to 50 ms. */
START_TEST(test_shared_cores_shrink_then_retry)
{
    nn_team t;
    nn_team_init(&t, 2);
    double now = 0.0;
    ck_assert_int_eq(run_regions(&t, 2, 1, &now), 2);
    ck_assert_int_eq(run_regions(&t, 1, 1, &now), 2); /* the third late region */
    ck_assert_int_eq(nn_team_size(&t, now), 1);
    double pause = 0.05;
    for (int round = 0; round < 8; round++) {
        double shrunk = now;
        ck_assert_int_eq(nn_team_size(&t, shrunk + pause - 0.0005), 1);
        now = shrunk + pause;
        ck_assert_int_eq(run_regions(&t, 3, 1, &now), 2); /* the try, late again */
        ck_assert_int_eq(nn_team_size(&t, now), 1);
        pause = pause * 2 < 2.0 ? pause * 2 : 2.0;
    }
    now += 2.0; /* the cores are free again */
    ck_assert_int_eq(run_regions(&t, 200, 0, &now), 2);
    ck_assert_int_eq(run_regions(&t, 3, 1, &now), 2);
    ck_assert_int_eq(nn_team_size(&t, now), 1);
    ck_assert_int_eq(nn_team_size(&t, now + 0.05), 2);
}
END_TEST

/* A larger team halves step by step while its regions stay late; one thread never
 * reports. */
START_TEST(test_large_team_halves)
{
    nn_team t;
    nn_team_init(&t, 8);
    double now = 0.0;
    ck_assert_int_eq(run_regions(&t, 3, 1, &now), 8);
    ck_assert_int_eq(run_regions(&t, 3, 1, &now), 4);
    ck_assert_int_eq(run_regions(&t, 3, 1, &now), 2);
    ck_assert_int_eq(run_regions(&t, 40, 1, &now), 1);
    nn_team one;
    nn_team_init(&one, 1);
    ck_assert_int_eq(nn_team_size(&one, 0.0), 1);
    nn_team_init(&one, 0);
    ck_assert_int_eq(nn_team_size(&one, 0.0), 1);
}
END_TEST

/* A fake thread CPU clock, set by the test. */
static double fake_cpu_now;
static int fake_calls;
static double fake_cpu(void)
{
    fake_calls++;
    return fake_cpu_now;
}

/* The CPU sample: none until one began, then one per 2 ms; starved below 85% of the wall
 * time (the thread waited for a core), as when two threads of each of two processes share
 * two cores and spinning waiters win their time slices. */
START_TEST(test_starved_thread)
{
    nn_team t;
    nn_team_init(&t, 2);
    fake_calls = 0;
    fake_cpu_now = 5.0;
    ck_assert(!nn_team_starved(&t, 1.0, fake_cpu)); /* the first sample begins */
    fake_cpu_now = 5.001;
    ck_assert(!nn_team_starved(&t, 1.001, fake_cpu));
    ck_assert_int_eq(fake_calls, 1); /* within the sample: no system call */
    fake_cpu_now = 5.003;
    ck_assert(!nn_team_starved(&t, 1.003, fake_cpu)); /* all of the wall time */
    fake_cpu_now = 5.003 + 0.9 * 0.01;
    ck_assert(!nn_team_starved(&t, 1.013, fake_cpu)); /* 90% */
    fake_cpu_now += 0.66 * 0.01;
    ck_assert(nn_team_starved(&t, 1.023, fake_cpu)); /* two thirds */
    ck_assert_int_eq(fake_calls, 4);
}
END_TEST

Suite *team_suite(void)
{
    Suite *s = suite_create("team");
    TCase *tc = tcase_create("shared cores");
    tcase_add_test(tc, test_late_means_a_thread_missed_its_turn);
    tcase_add_test(tc, test_idle_keeps_the_full_team);
    tcase_add_test(tc, test_shared_cores_shrink_then_retry);
    tcase_add_test(tc, test_large_team_halves);
    tcase_add_test(tc, test_starved_thread);
    suite_add_tcase(s, tc);
    return s;
}
