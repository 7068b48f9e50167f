/* support/images.c - see images.h. */
#include "support/images.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image_write.h>

#include "support/helpers.h"

void ft_truncate_to(const char *path, double fraction)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(truncate(path, (off_t)((double)st.st_size * fraction)), 0);
}

uint8_t *ft_pattern(int w, int h, int comp, unsigned seed)
{
    uint8_t *p = malloc((size_t)(w * h * comp));
    ck_assert_ptr_nonnull(p);
    uint32_t x = seed * 2654435761u + 1;
    for (int i = 0; i < w * h * comp; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 24);
    }
    return p;
}

void ft_put_png(const char *path, int w, int h, int comp, unsigned seed)
{
    uint8_t *p = ft_pattern(w, h, comp, seed);
    ck_assert_msg(stbi_write_png(path, w, h, comp, p, w * comp), "stbi_write_png %s", path);
    free(p);
}

void ft_put_pnm(const char *path, int w, int h, int comp, unsigned seed)
{
    uint8_t *p = ft_pattern(w, h, comp, seed);
    char head[64];
    int n = snprintf(head, sizeof head, "P%c\n# made by a test\n%d %d\n255\n",
                     comp == 1 ? '5' : '6', w, h);
    size_t len = (size_t)n + (size_t)(w * h * comp);
    uint8_t *buf = malloc(len);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, head, (size_t)n);
    memcpy(buf + n, p, (size_t)(w * h * comp));
    ft_write_bytes(path, buf, len);
    free(buf);
    free(p);
}

uint8_t ft_luma(const uint8_t *rgb)
{
    return (uint8_t)((rgb[0] * 77 + rgb[1] * 150 + rgb[2] * 29) >> 8);
}

void ft_expect_pixels(const uint8_t *got, int w, int h, int comp, unsigned seed, size_t channels,
                      const char *what)
{
    uint8_t *p = ft_pattern(w, h, comp, seed);
    for (int i = 0; i < w * h; i++) {
        for (size_t c = 0; c < channels; c++) {
            uint8_t want = comp == 1       ? p[i]
                           : channels == 3 ? p[i * 3 + (int)c]
                                           : ft_luma(p + i * 3);
            ck_assert_msg(got[(size_t)i * channels + c] == want,
                          "%s: pixel %d channel %zu is %u, expected %u", what, i, c,
                          got[(size_t)i * channels + c], want);
        }
    }
    free(p);
}

const uint8_t FT_GIF_1x1[FT_GIF_1x1_LEN] = {
    'G', 'I',  'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xff, 0xff, 0xff, 0,   0,
    0,   0x2c, 0,   0,   0,   0,   1, 0, 1, 0, 0,    2, 2, 0x44, 0x01, 0,    0x3b};

nn_folder_options ft_opts(size_t channels, nn_bad_file on_bad, size_t threads)
{
    nn_folder_options o = {.channels = channels, .on_bad = on_bad, .threads = threads};
    return o;
}

void ft_load_ok(const char *root, nn_folder_options o, nn_dataset *ds, nn_folder *f,
                nn_folder_report *rep)
{
    nn_error err = {0};
    nn_status st = nn_folder_scan(f, root, &err);
    ck_assert_msg(st == NN_OK, "scan: %s", err.msg);
    st = nn_folder_decode(f, &o, ds, rep, &err);
    ck_assert_msg(st == NN_OK, "decode: %s", err.msg);
}

void ft_load_fails(const char *root, nn_folder_options o, const char *needle1, const char *needle2)
{
    nn_folder f;
    nn_dataset ds;
    nn_folder_report rep;
    nn_error err = {0};
    nn_status st = nn_folder_scan(&f, root, &err);
    if (st == NN_OK) {
        memset(&ds, 0x5a, sizeof ds);
        st = nn_folder_decode(&f, &o, &ds, &rep, &err);
        ck_assert_ptr_null(ds.pixels);
        ck_assert_uint_eq(ds.n, 0);
        ck_assert_uint_eq(rep.skipped, 0);
    }
    ck_assert_msg(st == NN_EDATA, "status %d: %s", (int)st, err.msg);
    ck_assert_msg(strchr(err.msg, '\n') == NULL, "not one line: %s", err.msg);
    ck_assert_msg(strstr(err.msg, needle1), "'%s' not in: %s", needle1, err.msg);
    if (needle2)
        ck_assert_msg(strstr(err.msg, needle2), "'%s' not in: %s", needle2, err.msg);
    nn_folder_free(&f);
}

void ft_make_base(const char *root)
{
    ft_mkdirs(ft_at("%s/a", root));
    ft_mkdirs(ft_at("%s/b", root));
    for (int i = 0; i < 4; i++)
        ft_put_png(ft_at("%s/a/%d.png", root, i), 4, 4, 1, 100 + (unsigned)i);
    for (int i = 0; i < 3; i++)
        ft_put_png(ft_at("%s/b/%d.png", root, i), 4, 4, 1, 200 + (unsigned)i);
}

/* Sample order of ds sorted by (label, index): a stable counting sort. */
static size_t *by_label(const nn_dataset *ds)
{
    size_t *order = malloc(ds->n * sizeof *order), k = 0;
    ck_assert_ptr_nonnull(order);
    for (int32_t c = 0; c < (int32_t)ds->n_classes; c++)
        for (size_t i = 0; i < ds->n; i++)
            if (ds->labels[i] == c)
                order[k++] = i;
    ck_assert_uint_eq(k, ds->n);
    return order;
}

void ft_assert_round_trip(const char *root, const nn_dataset *src)
{
    nn_folder f;
    nn_dataset loaded;
    ft_load_ok(root, ft_opts(1, NN_BAD_FILE_ERROR, 0), &loaded, &f, NULL);
    ck_assert_uint_eq(loaded.n, src->n);
    ck_assert_uint_eq(loaded.dim, src->dim);
    ck_assert_uint_eq(loaded.rows, src->rows);
    ck_assert_uint_eq(loaded.n_classes, src->n_classes);
    int width = 1;
    for (size_t v = src->n_classes - 1; src->n_classes > 10 && v >= 10; v /= 10)
        width++;
    for (size_t c = 0; c < src->n_classes; c++) {
        char name[32];
        ck_assert_int_lt(snprintf(name, sizeof name, "%0*zu", width, c), (int)sizeof name);
        ck_assert_str_eq(loaded.class_names[c], name);
    }
    size_t *order = by_label(src);
    for (size_t k = 0; k < src->n; k++) {
        size_t i = order[k];
        ck_assert_msg(loaded.labels[k] == src->labels[i], "sample %zu: label %d, expected %d", k,
                      loaded.labels[k], src->labels[i]);
        const uint8_t *got = loaded.pixels + k * src->dim, *want = src->pixels + i * src->dim;
        ck_assert_msg(memcmp(got, want, src->dim) == 0, "sample %zu (index %zu): pixels differ", k,
                      i);
    }
    free(order);
    nn_dataset_free(&loaded);
    nn_folder_free(&f);
}
