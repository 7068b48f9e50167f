/* support/cases.c - see cases.h. */
#include "support/cases.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double th_case_x(size_t i)
{
    return 2.0 * sin(1.3 * (double)i + 0.1);
}

double th_case_p(size_t k)
{
    return 0.5 * cos(0.37 * (double)k + 0.5);
}

double th_case_b(size_t k)
{
    return 0.05 * (double)(k + 1);
}

double th_case_w(size_t i)
{
    return cos(0.9 * (double)i + 0.3);
}

float th_case_grad(size_t t, size_t k, float p)
{
    float a = (float)(0.3 + 0.1 * (double)t), c = (float)(0.2 * sin(0.7 * (double)k + (double)t));
    return p * a + c;
}

/* The choices of an enum row, NULL-terminated, in buf (room for 65). */
static const char *const *choices(const nn_hparam_spec *h, const char **buf)
{
    if (h->choices)
        return h->choices;
    buf[0] = NULL;
    if (h->list)
        h->list(buf, 65);
    return buf;
}

enum { TH_MOVES = 6 }; /* values a row is tried at, at most */

/* The values row h is tried at, besides its default (at most TH_MOVES): 45% of a number's range,
 * 3 and TH_IN for a size (a required one also TH_IN + 2), the other boolean, every other
 * choice of an enum. */
static size_t moves(const nn_hparam_spec *h, double *v)
{
    const char *buf[65];
    size_t n = 0;
    switch (h->kind) {
    case NN_HP_BOOL:
        v[0] = h->def != 0.0 ? 0.0 : 1.0;
        return 1;
    case NN_HP_SIZE:
        v[0] = 3, v[1] = TH_IN, v[2] = TH_IN + 2;
        return (h->flags & NN_HP_REQUIRED) ? 3 : 2;
    case NN_HP_ENUM:
        for (const char *const *c = choices(h, buf); c[n] && n < TH_MOVES; n++)
            v[n] = h->base + (double)n;
        for (size_t i = 0; i < n; i++) /* the default is no move */
            if (v[i] == h->def)
                v[i] = v[--n];
        return n;
    default:
        if (h->integer) {
            v[0] = 3, v[1] = TH_IN;
            return 2;
        }
        v[0] = h->min + 0.45 * (h->max - h->min);
        return 1;
    }
}

static void label_of(char *buf, size_t n, const char *type, const nn_hparam_spec *keys, int nk,
                     const double *hp)
{
    size_t used = (size_t)snprintf(buf, n, "%s", type);
    for (int k = 0; k < nk && used < n; k++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s=%.17g", k ? "," : " ",
                                 keys[k].name, hp[k]);
}

/* The settings of rows keys[0..nk) (defaults in base) to try: fills sets, returns the count. */
static size_t settings(const nn_hparam_spec *keys, int nk, const double *base,
                       double sets[][NN_MAX_HPARAMS], size_t cap)
{
    double moved[NN_MAX_HPARAMS];
    size_t n = 0;
    memcpy(sets[n++], base, sizeof moved);
    for (int k = 0; k < nk; k++) { /* each row alone */
        double v[TH_MOVES];
        size_t m = moves(&keys[k], v);
        moved[k] = m && !(keys[k].flags & NN_HP_REQUIRED) ? v[0] : base[k];
        for (size_t j = 0; j < m && n < cap; j++) {
            memcpy(sets[n], base, sizeof moved);
            sets[n++][k] = v[j];
        }
    }
    if (n < cap) { /* all moved */
        memcpy(sets[n], base, sizeof moved);
        memcpy(sets[n++], moved, (size_t)nk * sizeof *moved);
    }
    for (int k = 0; k < nk && n < cap; k++) { /* all moved but row k */
        memcpy(sets[n], base, sizeof moved);
        memcpy(sets[n], moved, (size_t)nk * sizeof *moved);
        sets[n++][k] = base[k];
    }
    return n;
}

/* Whether set a appeared before in sets[0..i). */
static int seen(double sets[][NN_MAX_HPARAMS], size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (memcmp(sets[j], sets[i], sizeof sets[i]) == 0)
            return 1;
    return 0;
}

size_t th_layer_cases(th_layer_case *out, size_t cap)
{
    const char *types[128];
    size_t n = 0;
    nn_layer_types(types, 128);
    for (size_t t = 0; types[t]; t++) {
        nn_module_spec s = nn_layer_spec(types[t]);
        int nk;
        const nn_hparam_spec *keys = nn_layer_keys(s.layer, s.act, &nk);
        for (int k = 0; k < nk; k++)
            if (keys[k].flags & NN_HP_REQUIRED)
                s.hp[k] = 3;
        double sets[(TH_MOVES + 2) * NN_MAX_HPARAMS + 2][NN_MAX_HPARAMS] = {{0}};
        size_t ns = settings(keys, nk, s.hp, sets, (TH_MOVES + 2) * NN_MAX_HPARAMS + 2);
        for (size_t i = 0; i < ns && n < cap; i++) {
            char why[256];
            const char *key;
            nn_module_spec c = s;
            memcpy(c.hp, sets[i], sizeof c.hp);
            for (int k = 0; k < nk; k++) /* a row off its default was given */
                c.given[k] = c.hp[k] != keys[k].def;
            if (seen(sets, i) || (c.layer->check && c.layer->check(&c, TH_IN, why, sizeof why)) ||
                (c.layer->validate && c.layer->validate(&c, &key, why, sizeof why)))
                continue;
            out[n].spec = c;
            label_of(out[n].label, TH_LABEL, types[t], keys, nk, c.hp);
            n++;
        }
    }
    return n;
}

size_t th_optim_cases(th_optim_case *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; nn_optim_at(i); i++) {
        const nn_optim_def *d = nn_optim_at(i);
        double base[NN_MAX_HPARAMS] = {0};
        for (int k = 0; k < d->n_keys; k++)
            base[k] = d->keys[k].def;
        double sets[(TH_MOVES + 2) * NN_MAX_HPARAMS + 2][NN_MAX_HPARAMS] = {{0}};
        size_t ns = settings(d->keys, d->n_keys, base, sets, (TH_MOVES + 2) * NN_MAX_HPARAMS + 2);
        for (size_t j = 0; j < ns && n < cap; j++) {
            const char *key;
            char msg[256];
            if (seen(sets, j) || (d->validate && d->validate(sets[j], &key, msg, sizeof msg)))
                continue;
            out[n].def = d;
            memcpy(out[n].hp, sets[j], sizeof out[n].hp);
            out[n].lr = 0.1;
            label_of(out[n].label, TH_LABEL, d->name, d->keys, d->n_keys, sets[j]);
            n++;
        }
    }
    return n;
}

/* {"k": v, ...} of rows keys with values hp (a choice by its name, a boolean as one). */
static void settings_json(FILE *f, const nn_hparam_spec *keys, int nk, const double *hp)
{
    fputc('{', f);
    for (int k = 0; k < nk; k++) {
        fprintf(f, "%s\"%s\": ", k ? ", " : "", keys[k].name);
        if (keys[k].kind == NN_HP_BOOL)
            fputs(hp[k] != 0.0 ? "true" : "false", f);
        else if (keys[k].kind == NN_HP_ENUM) { /* by name; null: the entry picks ("auto") */
            const char *buf[65], *const *ch = choices(&keys[k], buf);
            int i = (int)hp[k] - keys[k].base, nc = 0;
            while (ch[nc])
                nc++;
            if (i >= 0 && i < nc)
                fprintf(f, "\"%s\"", ch[i]);
            else
                fputs("null", f);
        }
        else
            fprintf(f, "%.17g", hp[k]);
    }
    fputc('}', f);
}

void th_cases_json(FILE *f)
{
    static th_layer_case lc[TH_MAX_CASES];
    static th_optim_case oc[TH_MAX_CASES];
    size_t nl = th_layer_cases(lc, TH_MAX_CASES), no = th_optim_cases(oc, TH_MAX_CASES);
    fprintf(f, "{\"in\": %d, \"rows\": %d, \"np\": %d, \"steps\": %d,\n \"layers\": [\n", TH_IN,
            TH_ROWS, TH_NP, TH_STEPS);
    for (size_t i = 0; i < nl; i++) {
        int nk;
        const nn_hparam_spec *keys = nn_layer_keys(lc[i].spec.layer, lc[i].spec.act, &nk);
        fprintf(f, "  {\"type\": \"%s\", \"label\": \"%s\", \"hp\": ", nn_spec_type(&lc[i].spec),
                lc[i].label);
        settings_json(f, keys, nk, lc[i].spec.hp);
        fprintf(f, "}%s\n", i + 1 < nl ? "," : "");
    }
    fputs(" ],\n \"optimizers\": [\n", f);
    for (size_t i = 0; i < no; i++) {
        fprintf(f, "  {\"type\": \"%s\", \"label\": \"%s\", \"lr\": %.17g, \"hp\": ",
                oc[i].def->name, oc[i].label, oc[i].lr);
        settings_json(f, oc[i].def->keys, oc[i].def->n_keys, oc[i].hp);
        fprintf(f, "}%s\n", i + 1 < no ? "," : "");
    }
    fputs(" ]}\n", f);
}
