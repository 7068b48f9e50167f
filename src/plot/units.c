/* nn_plot_units.c - heat maps of the per-unit history files *.units.csv (epoch,module,unit,
 * active_frac): the units of one activation module against the epochs, coloured by the
 * share of probe samples where the unit is active; never active (dead) is grey. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot/draw.h"

/* The paths found so far. */
typedef struct path_list {
    char **path;
    size_t n, cap;
} path_list;

static nn_status list_add(path_list *l, const char *path, nn_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **bigger = realloc(l->path, cap * sizeof *bigger);
        if (!bigger)
            return nn_fail(err, NN_ESYS, "out of memory listing the *.units.csv files");
        l->path = bigger;
        l->cap = cap;
    }
    if (!(l->path[l->n] = strdup(path)))
        return nn_fail(err, NN_ESYS, "out of memory listing the *.units.csv files");
    l->n++;
    return NN_OK;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n > m && strcmp(s + n - m, tail) == 0;
}

/* Every *.units.csv under dir, plots/ and hidden folders left out. */
static nn_status scan(const char *dir, int top, path_list *l, nn_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return nn_fail(err, NN_EDATA, "%s: cannot list the folder: %s", dir, strerror(errno));
    nn_status st = NN_OK;
    struct dirent *e;
    while (st == NN_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.' || (top && strcmp(e->d_name, "plots") == 0))
            continue;
        char path[4096];
        struct stat sb;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
            stat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            st = scan(path, 0, l, err);
        else if (S_ISREG(sb.st_mode) && ends_with(e->d_name, ".units.csv"))
            st = list_add(l, path, err);
    }
    closedir(d);
    return st;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The grid of one module: units (rows) x epochs (columns), NAN where a file has no row. */
typedef struct heat {
    double *epoch, *unit, *v;
    size_t n_epochs, n_units;
} heat;

static size_t index_of(const double *xs, size_t n, double x)
{
    size_t i = 0;
    while (i < n && xs[i] != x)
        i++;
    return i;
}

/* Adds x to the sorted distinct values xs (room for it is there). */
static void add_value(double *xs, size_t *n, double x)
{
    if (index_of(xs, *n, x) < *n)
        return;
    size_t i = *n;
    for (; i > 0 && xs[i - 1] > x; i--)
        xs[i] = xs[i - 1];
    xs[i] = x;
    (*n)++;
}

/* Fills h from the rows of t (columns col: epoch, module, unit, active_frac) of module m. */
static nn_status heat_fill(heat *h, const nn_csv_table *t, const size_t col[4], double m,
                           nn_error *err)
{
    memset(h, 0, sizeof *h);
    h->epoch = malloc(t->rows * sizeof *h->epoch);
    h->unit = malloc(t->rows * sizeof *h->unit);
    if (!h->epoch || !h->unit)
        return nn_fail(err, NN_ESYS, "%s: out of memory", t->path);
    for (size_t r = 1; r < t->rows; r++)
        if (nn_csv_num(t, r, col[1]) == m) {
            double e = nn_csv_num(t, r, col[0]), u = nn_csv_num(t, r, col[2]);
            if (!isfinite(e) || !isfinite(u))
                return nn_fail(err, NN_EDATA, "%s:%zu: epoch and unit must be numbers", t->path,
                               r + 1);
            add_value(h->epoch, &h->n_epochs, e);
            add_value(h->unit, &h->n_units, u);
        }
    if (!(h->v = malloc(h->n_epochs * h->n_units * sizeof *h->v)))
        return nn_fail(err, NN_ESYS, "%s: out of memory", t->path);
    for (size_t i = 0; i < h->n_epochs * h->n_units; i++)
        h->v[i] = NAN;
    for (size_t r = 1; r < t->rows; r++)
        if (nn_csv_num(t, r, col[1]) == m) {
            size_t e = index_of(h->epoch, h->n_epochs, nn_csv_num(t, r, col[0]));
            size_t u = index_of(h->unit, h->n_units, nn_csv_num(t, r, col[2]));
            h->v[u * h->n_epochs + e] = nn_csv_num(t, r, col[3]);
        }
    return NN_OK;
}

static void heat_free(heat *h)
{
    free(h->epoch);
    free(h->unit);
    free(h->v);
}

/* The "using" expression of one matrix coordinate: the values themselves when evenly
 * spaced (x0 + i step), else the index with tics naming the values. */
static void heat_axis(FILE *f, char axis, const double *xs, size_t n, char *using, size_t len)
{
    double step = n > 1 ? (xs[n - 1] - xs[0]) / (double)(n - 1) : 1;
    int even = 1;
    for (size_t i = 1; i < n; i++)
        even &= fabs(xs[i] - xs[i - 1] - step) <= 1e-9 * fmax(1, fabs(step));
    int col = axis == 'x' ? 1 : 2;
    if (even) {
        snprintf(using, len, "(%.9g+$%d*%.9g)", xs[0], col, step);
        fprintf(f, "    set %crange [%.9g:%.9g]\n", axis, xs[0] - step / 2, xs[n - 1] + step / 2);
        if (axis == 'x' && n <= 21)
            fprintf(f, "    set xtics %.9g\n", step);
        return;
    }
    snprintf(using, len, "%d", col);
    fprintf(f, "    set %crange [-0.5:%.9g]\n    set %ctics (", axis, (double)n - 0.5, axis);
    size_t every = n / 20 + 1;
    for (size_t i = 0; i < n; i += every)
        fprintf(f, "%s'%g' %zu", i ? ", " : "", xs[i], i);
    fputs(")\n", f);
}

static void heat_script(FILE *f, const char *name, const char *title, const heat *h)
{
    char x[96], y[96];
    /* About 2 pixels a unit, within reason. */
    size_t tall = h->n_units < 100 ? 100 : h->n_units > 450 ? 450 : h->n_units;
    nn_gp_begin(f, name, "active fraction of each unit per epoch", 960, 480 + 2 * (int)tall);
    fputs("    set xlabel 'epoch'\n    set ylabel 'unit'\n    set tics out\n", f);
    heat_axis(f, 'x', h->epoch, h->n_epochs, x, sizeof x);
    heat_axis(f, 'y', h->unit, h->n_units, y, sizeof y);
    fputs("    set cbrange [0:1]\n"
          "    set cblabel 'active: share of probe samples with pre-activation > 0'\n"
          "    set key below left reverse Left samplen 1.5\n"
          "    set palette defined (0 '#c8c8c8', 1e-9 '#440154', 0.25 '#3b528b', "
          "0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')\n"
          "    set title ",
          f);
    nn_gp_str(f, title);
    fputs(" font ',13'\n", f);
    /* SVG: a rectangle per cell (a bitmap there is blurred by the viewer); PNG: a bitmap
     * (rectangles leave seams between the cells). */
    for (int svg = 1; svg >= 0; svg--)
        fprintf(f,
                "    %s {\n"
                "        plot '%s.dat' matrix using %s:%s:3 with image%s notitle, \\\n"
                "             NaN with boxes fs solid 1.0 fc rgb '#c8c8c8' title 'never active: "
                "dead'\n",
                svg ? "if (format eq 'svg')" : "} else", name, x, y, svg ? " pixels" : "");
    fputs("    }\n", f);
    nn_gp_end(f);
}

static void heat_data(FILE *f, const char *path, double m, const heat *h)
{
    fputs("# written by nntrain plot from ", f);
    nn_gp_text(f, path);
    fprintf(f, ", module %g: active_frac of %zu units (rows) x %zu epochs (columns)\n# epochs:", m,
            h->n_units, h->n_epochs);
    for (size_t e = 0; e < h->n_epochs; e++)
        fprintf(f, " %g", h->epoch[e]);
    fputc('\n', f);
    for (size_t u = 0; u < h->n_units; u++)
        for (size_t e = 0; e < h->n_epochs; e++) {
            double v = h->v[u * h->n_epochs + e];
            if (isfinite(v))
                fprintf(f, "%.6g", v);
            else
                fputs("NaN", f);
            fputc(e + 1 < h->n_epochs ? ' ' : '\n', f);
        }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* units_<file>_m<module>: <file> is the file's name less .units.csv, or with by_path its
 * path under OUT_DIR (the names alone are not unique); made unique among the plots. */
static void heat_name(const nn_plot_set *o, const char *path, double m, int by_path, char *name,
                      size_t len)
{
    size_t n = strlen(o->out_dir);
    const char *rel = base_name(path);
    if (by_path && strncmp(path, o->out_dir, n) == 0 && path[n] == '/')
        rel = path + n + 1;
    size_t keep = strlen(rel);
    if (ends_with(rel, ".units.csv"))
        keep -= strlen(".units.csv");
    char stem[160], safe[160];
    snprintf(stem, sizeof stem, "%.*s", (int)keep, rel);
    nn_plot_safe_name(stem, safe, sizeof safe);
    for (int k = 1;; k++) {
        char suffix[16] = "";
        if (k > 1)
            snprintf(suffix, sizeof suffix, "_%d", k);
        snprintf(name, len, "units_%s_m%g%s", safe, m, suffix);
        size_t i = 0;
        while (i < o->n_names && strcmp(o->names[i], name) != 0)
            i++;
        if (i == o->n_names)
            return;
    }
}

/* "<path>, module 1: 12 of 64 units dead at epoch 10" (dead: active_frac 0). */
static void heat_title(const heat *h, const char *path, double m, char *buf, size_t len)
{
    size_t dead = 0, last = h->n_epochs - 1;
    for (size_t u = 0; u < h->n_units; u++)
        dead += h->v[u * h->n_epochs + last] == 0;
    snprintf(buf, len, "%s, module %g: %zu of %zu units dead at epoch %g", path, m, dead,
             h->n_units, h->epoch[last]);
}

/* The module to draw: module, or the lowest one when module < 0; NAN when absent (then
 * mods lists the file's modules). xs: scratch for t->rows numbers. */
static double pick_module(const nn_csv_table *t, size_t mc, long module, double *xs, char *mods,
                          size_t len)
{
    size_t n = nn_plot_distinct(t, mc, xs), used = 0;
    mods[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int k = snprintf(mods + used, len - used, "%s%g", i ? ", " : "", xs[i]);
        used += k > 0 ? (size_t)k : 0;
    }
    if (n == 0)
        return NAN;
    if (module < 0)
        return xs[0];
    return index_of(xs, n, (double)module) < n ? (double)module : NAN;
}

/* The heat map of one file; a file without the module asked for is an error when must,
 * else passed over (*drawn stays). */
static nn_status units_one(nn_plot_set *o, const char *path, long module, int must, int by_path,
                           int *drawn, nn_error *err)
{
    static const char *const names[4] = {"epoch", "module", "unit", "active_frac"};
    nn_csv_table t;
    size_t col[4];
    nn_status st = nn_csv_table_read(&t, path, err);
    for (int k = 0; k < 4 && st == NN_OK; k++)
        st = nn_plot_need_col(&t, names[k], &col[k], err);
    double *xs = st == NN_OK ? malloc(t.rows * sizeof *xs) : NULL;
    if (st == NN_OK && !xs)
        st = nn_fail(err, NN_ESYS, "out of memory");
    char mods[256], name[256], title[512];
    double m = st == NN_OK ? pick_module(&t, col[1], module, xs, mods, sizeof mods) : NAN;
    if (st == NN_OK && isnan(m) && must)
        st = t.rows < 2 ? nn_fail(err, NN_EDATA, "%s: no rows after the header", path)
                        : nn_fail(err, NN_EDATA, "%s: no module %ld (its modules: %s)", path,
                                  module, mods);
    heat h = {0};
    if (st == NN_OK && !isnan(m) && (st = heat_fill(&h, &t, col, m, err)) == NN_OK) {
        heat_name(o, path, m, by_path, name, sizeof name);
        heat_title(&h, path, m, title, sizeof title);
        FILE *dat = nn_plot_open(o, name, "dat", err),
             *gp = dat ? nn_plot_open(o, name, "gp", err) : NULL;
        if (gp) {
            heat_data(dat, path, m, &h);
            heat_script(gp, name, title, &h);
        }
        st = nn_plot_close(dat, o, name, "dat", dat && gp ? NN_OK : err->code, err);
        st = nn_plot_close(gp, o, name, "gp", st, err);
        if (st == NN_OK && (st = nn_plot_add(o, name, err)) == NN_OK)
            *drawn = 1;
    }
    heat_free(&h);
    free(xs);
    nn_csv_table_free(&t);
    return st;
}

nn_status nn_plot_units(nn_plot_set *o, const char *only_file, long module, nn_error *err)
{
    int drawn = 0;
    if (only_file)
        return units_one(o, only_file, module, 1, 0, &drawn, err);
    path_list l = {0};
    nn_status st = scan(o->out_dir, 1, &l, err);
    if (st == NN_OK && l.n > 1)
        qsort(l.path, l.n, sizeof *l.path, by_string);
    int by_path = 0; /* two files of one name in different folders */
    for (size_t i = 0; i < l.n; i++)
        for (size_t j = i + 1; j < l.n; j++)
            by_path |= strcmp(base_name(l.path[i]), base_name(l.path[j])) == 0;
    for (size_t i = 0; st == NN_OK && i < l.n; i++)
        st = units_one(o, l.path[i], module, 0, by_path, &drawn, err);
    if (st == NN_OK && module >= 0 && l.n > 0 && !drawn)
        st = nn_fail(err, NN_EDATA, "%s: no *.units.csv there has module %ld (see --module)",
                     o->out_dir, module);
    for (size_t i = 0; i < l.n; i++)
        free(l.path[i]);
    free(l.path);
    return st;
}
