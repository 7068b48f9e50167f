/* claim.c - see claim.h. */
#include "sweep/claim.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sweep/sweep.h"
#include "sys/fs.h"

enum { MAX_CLAIM = 1024 };

/* The first line of a small file (at most n - 1 bytes), without its line end; "" when it
 * cannot be read. */
static void read_line(const char *path, char *buf, size_t n)
{
    buf[0] = '\0';
    FILE *f = nn_fopen_read(path);
    if (!f)
        return;
    if (!fgets(buf, (int)n, f))
        buf[0] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    fclose(f);
}

/* When pid started (ticks after boot, /proc/PID/stat's 22nd field); 0 when unknown; -1
 * when it is a zombie (dead, not yet reaped). */
static long long proc_start(long pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    read_line(path, line, sizeof line);
    const char *p = strrchr(line, ')'); /* the command name may hold anything */
    if (!p)
        return 0;
    char state = '?';
    unsigned long long start = 0;
    /* state is the 3rd field, start time the 22nd: 19 fields between */
    if (sscanf(p + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                      "%*s %llu",
               &state, &start) != 2)
        return 0;
    return state == 'Z' ? -1 : (long long)start;
}

void nn_sweep_owner_self(nn_sweep_owner *o)
{
    memset(o, 0, sizeof *o);
    if (gethostname(o->host, sizeof o->host - 1) != 0 || !o->host[0])
        snprintf(o->host, sizeof o->host, "localhost");
    o->pid = (long)getpid();
    long long start = proc_start(o->pid);
    o->start = start > 0 ? (unsigned long long)start : 0;
    read_line("/proc/sys/kernel/random/boot_id", o->boot, sizeof o->boot);
}

/* o as a claim's text (malloc'ed; NULL when out of memory). */
static char *owner_text(const nn_sweep_owner *o)
{
    cJSON *j = cJSON_CreateObject();
    char *text = NULL;
    if (j && cJSON_AddStringToObject(j, "host", o->host) &&
        cJSON_AddNumberToObject(j, "pid", (double)o->pid) &&
        cJSON_AddNumberToObject(j, "start", (double)o->start) &&
        cJSON_AddStringToObject(j, "boot", o->boot))
        text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return text;
}

/* The holder a claim's text names; 0 when it names none. */
static int parse_owner(const char *text, nn_sweep_owner *o)
{
    memset(o, 0, sizeof *o);
    cJSON *j = cJSON_Parse(text);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "host");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "pid");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "start");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(j, "boot");
    int ok = cJSON_IsString(h) && cJSON_IsNumber(p) && p->valuedouble >= 1 &&
             p->valuedouble < 4194305.0 && cJSON_IsNumber(s) && cJSON_IsString(b) &&
             strlen(h->valuestring) < sizeof o->host && strlen(b->valuestring) < sizeof o->boot;
    if (ok) {
        snprintf(o->host, sizeof o->host, "%s", h->valuestring);
        o->pid = (long)p->valuedouble;
        o->start = s->valuedouble > 0 ? (unsigned long long)s->valuedouble : 0;
        snprintf(o->boot, sizeof o->boot, "%s", b->valuestring);
    }
    cJSON_Delete(j);
    return ok;
}

/* Whether holder h, of o's host, is gone. */
static int holder_dead(const nn_sweep_owner *o, const nn_sweep_owner *h)
{
    if (h->boot[0] && o->boot[0] && strcmp(h->boot, o->boot) != 0)
        return 1; /* another boot: every process of it is gone */
    if (kill((pid_t)h->pid, 0) != 0 && errno == ESRCH)
        return 1;
    long long start = proc_start(h->pid);
    return start < 0 || (start > 0 && h->start > 0 && (unsigned long long)start != h->start);
}

nn_claim_state nn_sweep_claim_state(const nn_sweep_owner *o, const char *path, char **text,
                                    char *who, size_t n)
{
    nn_read_fail why;
    size_t len;
    char *t = nn_read_file(path, MAX_CLAIM, &len, &why);
    if (text)
        *text = NULL;
    snprintf(who, n, "an unreadable claim");
    if (!t && why == NN_READ_OPEN && errno == ENOENT)
        return NN_CLAIM_FREE;
    nn_sweep_owner h;
    nn_claim_state st = NN_CLAIM_UNKNOWN;
    if (t && parse_owner(t, &h)) {
        snprintf(who, n, "host %s, pid %ld", h.host, h.pid);
        st = strcmp(h.host, o->host) != 0 ? NN_CLAIM_REMOTE
             : holder_dead(o, &h)         ? NN_CLAIM_STALE
                                          : NN_CLAIM_LIVE;
    }
    if (text)
        *text = t;
    else
        free(t);
    return st;
}

nn_status nn_sweep_share_open(nn_sweep_share *sh, const char *out, nn_error *err)
{
    memset(sh, 0, sizeof *sh);
    sh->lock_fd = -1;
    nn_sweep_owner_self(&sh->me);
    size_t n = strlen(out) + sizeof "/sweep.lock";
    sh->text = owner_text(&sh->me);
    sh->lock = malloc(n);
    if (!sh->text || !sh->lock) {
        nn_sweep_share_close(sh);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    snprintf(sh->lock, n, "%s/sweep.lock", out);
    pthread_mutex_init(&sh->mu, NULL);
    return NN_OK;
}

void nn_sweep_share_close(nn_sweep_share *sh)
{
    if (sh->lock) { /* opened (a zeroed share holds nothing: fd 0 is not its) */
        if (sh->lock_fd >= 0)
            close(sh->lock_fd);
        pthread_mutex_destroy(&sh->mu);
    }
    free(sh->text);
    free(sh->lock);
    memset(sh, 0, sizeof *sh);
    sh->lock_fd = -1;
}

/* Writes text to a new file path (O_EXCL); 0, or the errno. */
static int write_new(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return errno;
    size_t len = strlen(text);
    int e = write(fd, text, len) == (ssize_t)len ? 0 : errno ? errno : EIO;
    if (close(fd) != 0 && !e)
        e = errno;
    return e;
}

/* Creates the claim path holding sh's text, atomically: 1 created, 0 there already, -1
 * failed (errno). */
static int create_claim(nn_sweep_share *sh, const char *path)
{
    size_t n = strlen(path) + strlen(sh->me.host) + 64;
    char *tmp = malloc(n);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    pthread_mutex_lock(&sh->mu);
    unsigned long seq = sh->seq++;
    pthread_mutex_unlock(&sh->mu);
    snprintf(tmp, n, "%s.%s.%ld.%lu", path, sh->me.host, sh->me.pid, seq);
    int e = write_new(tmp, sh->text), got = -1;
    if (!e) {
        struct stat sb;
        if (link(tmp, path) == 0)
            got = 1;
        else if ((e = errno), stat(tmp, &sb) == 0 && sb.st_nlink == 2)
            got = 1; /* NFS: the link was made, its reply lost */
        else if (e == EEXIST)
            got = 0;
        else if (e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == ENOSYS || e == EMLINK)
            got = (e = write_new(path, sh->text)) == 0 ? 1 : e == EEXIST ? 0 : -1;
        remove(tmp);
    }
    free(tmp);
    errno = e;
    return got;
}

/* Takes the folder lock for a takeover (the mutex, then out/sweep.lock); 0 when there is
 * no lock to be had (the file system has none). */
static int takeover_lock(nn_sweep_share *sh)
{
    pthread_mutex_lock(&sh->mu);
    if (sh->lock_fd < 0)
        sh->lock_fd = open(sh->lock, O_RDWR | O_CREAT, 0644);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int r = -1;
    while (sh->lock_fd >= 0 && (r = fcntl(sh->lock_fd, F_SETLKW, &fl)) != 0 && errno == EINTR)
        ;
    if (r != 0)
        pthread_mutex_unlock(&sh->mu);
    return r == 0;
}

static void takeover_unlock(nn_sweep_share *sh)
{
    struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
    (void)fcntl(sh->lock_fd, F_SETLK, &fl);
    pthread_mutex_unlock(&sh->mu);
}

/* Removes the stale claim at path whose text was seen, if it is still that one: under the
 * lock, so that a claim taken over meanwhile by another process is never removed. 1 when
 * removed (or gone), 0 when it could not be (no lock). */
static int remove_stale(nn_sweep_share *sh, const char *path, const char *seen)
{
    if (!takeover_lock(sh))
        return 0;
    char who[8], *now = NULL;
    nn_claim_state st = nn_sweep_claim_state(&sh->me, path, &now, who, sizeof who);
    if (st == NN_CLAIM_STALE && now && strcmp(now, seen) == 0)
        remove(path);
    free(now);
    takeover_unlock(sh);
    return 1;
}

nn_claim_result nn_sweep_claim(nn_sweep_share *sh, const char *path, char *who, size_t n,
                               nn_error *err)
{
    snprintf(who, n, "another process");
    for (int attempt = 0; attempt < 4; attempt++) { /* then the others are quicker: busy */
        int got = create_claim(sh, path);
        if (got == 1)
            return NN_CLAIMED;
        if (got < 0) {
            nn_fail(err, NN_ESYS, "%s: cannot create the claim: %s", path, strerror(errno));
            return NN_CLAIM_FAILED;
        }
        char *seen = NULL;
        nn_claim_state st = nn_sweep_claim_state(&sh->me, path, &seen, who, n);
        int removed = st == NN_CLAIM_STALE && seen && remove_stale(sh, path, seen);
        free(seen);
        if (st != NN_CLAIM_FREE && !removed) {
            if (st == NN_CLAIM_STALE) /* no lock to take it over safely */
                snprintf(who + strlen(who), n - strlen(who), ", gone; remove %s", path);
            return NN_BUSY;
        }
    }
    return NN_BUSY;
}

void nn_sweep_release(nn_sweep_share *sh, const char *path)
{
    char *text = NULL, who[8];
    nn_sweep_claim_state(&sh->me, path, &text, who, sizeof who);
    if (text && strcmp(text, sh->text) == 0)
        remove(path);
    free(text);
}

int nn_sweep_lock(const nn_sweep *s)
{
    const char *out = s->out;
    size_t n = strlen(out) + sizeof "/sweep.lock";
    char *path = malloc(n);
    if (!path)
        return -1;
    snprintf(path, n, "%s/sweep.lock", out);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    free(path);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int r = -1;
    while (fd >= 0 && (r = fcntl(fd, F_SETLKW, &fl)) != 0 && errno == EINTR)
        ;
    if (r != 0 && fd >= 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

void nn_sweep_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* closing releases the lock */
}
