/* claim.h - one output folder shared by several sweep processes, on this machine or on
 * several machines over a shared file system (docs/sweep.md, "Sharing a folder").
 *
 * Each unit of work (a training run; an untrained combination) is claimed before it is
 * done: its claim file (out/NAME.claim, out/results/COMBO.claim) is created atomically,
 * written whole under a name of its own and then hard-linked into place (link(2) is atomic
 * over NFS too; where links are refused, open with O_CREAT | O_EXCL), and names the
 * holder: {"host": ..., "pid": ..., "start": ..., "boot": ...}. Whoever creates it does
 * the unit, then removes it. A claim whose holder is on this host (same name) and dead (no
 * such pid, a pid reused by a process started later, or another boot) is stale: it is
 * removed and claimed again, under a lock of out/sweep.lock (fcntl) so that two processes
 * never both take one over. A claim of another host is never taken over: its holder may
 * still be running.
 *
 * out/sweep.lock also orders the summaries: a process writes the summary (and draws the
 * plots) holding it, so the last to take it has seen every run finished before. */
#ifndef NN_SWEEP_CLAIM_H
#define NN_SWEEP_CLAIM_H

#include <pthread.h>
#include <stddef.h>

#include "sys/error.h"

/* A process that may hold claims. */
typedef struct nn_sweep_owner {
    char host[256];
    long pid;
    unsigned long long start; /* its start time in clock ticks after boot (0: unknown) */
    char boot[40];            /* the kernel's boot id ("" when unknown) */
} nn_sweep_owner;

/* This process. */
void nn_sweep_owner_self(nn_sweep_owner *o);

/* What a claim file says of its holder, seen from o's host. */
typedef enum nn_claim_state {
    NN_CLAIM_FREE,    /* no claim */
    NN_CLAIM_STALE,   /* a dead process of this host */
    NN_CLAIM_LIVE,    /* a live process of this host (o itself included) */
    NN_CLAIM_REMOTE,  /* a process of another host: alive or not, nobody here can tell */
    NN_CLAIM_UNKNOWN, /* a claim that cannot be read (being written, or damaged) */
} nn_claim_state;

/* The state of the claim at path; *text its content (malloc'ed, NULL when none) when text
 * is not NULL; who (n bytes) the holder as "host H, pid P". */
nn_claim_state nn_sweep_claim_state(const nn_sweep_owner *o, const char *path, char **text,
                                    char *who, size_t n);

/* What a process claiming units keeps. */
typedef struct nn_sweep_share {
    nn_sweep_owner me;
    char *text;     /* this process's claim */
    char *lock;     /* out/sweep.lock */
    int lock_fd;    /* -1 until a takeover needs it */
    pthread_mutex_t mu; /* fcntl locks belong to the process: its threads take turns */
    unsigned long seq;  /* unique temporary names */
} nn_sweep_share;

nn_status nn_sweep_share_open(nn_sweep_share *sh, const char *out, nn_error *err);
/* Closes an opened share; one zeroed and never opened holds nothing. */
void nn_sweep_share_close(nn_sweep_share *sh);

typedef enum nn_claim_result {
    NN_CLAIMED, /* the claim is ours: do the unit, then nn_sweep_release */
    NN_BUSY,    /* another process holds it (who names it) */
    NN_CLAIM_FAILED,
} nn_claim_result;

/* Claims the unit whose claim file is path, taking over a stale claim. */
nn_claim_result nn_sweep_claim(nn_sweep_share *sh, const char *path, char *who, size_t n,
                               nn_error *err);
/* Removes our claim at path (a claim of another process is left alone). */
void nn_sweep_release(nn_sweep_share *sh, const char *path);

/* The folder lock alone, for the summary and plots: nn_sweep_lock (sweep.h). Within a
 * process it must not overlap a share's takeovers (fcntl locks are per process). */

#endif
