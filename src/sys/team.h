/* team.h - how many threads a parallel step should use now: all of them while they run
 * together, fewer while the cores are shared with other processes. A thread that is not
 * running (another process has its core) makes the others wait for it at the end of every
 * parallel region, and waiting threads that spin take the cores from the other processes.
 * A region is "late" when its threads finished far apart or when the calling thread got
 * much less CPU than wall time (it was runnable and waited for a core); a team with
 * several late regions among its recent ones halves for a while, then tries its full size
 * again. */
#ifndef NN_TEAM_H
#define NN_TEAM_H

#include <stdint.h>

typedef struct nn_team {
    int max;            /* threads configured */
    int size;           /* threads to use now, 1 .. max */
    double probe;       /* when size < max: the time to try max again */
    double pause;       /* how long the next shrink lasts (doubles while tries fail) */
    uint32_t late;      /* one bit per recent region at this size, 1 = late */
    int seen;           /* regions reported at this size (up to TEAM_SETTLED) */
    double wall0, cpu0; /* the start of the current CPU sample (wall0 0: none yet) */
} nn_team;

void nn_team_init(nn_team *t, int max);

/* The threads to use for a region starting at time now (seconds, nn_now's clock). */
int nn_team_size(nn_team *t, double now);

/* Reports a region that ran with nn_team_size's threads: late when its threads finished
 * far apart (one was not running while the others had run out of work). */
void nn_team_report(nn_team *t, int late, double now);

/* Whether the calling thread is starved of CPU: each call at least TEAM_SAMPLE seconds
 * after the sample began compares cpu() (its CPU seconds, nn_thread_cpu) with the wall
 * time and starts a new sample; calls in between return 0 without calling cpu. */
int nn_team_starved(nn_team *t, double now, double (*cpu)(void));

/* Whether threads that finished at first and last (seconds) after a region's start at
 * start make it late. */
int nn_team_late(double start, double first, double last);

#endif
