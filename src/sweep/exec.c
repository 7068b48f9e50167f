/* exec.c - running a sweep in this process: the data loaded once, jobs runs at a time
 * (one thread each, each run's products on s->threads threads), complete runs skipped,
 * a stop request honoured between and within runs. */
#include "sweep/sweep.h"

#include <cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/data.h"
#include "run/untrained.h"
#include "sweep/claim.h"
#include "sweep/files.h"
#include "sys/clock.h"
#include "sys/fs.h"

/* The data sets of the combinations: loaded once per distinct data section. */
typedef struct data_slot {
    const nn_config *cfg; /* the first combination that names this data */
    nn_dataset train, test;
} data_slot;

typedef struct sweep_exec {
    const nn_sweep *s;
    const nn_sweep_hooks *h;
    data_slot *data;
    size_t n_data;
    size_t *data_of;     /* per combination: its data slot */
    double *mean, *std;  /* per combination: the normalization (nn_check_run) */
    unsigned char *todo; /* per unit (run, or combination in a table sweep): 1 = to do */
    size_t *order;       /* the units in the order they are handed out: the costliest first */
    size_t units, next;  /* work units and the next one to hand out */
    int phase;           /* 1: the units to do (todo 1); 2: those another process held (2) */
    nn_sweep_share sh;   /* claims: other processes may share out/ (claim.h) */
    char busy_who[128];  /* a process still holding units when this one ended */
    pthread_mutex_t lock;
    nn_sweep_progress p;
    double t0;
    size_t ran; /* runs done by this call (for the ETA and the outcome) */
    nn_status fatal; /* a failure that stops the sweep (cannot write, out of memory) */
    nn_error fatal_err;
} sweep_exec;

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The keys that decide what nn_data_load reads. */
static int same_data(const nn_config *a, const nn_config *b)
{
    return a->data.kind == b->data.kind && same_str(a->data.train_images, b->data.train_images) &&
           same_str(a->data.train_labels, b->data.train_labels) &&
           same_str(a->data.test_images, b->data.test_images) &&
           same_str(a->data.test_labels, b->data.test_labels) &&
           same_str(a->data.train_dir, b->data.train_dir) &&
           same_str(a->data.test_dir, b->data.test_dir) && a->data.channels == b->data.channels &&
           a->data.skip_bad_files == b->data.skip_bad_files &&
           a->data.train_limit == b->data.train_limit && a->data.test_limit == b->data.test_limit;
}

/* Loads every distinct data set and makes every run's data checks (nn_check_run) before
 * the first run: a combination that does not fit its data fails here, naming it. */
static nn_status load_data(sweep_exec *x, nn_error *err)
{
    const nn_sweep *s = x->s;
    x->data = calloc(s->n_combos, sizeof *x->data);
    x->data_of = calloc(s->n_combos, sizeof *x->data_of);
    x->mean = calloc(s->n_combos, sizeof *x->mean);
    x->std = calloc(s->n_combos, sizeof *x->std);
    if (!x->data || !x->data_of || !x->mean || !x->std)
        return nn_fail(err, NN_ESYS, "out of memory");
    nn_hooks quiet = {0};
    for (size_t c = 0; c < s->n_combos; c++) {
        size_t d = 0;
        while (d < x->n_data && !same_data(x->data[d].cfg, &s->cfgs[c]))
            d++;
        if (d == x->n_data) {
            x->data[d].cfg = &s->cfgs[c];
            nn_status st = nn_config_load_data(&s->cfgs[c], &quiet, &x->data[d].train,
                                               &x->data[d].test, err);
            if (st != NN_OK)
                return st;
            x->n_data++;
        }
        x->data_of[c] = d;
        nn_status st = nn_check_run(&s->cfgs[c], &x->data[d].train, &x->data[d].test,
                                    &x->mean[c], &x->std[c], err);
        const char *src = s->cfgs[c].source; /* "sweep.json [relu, lr=0.5]" */
        if (st != NN_OK && strncmp(err->msg, src, strlen(src)) != 0) { /* name it once */
            nn_error inner = *err;
            return nn_fail(err, st, "%s: %s", src, inner.msg);
        }
        if (st != NN_OK)
            return st;
    }
    return NN_OK;
}

static void exec_free(sweep_exec *x)
{
    for (size_t d = 0; d < x->n_data; d++) {
        nn_dataset_free(&x->data[d].train);
        nn_dataset_free(&x->data[d].test);
    }
    free(x->data);
    free(x->data_of);
    free(x->mean);
    free(x->std);
    free(x->todo);
    free(x->order);
    nn_sweep_share_close(&x->sh);
}

static int stopped(const sweep_exec *x)
{
    return x->h && x->h->stop && *x->h->stop;
}

/* Under the lock: counts one unit's runs as done and tells the display; name NULL: done
 * by another process (counted done, not run here). */
static void report(sweep_exec *x, size_t runs, size_t failed, const char *name, const char *why)
{
    x->p.done += runs;
    x->p.failed += failed;
    x->ran += runs;
    if (name == NULL) { /* runs another process did: done, not by this one */
        x->ran -= runs;
        x->p.others += runs;
    }
    x->p.elapsed = nn_now() - x->t0;
    size_t left = x->p.total - x->p.done;
    x->p.eta = x->ran ? x->p.elapsed / (double)x->ran * (double)left : -1.0;
    x->p.last_failed = failed ? name : NULL;
    x->p.last_reason = failed ? why : NULL;
    if (x->h && x->h->progress)
        x->h->progress(x->h->ctx, &x->p);
    x->p.last_failed = x->p.last_reason = NULL;
}

static void set_fatal(sweep_exec *x, const nn_error *err)
{
    pthread_mutex_lock(&x->lock);
    if (x->fatal == NN_OK) {
        x->fatal = err->code ? err->code : NN_ESYS;
        x->fatal_err = *err;
    }
    pthread_mutex_unlock(&x->lock);
}

/* One training run: its resolved config beside the CSV, then nn_train_on. */
static void run_one(sweep_exec *x, size_t r)
{
    const nn_sweep *s = x->s;
    size_t c = r / s->n_seeds;
    nn_error err = {0};
    char *name = nn_sweep_run_name(s, r), *csv = nn_sweep_run_file(s, r, ".csv");
    char *json_path = nn_sweep_run_file(s, r, ".json"), *text = nn_sweep_run_json(s, r);
    nn_status st = name && csv && json_path && text ? NN_OK
                                                     : nn_fail(&err, NN_ESYS, "out of memory");
    if (st == NN_OK) {
        nn_sweep_run_reset(s, r);
        st = nn_write_atomic(json_path, text, "the run's resolved config", &err);
    }
    if (st != NN_OK) {
        set_fatal(x, &err);
    } else {
        nn_config cfg = s->cfgs[c]; /* shallow: only the seed, name, files and threads differ */
        char *units = cfg.units ? nn_sweep_run_file(s, r, ".units.csv") : NULL;
        char *ckpt = cfg.checkpoint ? nn_sweep_run_file(s, r, ".safetensors") : NULL;
        cfg.seed = s->seeds[r % s->n_seeds];
        cfg.csv = csv;
        cfg.name = name;
        cfg.units = units; /* as in the run's resolved config */
        cfg.checkpoint = ckpt;
        cfg.resolved = text; /* what its checkpoint keeps: resumable from NAME.json */
        cfg.train.threads = s->threads;
        nn_hooks hooks = {.stop = x->h ? x->h->stop : NULL};
        const data_slot *d = &x->data[x->data_of[c]];
        st = (cfg.units || !s->cfgs[c].units) && (ckpt || !s->cfgs[c].checkpoint)
                 ? nn_train_on(&cfg, &d->train, &d->test, &hooks, &err)
                 : nn_fail(&err, NN_ESYS, "out of memory");
        free(units);
        free(ckpt);
        if (st != NN_OK && st != NN_EINTR && st != NN_ETRAIN)
            nn_sweep_status_error(csv, &err); /* the run may have stopped before its status file */
        pthread_mutex_lock(&x->lock);
        if (st != NN_EINTR)
            report(x, 1, st != NN_OK, name, err.msg);
        pthread_mutex_unlock(&x->lock);
    }
    free(name);
    free(csv);
    free(json_path);
    free(text);
}

/* Untrained networks go through the inputs GROUP at a time (run/untrained.h). */
enum { GROUP = 16 };

/* A worker's normalized probe inputs, kept while the next combination needs the same:
 * the same data, normalization, probe, and (when the probe set comes from the seed's
 * train/validation split) the same seed. */
typedef struct inputs_cache {
    nn_untrained_inputs in;
    int have;
    size_t data, samples, validation, test_n;
    double mean, std;
    nn_probe_set probe;
    uint64_t seed;
} inputs_cache;

static int split_dependent(const nn_config *cfg)
{
    return cfg->data.validation > 0 && cfg->dead.probe != NN_PROBE_TEST;
}

static nn_status cached_inputs(inputs_cache *k, const sweep_exec *x, size_t c, uint64_t seed,
                               nn_error *err)
{
    nn_config cfg = x->s->cfgs[c]; /* shallow: the seed of the split */
    cfg.seed = split_dependent(&cfg) ? seed : 0;
    size_t data = x->data_of[c];
    if (k->have && k->data == data && k->mean == x->mean[c] && k->std == x->std[c] &&
        k->probe == cfg.dead.probe && k->samples == cfg.dead.samples &&
        k->validation == cfg.data.validation && k->seed == cfg.seed)
        return NN_OK;
    if (k->have)
        nn_untrained_inputs_free(&k->in);
    k->have = 0;
    const data_slot *d = &x->data[data];
    nn_status st = nn_untrained_inputs_make(&k->in, &cfg, &d->train, &d->test, x->mean[c],
                                            x->std[c], err);
    if (st != NN_OK)
        return st;
    *k = (inputs_cache){k->in,        1, data, cfg.dead.samples, cfg.data.validation, 0,
                        x->mean[c], x->std[c], cfg.dead.probe, cfg.seed};
    return NN_OK;
}

/* One combination of an untrained sweep: every seed, one row each, written as one file
 * (out/results/<combination>.csv) once all are done. */
static void run_combo(sweep_exec *x, size_t c, inputs_cache *cache)
{
    const nn_sweep *s = x->s;
    const data_slot *d = &x->data[x->data_of[c]];
    nn_error err = {0};
    /* Networks whose probe set depends on the seed go one at a time. */
    size_t size = split_dependent(&s->cfgs[c]) ? 1 : s->n_seeds < GROUP ? s->n_seeds : GROUP;
    nn_untrained_group group;
    nn_status st = nn_untrained_group_new(&group, &s->cfgs[c], size, d->test.dim, &err);
    if (st != NN_OK) {
        set_fatal(x, &err);
        return;
    }
    nn_sweep_table table;
    st = nn_sweep_table_open(&table, s, c, &err);
    size_t failed = 0;
    for (size_t k = 0; st == NN_OK && k < s->n_seeds && !stopped(x); k += size) {
        size_t n = s->n_seeds - k < size ? s->n_seeds - k : size;
        nn_untrained u[GROUP];
        st = cached_inputs(cache, x, c, s->seeds[k], &err);
        if (st == NN_OK)
            nn_untrained_run(&group, s->seeds + k, n, &cache->in, u);
        for (size_t g = 0; st == NN_OK && g < n; g++) {
            failed += u[g].status != NN_OK;
            st = nn_sweep_table_row(&table, s, c, k + g, &u[g], &err);
        }
    }
    nn_untrained_group_free(&group);
    int complete = st == NN_OK && !stopped(x);
    if (st == NN_OK && complete)
        st = nn_sweep_table_commit(&table, &err);
    nn_sweep_table_close(&table);
    if (st != NN_OK) {
        set_fatal(x, &err);
        return;
    }
    if (complete) {
        pthread_mutex_lock(&x->lock);
        report(x, s->n_seeds, failed, s->combo_name[c],
               failed ? "unstable at initialization (a pre-activation or the loss not finite)"
                      : NULL);
        pthread_mutex_unlock(&x->lock);
    }
}

/* Multiply-adds and activation values of one sample through cfg's model: the cost of a
 * run, to hand out the longest first (the jobs then finish together). */
static double model_cost(const nn_config *cfg, size_t input_dim)
{
    double cost = 0.0;
    size_t width = input_dim;
    for (size_t i = 0; i < cfg->n_modules; i++) {
        const nn_module_spec *m = &cfg->modules[i];
        size_t out = m->layer->size(m, width).out;
        cost += nn_spec_is_product(m) ? (double)width * (double)out : 8.0 * (double)out;
        width = out;
    }
    return cost;
}

typedef struct unit_cost {
    double cost;
    size_t unit;
} unit_cost;

static int by_cost(const void *pa, const void *pb)
{
    const unit_cost *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? 1 : -1;
    return (a->unit > b->unit) - (a->unit < b->unit);
}

/* x->order: the units, costliest first. */
static nn_status order_units(sweep_exec *x, nn_error *err)
{
    const nn_sweep *s = x->s;
    unit_cost *uc = malloc((x->units ? x->units : 1) * sizeof *uc);
    x->order = malloc((x->units ? x->units : 1) * sizeof *x->order);
    if (!uc || !x->order) {
        free(uc);
        return nn_fail(err, NN_ESYS, "out of memory");
    }
    for (size_t u = 0; u < x->units; u++) {
        size_t c = s->table ? u : u / s->n_seeds;
        const data_slot *d = &x->data[x->data_of[c]];
        uc[u].cost = model_cost(&s->cfgs[c], d->train.dim);
        uc[u].unit = u;
    }
    qsort(uc, x->units, sizeof *uc, by_cost);
    for (size_t u = 0; u < x->units; u++)
        x->order[u] = uc[u].unit;
    free(uc);
    return NN_OK;
}

/* Unit u's claim file (malloc'ed; NULL when out of memory). */
static char *claim_path(const nn_sweep *s, size_t u)
{
    return s->table ? nn_sweep_table_file(s, u, ".claim") : nn_sweep_run_file(s, u, ".claim");
}

/* One unit, claimed first: done here when the claim is ours and it is still not complete
 * (another process may have finished it since this one looked); left to its holder when
 * another process has it (looked at again in phase 2). */
static void claim_and_run(sweep_exec *x, size_t u, inputs_cache *cache)
{
    const nn_sweep *s = x->s;
    size_t runs = s->table ? s->n_seeds : 1;
    char *claim = claim_path(s, u), who[128];
    nn_error err = {0};
    nn_claim_result c = claim ? nn_sweep_claim(&x->sh, claim, who, sizeof who, &err)
                              : (nn_fail(&err, NN_ESYS, "out of memory"), NN_CLAIM_FAILED);
    if (c == NN_CLAIM_FAILED) {
        set_fatal(x, &err);
    } else if (c == NN_BUSY) {
        pthread_mutex_lock(&x->lock);
        if (x->phase == 1) {
            x->todo[u] = 2;
        } else {
            x->p.busy += runs;
            snprintf(x->busy_who, sizeof x->busy_who, "%s", who);
        }
        pthread_mutex_unlock(&x->lock);
    } else {
        if (s->table ? nn_sweep_combo_complete(s, u) : nn_sweep_run_complete(s, u)) {
            pthread_mutex_lock(&x->lock);
            report(x, runs, 0, NULL, NULL); /* done by another process since this one looked */
            pthread_mutex_unlock(&x->lock);
        } else if (s->table) {
            run_combo(x, u, cache);
        } else {
            run_one(x, u);
        }
        nn_sweep_release(&x->sh, claim);
    }
    free(claim);
}

static void *worker(void *arg)
{
    sweep_exec *x = arg;
    inputs_cache cache = {.have = 0};
    for (;;) {
        pthread_mutex_lock(&x->lock);
        unsigned char want = (unsigned char)x->phase;
        while (x->next < x->units && x->todo[x->order[x->next]] != want)
            x->next++;
        size_t u = x->next < x->units && x->fatal == NN_OK && !stopped(x) ? x->order[x->next++]
                                                                         : x->units;
        if (u < x->units)
            x->p.running++;
        pthread_mutex_unlock(&x->lock);
        if (u == x->units) {
            if (cache.have)
                nn_untrained_inputs_free(&cache.in);
            return NULL;
        }
        claim_and_run(x, u, &cache);
        pthread_mutex_lock(&x->lock);
        x->p.running--;
        pthread_mutex_unlock(&x->lock);
    }
}

/* out against one input (a folder when dir): NN_OK or the refusal. */
static nn_status out_clash(const nn_sweep *s, const char *in, const char *what, int dir,
                           nn_error *err)
{
    if (!in)
        return NN_OK;
    if (nn_same_file(s->out, in) || nn_inside_dir(in, s->out))
        return nn_fail(err, NN_ECONFIG,
                       "%s (the sweep's out folder) would hold %s %s; give \"out\" (or --out) "
                       "a folder apart from the sweep's inputs",
                       s->out, what, in);
    if (dir && nn_inside_dir(s->out, in))
        return nn_fail(err, NN_ECONFIG,
                       "%s (the sweep's out folder) would be written inside %s %s; give \"out\" "
                       "(or --out) a folder outside it",
                       s->out, what, in);
    return NN_OK;
}

nn_status nn_sweep_check_out(const nn_sweep *s, nn_error *err)
{
    struct stat sb;
    if (!s->out[0])
        return nn_fail(err, NN_ECONFIG, "the sweep's output folder is empty; expected a folder");
    if (stat(s->out, &sb) == 0 && !S_ISDIR(sb.st_mode)) /* as --collect refuses it */
        return nn_fail(err, NN_ECONFIG,
                       "%s (the sweep's out folder) is not a folder; give \"out\" (or --out) a "
                       "folder",
                       s->out);
    nn_status st = out_clash(s, s->source, "the sweep file", 0, err);
    if (st == NN_OK)
        st = out_clash(s, s->base, "the base config", 0, err);
    for (size_t c = 0; st == NN_OK && c < s->n_combos; c++) {
        const nn_config *cfg = &s->cfgs[c];
        const char *in[] = {cfg->data.train_images, cfg->data.train_labels,
                            cfg->data.test_images,  cfg->data.test_labels,
                            cfg->init_from,         cfg->data.train_dir,
                            cfg->data.test_dir};
        const char *what[] = {"the training images", "the training labels", "the test images",
                              "the test labels", "init.from's weights",
                              "the training image folder", "the test image folder"};
        for (size_t i = 0; st == NN_OK && i < sizeof in / sizeof in[0]; i++)
            st = out_clash(s, in[i], what[i], i >= 5, err);
    }
    return st;
}

nn_status nn_sweep_check_data(const nn_sweep *s, nn_error *err)
{
    sweep_exec x = {.s = s};
    nn_status st = load_data(&x, err);
    exec_free(&x);
    return st;
}

/* Runs the workers over the units of x->phase (at most n at a time); NN_OK, or none could
 * be started. */
static nn_status run_phase(sweep_exec *x, size_t n, nn_error *err)
{
    x->next = 0;
    pthread_t *t = calloc(n, sizeof *t);
    if (!t)
        return nn_fail(err, NN_ESYS, "out of memory");
    size_t started = 0;
    nn_status st = NN_OK;
    for (; started < n; started++) {
        int e = pthread_create(&t[started], NULL, worker, x);
        if (e != 0) { /* fewer workers is fine, none is not */
            if (started == 0)
                st = nn_fail(err, NN_ESYS, "cannot start the sweep's threads: %s", strerror(e));
            break;
        }
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    return st;
}

/* x->todo: 1 for every unit of the sweep (or of its --combo) not complete; their count. */
static size_t find_todo(sweep_exec *x)
{
    const nn_sweep *s = x->s;
    size_t pending = 0;
    for (size_t u = 0; u < x->units; u++) {
        x->todo[u] = (s->only == SIZE_MAX || (s->table ? u : u / s->n_seeds) == s->only) &&
                     !(s->table ? nn_sweep_combo_complete(s, u) : nn_sweep_run_complete(s, u));
        pending += x->todo[u];
    }
    return pending;
}

nn_status nn_sweep_exec(const nn_sweep *s, const nn_sweep_hooks *h, nn_sweep_outcome *o,
                        nn_error *err)
{
    sweep_exec x = {.s = s, .h = h, .t0 = nn_now(), .phase = 1};
    memset(o, 0, sizeof *o);
    x.units = s->table ? s->n_combos : nn_sweep_runs(s);
    x.p.eta = -1.0;
    nn_status st = nn_sweep_check_out(s, err); /* before anything is written */
    if (st == NN_OK)
        st = nn_mkdirs(s->out, "the sweep's output folder", err);
    if (st == NN_OK && s->table)
        st = nn_sweep_table_dir(s, err);
    if (st == NN_OK && !(x.todo = malloc(x.units ? x.units : 1)))
        st = nn_fail(err, NN_ESYS, "out of memory");
    size_t pending = st == NN_OK ? find_todo(&x) : 0, per = s->table ? s->n_seeds : 1;
    o->pending = pending * per;
    x.p.total = (s->only == SIZE_MAX ? s->n_combos : 1) * s->n_seeds;
    x.p.skipped = x.p.done = x.p.total - pending * per;
    if (st == NN_OK && pending == 0) {
        exec_free(&x);
        return NN_OK;
    }
    if (st == NN_OK)
        st = nn_sweep_share_open(&x.sh, s->out, err);
    if (st == NN_OK)
        st = load_data(&x, err);
    if (st == NN_OK)
        st = order_units(&x, err);
    if (st != NN_OK) {
        exec_free(&x);
        return st;
    }
    if (h && h->progress)
        h->progress(h->ctx, &x.p);
    pthread_mutex_init(&x.lock, NULL);
    st = run_phase(&x, s->jobs < pending ? s->jobs : pending, err);
    x.phase = 2; /* units another process held: finished by it, or left to it, or stale */
    if (st == NN_OK && x.fatal == NN_OK && !stopped(&x))
        st = run_phase(&x, s->jobs < pending ? s->jobs : pending, err);
    pthread_mutex_destroy(&x.lock);
    *o = (nn_sweep_outcome){x.ran, pending * per, x.p.others, x.p.busy, ""};
    snprintf(o->busy_who, sizeof o->busy_who, "%s", x.busy_who);
    if (st == NN_OK && x.fatal != NN_OK) {
        *err = x.fatal_err;
        st = x.fatal;
    }
    if (st == NN_OK && stopped(&x))
        st = nn_fail(err, NN_EINTR,
                     "interrupted: %zu of %zu runs done; run the same command again to continue "
                     "(complete runs are kept, interrupted ones redone)",
                     x.p.done, x.p.total);
    exec_free(&x);
    return st;
}
