/* team.c - the team size under shared cores (team.h). */
#include "sys/team.h"

enum {
    TEAM_WINDOW = 16, /* recent regions looked at */
    TEAM_LATE = 3,    /* late ones among them that shrink the team */
    TEAM_SETTLED = 64 /* regions without shrinking after which a size counts as good */
};

/* A descheduled thread misses a scheduler time slice (milliseconds); threads that all run
 * finish within about one unit of work of each other (tens of microseconds). */
#define TEAM_SPREAD_MIN 0.0005
#define TEAM_PAUSE_MIN 0.05
#define TEAM_PAUSE_MAX 2.0
/* CPU samples of at least 2 ms (a few time slices); below 85% of the wall time the thread
 * waited for a core (on an idle machine a computing thread gets nearly all of it). */
#define TEAM_SAMPLE 0.002
#define TEAM_CPU_SHARE 0.85

void nn_team_init(nn_team *t, int max)
{
    *t = (nn_team){.max = max > 1 ? max : 1, .pause = TEAM_PAUSE_MIN};
    t->size = t->max;
}

static void set_size(nn_team *t, int size)
{
    t->size = size;
    t->late = 0;
    t->seen = 0;
    t->wall0 = 0.0;
}

int nn_team_size(nn_team *t, double now)
{
    if (t->size < t->max && now >= t->probe)
        set_size(t, t->max);
    return t->size;
}

static int popcount(uint32_t v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

void nn_team_report(nn_team *t, int late, double now)
{
    t->late = (t->late << 1 | (late != 0)) & ((1u << TEAM_WINDOW) - 1);
    if (popcount(t->late) >= TEAM_LATE) {
        /* A shrink straight after trying the full size: the cores are still shared. */
        int failed_try = t->size == t->max && t->seen < TEAM_SETTLED;
        if (t->size == t->max)
            t->probe = now + t->pause;
        if (failed_try)
            t->pause = t->pause * 2 < TEAM_PAUSE_MAX ? t->pause * 2 : TEAM_PAUSE_MAX;
        set_size(t, t->size / 2 > 1 ? t->size / 2 : 1);
        return;
    }
    if (t->seen < TEAM_SETTLED && ++t->seen == TEAM_SETTLED && t->size == t->max)
        t->pause = TEAM_PAUSE_MIN;
}

int nn_team_late(double start, double first, double last)
{
    double spread = last - first;
    return spread > TEAM_SPREAD_MIN && spread > first - start;
}

int nn_team_starved(nn_team *t, double now, double (*cpu)(void))
{
    if (t->wall0 > 0.0 && now - t->wall0 < TEAM_SAMPLE)
        return 0;
    double c = cpu();
    int starved = t->wall0 > 0.0 && c - t->cpu0 < TEAM_CPU_SHARE * (now - t->wall0);
    t->wall0 = now;
    t->cpu0 = c;
    return starved;
}
