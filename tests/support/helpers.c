/* support/helpers.c - see helpers.h. */
#include "support/helpers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "nn/act/activation.h"
#include "nn/layer/dense.h"
#include "math/rng.h"
#include "support/fixture.h"

nn_module_spec th_dense(size_t units)
{
    nn_module_spec mc = nn_layer_spec("dense");
    mc.hp[NN_DENSE_UNITS] = (double)units;
    return mc;
}

nn_module_spec th_act(const char *name, double hp0, double hp1)
{
    nn_module_spec mc = nn_layer_spec(name);
    if (!mc.act)
        abort();
    if (!isnan(hp0))
        mc.hp[0] = hp0;
    if (!isnan(hp1))
        mc.hp[1] = hp1;
    return mc;
}

int th_synthetic(nn_dataset *ds, size_t n, size_t side, size_t n_classes, unsigned seed)
{
    memset(ds, 0, sizeof *ds);
    ds->n = n;
    ds->rows = ds->cols = side;
    ds->channels = 1;
    ds->dim = side * side;
    ds->n_classes = n_classes;
    ds->pixels = malloc(n * ds->dim);
    ds->labels = malloc(n * sizeof *ds->labels);
    if (!ds->pixels || !ds->labels)
        return -1;
    nn_rng rng;
    nn_rng_seed(&rng, seed, 99);
    for (size_t i = 0; i < n; i++) {
        int32_t y = (int32_t)(i % n_classes);
        ds->labels[i] = y;
        uint8_t *p = ds->pixels + i * ds->dim;
        for (size_t j = 0; j < ds->dim; j++)
            p[j] = (uint8_t)nn_rng_below(&rng, 90);
        size_t row = (size_t)y * side / n_classes;
        for (size_t c = 0; c < side; c++)
            p[row * side + c] = (uint8_t)(160 + nn_rng_below(&rng, 96));
    }
    return 0;
}

void th_strip_last_column(char *csv)
{
    char *out = csv, *line = csv;
    while (*line) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        size_t keep = len;
        while (keep > 0 && line[keep - 1] != ',')
            keep--;
        if (keep > 0)
            keep--; /* drop the comma too */
        memmove(out, line, keep);
        out += keep;
        if (nl)
            *out++ = '\n';
        line += len + (nl ? 1 : 0);
    }
    *out = '\0';
}

static int write_all(void *f, int gz, const void *buf, size_t len)
{
    if (gz)
        return gzwrite((gzFile)f, buf, (unsigned)len) == (int)len ? 0 : -1;
    return fwrite(buf, 1, len, (FILE *)f) == len ? 0 : -1;
}

static int write_idx(const char *path, int gz, uint32_t magic, const uint32_t *dims,
                     size_t ndims, const void *data, size_t len)
{
    void *f = gz ? (void *)gzopen(path, "wb") : (void *)fopen(path, "wb");
    if (!f)
        return -1;
    unsigned char hdr[16];
    size_t h = 0;
    for (size_t d = 0; d <= ndims; d++) {
        uint32_t v = d == 0 ? magic : dims[d - 1];
        hdr[h++] = (unsigned char)(v >> 24);
        hdr[h++] = (unsigned char)(v >> 16);
        hdr[h++] = (unsigned char)(v >> 8);
        hdr[h++] = (unsigned char)v;
    }
    int rc = write_all(f, gz, hdr, h);
    if (rc == 0)
        rc = write_all(f, gz, data, len);
    if (gz)
        rc |= gzclose((gzFile)f) == Z_OK ? 0 : -1;
    else
        rc |= fclose((FILE *)f) == 0 ? 0 : -1;
    return rc;
}

int th_write_idx(const nn_dataset *ds, const char *images, const char *labels, int gz)
{
    uint32_t idims[3] = {(uint32_t)ds->n, (uint32_t)ds->rows, (uint32_t)ds->cols};
    uint32_t ldims[1] = {(uint32_t)ds->n};
    uint8_t *lab = malloc(ds->n ? ds->n : 1);
    if (!lab)
        return -1;
    for (size_t i = 0; i < ds->n; i++)
        lab[i] = (uint8_t)ds->labels[i];
    int rc = write_idx(images, gz, 0x803, idims, 3, ds->pixels, ds->n * ds->dim);
    if (rc == 0)
        rc = write_idx(labels, gz, 0x801, ldims, 1, lab, ds->n);
    free(lab);
    return rc;
}

int th_config_doc_check(const char *path)
{
    const char *bin = th_nntrain(), *slash = strrchr(bin, '/');
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%.*sconfig_doc' --check '%s'", slash ? (int)(slash - bin + 1) : 0,
             bin, path);
    return th_run(cmd);
}

size_t th_n_activations(void)
{
    size_t n = 0;
    while (nn_activations[n])
        n++;
    return n;
}

/* Draws hyperparameter set k (1: upper ends, 2: lower ends, else random) into hp. */
static void draw_setting(const nn_act_def *a, size_t k, nn_rng *rng, double *hp)
{
    for (int j = 0; j < a->n_hparams; j++) {
        const nn_hparam_spec *h = &a->hparams[j];
        double span = 2.0 * fmax(1.0, fabs(h->def));
        double lo = fmax(h->min, h->def - span), hi = fmin(h->max, h->def + span);
        double v = k == 1 ? hi : k == 2 ? lo : lo + (hi - lo) * nn_rng_uniform(rng);
        hp[j] = h->integer ? round(v) : v;
    }
}

size_t th_act_settings(const nn_act_def *a, size_t width,
                       double hp[TH_MAX_SETTINGS][NN_MAX_HPARAMS])
{
    char why[128];
    for (int j = 0; j < NN_MAX_HPARAMS; j++)
        hp[0][j] = j < a->n_hparams ? a->hparams[j].def : 0.0;
    size_t n = 1;
    nn_rng rng;
    nn_rng_seed(&rng, 2024, 3);
    for (size_t k = 1; a->n_hparams > 0 && n < TH_MAX_SETTINGS && k < 200; k++) {
        memcpy(hp[n], hp[0], sizeof hp[0]);
        draw_setting(a, k, &rng, hp[n]);
        int same = memcmp(hp[n], hp[0], sizeof hp[0]) == 0;
        if (!same && (!a->check || a->check(hp[n], width, why, sizeof why) == 0))
            n++;
    }
    return n;
}

const char *th_hp_str(const nn_act_def *a, const double *hp, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int j = 0; j < a->n_hparams && used < len; j++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%g", j ? "," : "",
                                 a->hparams[j].name, hp[j]);
    if (a->n_hparams == 0)
        snprintf(buf, len, "defaults");
    return buf;
}

void th_skip(th_skips *sk, const char *suite, const char *test, size_t tests, const char *reason)
{
    /* CK_RUN_SUITE runs one suite: the others' skips are not this run's. */
    const char *only = getenv("CK_RUN_SUITE");
    if (only && *only && strcmp(only, suite) != 0)
        return;
    sk->tests += tests;
    if (sk->n == TH_MAX_SKIPS)
        return;
    snprintf(sk->item[sk->n].what, sizeof sk->item[sk->n].what, "%s:%s", suite, test);
    snprintf(sk->item[sk->n].reason, sizeof sk->item[sk->n].reason, "%s", reason);
    sk->item[sk->n++].tests = tests;
}

void th_skips_print(const th_skips *sk, FILE *f)
{
    for (size_t i = 0; i < sk->n; i++)
        fprintf(f, "skipped: %s (%zu test%s): %s\n", sk->item[i].what, sk->item[i].tests,
                sk->item[i].tests == 1 ? "" : "s", sk->item[i].reason);
    if (sk->n == TH_MAX_SKIPS)
        fprintf(f, "skipped: more, not listed (%zu tests in all)\n", sk->tests);
}

static int mnist_in(const char *dir)
{
    char im[512], lb[512];
    snprintf(im, sizeof im, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(lb, sizeof lb, "%s/t10k-labels-idx1-ubyte.gz", dir);
    return access(im, R_OK) == 0 && access(lb, R_OK) == 0;
}

const char *th_mnist_dir(char *why, size_t why_len)
{
    const char *env = getenv("NNTRAIN_MNIST");
    if (env) {
        if (mnist_in(env))
            return env;
        if (why)
            snprintf(why, why_len, "no MNIST test set in $NNTRAIN_MNIST (%s)", env);
        return NULL;
    }
    static const char *const dirs[] = {"data/mnist", "../shared/data/mnist"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (mnist_in(dirs[i]))
            return dirs[i];
    if (why)
        snprintf(why, why_len,
                 "no MNIST test set in data/mnist or ../shared/data/mnist (make data fetches it)");
    return NULL;
}

nn_status th_load_mnist_test(nn_dataset *ds, nn_error *err)
{
    const char *dir = th_mnist_dir(NULL, 0);
    if (!dir)
        return nn_fail(err, NN_EDATA, "no MNIST test set");
    char im[256], lb[256];
    snprintf(im, sizeof im, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(lb, sizeof lb, "%s/t10k-labels-idx1-ubyte.gz", dir);
    return nn_idx_load(ds, im, lb, 0, err);
}
