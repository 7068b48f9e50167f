/* data/idx.c - IDX loading (raw and gzip, every kind of damage; batches and statistics:
 * data/dataset.c). Tiny IDX files are written into a temporary directory that the
 * parent process creates before a test case and removes after it (an unchecked
 * fixture, so it is removed even when a forked test fails). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data/dataset.h"
#include "suites.h"
#include "support/fixture.h"

#define IMG_MAGIC 0x00000803u
#define LBL_MAGIC 0x00000801u

/* ---- helpers that build files ---------------------------------------------------- */

typedef struct path_buf {
    char s[256];
} path_buf;

static path_buf tmp_path(const char *name)
{
    path_buf p;
    snprintf(p.s, sizeof p.s, "%s/%s", ft_dir(), name);
    return p;
}

static void put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* Writes bytes to path as is, or gzip-compressed when gz. */
static void write_file(const char *path, const void *bytes, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        ck_assert_msg(f != NULL, "gzopen %s", path);
        ck_assert_int_eq(gzwrite(f, bytes, (unsigned)len), (int)len);
        ck_assert_int_eq(gzclose(f), Z_OK);
    } else {
        ft_write_bytes(path, bytes, len);
    }
}

/* Writes an IDX file: magic, ndims sizes, then len payload bytes, then extra bytes of
 * 0xAB (extra trailing garbage). The payload is not checked against the sizes, so the
 * caller can build truncated files. */
static void write_idx(const char *path, uint32_t magic, const uint32_t *dims, unsigned ndims,
                      const uint8_t *payload, size_t len, size_t extra, int gz)
{
    size_t head = 4 + 4 * (size_t)ndims;
    unsigned char *buf = malloc(head + len + extra);
    ck_assert_ptr_nonnull(buf);
    put_be32(buf, magic);
    for (unsigned i = 0; i < ndims; i++)
        put_be32(buf + 4 + 4 * i, dims[i]);
    if (len > 0)
        memcpy(buf + head, payload, len);
    memset(buf + head + len, 0xAB, extra);
    write_file(path, buf, head + len + extra, gz);
    free(buf);
}

/* The reference set: 3 images of 2 x 3 pixels, labels 2, 0, 1. */
enum { REF_N = 3, REF_ROWS = 2, REF_COLS = 3, REF_DIM = REF_ROWS * REF_COLS };
static const uint8_t REF_PIXELS[REF_N * REF_DIM] = {
    0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105, 250, 251, 252, 253, 254, 255,
};
static const uint8_t REF_LABELS[REF_N] = {2, 0, 1};

static path_buf ref_images(const char *name, size_t drop, size_t extra, int gz)
{
    path_buf p = tmp_path(name);
    const uint32_t dims[3] = {REF_N, REF_ROWS, REF_COLS};
    write_idx(p.s, IMG_MAGIC, dims, 3, REF_PIXELS, sizeof REF_PIXELS - drop, extra, gz);
    return p;
}

static path_buf ref_labels(const char *name, size_t drop, size_t extra, int gz)
{
    path_buf p = tmp_path(name);
    const uint32_t dims[1] = {REF_N};
    write_idx(p.s, LBL_MAGIC, dims, 1, REF_LABELS, sizeof REF_LABELS - drop, extra, gz);
    return p;
}

static void assert_ref_loaded(const nn_dataset *ds, size_t n)
{
    ck_assert_uint_eq(ds->n, n);
    ck_assert_uint_eq(ds->rows, REF_ROWS);
    ck_assert_uint_eq(ds->cols, REF_COLS);
    ck_assert_uint_eq(ds->channels, 1);
    ck_assert_uint_eq(ds->dim, REF_DIM);
    ck_assert_uint_eq(ds->n_classes, 3);
    ck_assert_mem_eq(ds->pixels, REF_PIXELS, n * REF_DIM);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(ds->labels[i], REF_LABELS[i]);
}

/* Loads and expects failure with NN_EDATA, a zeroed data set and a message that names
 * must_name and contains keyword. */
static void expect_fail(const char *images, const char *labels, const char *must_name,
                        const char *keyword)
{
    nn_dataset ds;
    nn_error err = {0};
    memset(&ds, 0x5A, sizeof ds);
    nn_status st = nn_idx_load(&ds, images, labels, 0, &err);
    ck_assert_msg(st == NN_EDATA, "status %d, message: %s", (int)st, err.msg);
    ck_assert_int_eq(err.code, NN_EDATA);
    ck_assert_ptr_null(ds.pixels);
    ck_assert_ptr_null(ds.labels);
    ck_assert_uint_eq(ds.n, 0);
    ck_assert_msg(strstr(err.msg, must_name) != NULL, "file name %s not in: %s", must_name,
                  err.msg);
    ck_assert_msg(strstr(err.msg, keyword) != NULL, "\"%s\" not in: %s", keyword, err.msg);
    ck_assert_msg(strchr(err.msg, '\n') == NULL, "message is not one line: %s", err.msg);
    nn_dataset_free(&ds);
}

/* ---- loading valid files --------------------------------------------------------- */

START_TEST(load_raw)
{
    path_buf im = ref_images("img", 0, 0, 0), lb = ref_labels("lbl", 0, 0, 0);
    nn_dataset ds;
    nn_error err = {0};
    ck_assert_int_eq(nn_idx_load(&ds, im.s, lb.s, 0, &err), NN_OK);
    assert_ref_loaded(&ds, REF_N);
    nn_dataset_free(&ds);
    ck_assert_ptr_null(ds.pixels);
    ck_assert_uint_eq(ds.n, 0);
}
END_TEST

START_TEST(load_gzip)
{
    path_buf im = ref_images("img.gz", 0, 0, 1), lb = ref_labels("lbl.gz", 0, 0, 1);
    nn_dataset ds;
    nn_error err = {0};
    ck_assert_int_eq(nn_idx_load(&ds, im.s, lb.s, 0, &err), NN_OK);
    assert_ref_loaded(&ds, REF_N);
    nn_dataset_free(&ds);
}
END_TEST

START_TEST(load_mixed_and_misnamed)
{
    /* Detection is by content: gzip data without .gz, plain data with .gz. */
    path_buf im = ref_images("img-really-gzip", 0, 0, 1), lb = ref_labels("lbl-plain.gz", 0, 0, 0);
    nn_dataset ds;
    nn_error err = {0};
    ck_assert_int_eq(nn_idx_load(&ds, im.s, lb.s, 0, &err), NN_OK);
    assert_ref_loaded(&ds, REF_N);
    nn_dataset_free(&ds);
}
END_TEST

START_TEST(load_limit)
{
    path_buf im = ref_images("img.gz", 0, 0, 1), lb = ref_labels("lbl", 0, 0, 0);
    nn_dataset ds;
    nn_error err = {0};
    ck_assert_int_eq(nn_idx_load(&ds, im.s, lb.s, 2, &err), NN_OK);
    /* n_classes still comes from all labels (the third one is the largest, 1 < 2). */
    assert_ref_loaded(&ds, 2);
    nn_dataset_free(&ds);

    ck_assert_int_eq(nn_idx_load(&ds, im.s, lb.s, 1, &err), NN_OK);
    assert_ref_loaded(&ds, 1);
    nn_dataset_free(&ds);

    ck_assert_int_eq(nn_idx_load(&ds, im.s, lb.s, 1000, &err), NN_OK);
    assert_ref_loaded(&ds, REF_N);
    nn_dataset_free(&ds);
}
END_TEST

START_TEST(load_larger_gzip)
{
    /* Enough data for several zlib buffers and a multi-block deflate stream. */
    enum { N = 300, R = 28, C = 28 };
    uint8_t *pix = malloc((size_t)N * R * C);
    uint8_t lab[N];
    ck_assert_ptr_nonnull(pix);
    uint32_t x = 12345;
    for (size_t i = 0; i < (size_t)N * R * C; i++) {
        x = x * 1103515245u + 12345u;
        pix[i] = (uint8_t)(i % 7 == 0 ? x >> 24 : 0);
    }
    for (int i = 0; i < N; i++)
        lab[i] = (uint8_t)(i % 10);
    path_buf im = tmp_path("big-img.gz"), lb = tmp_path("big-lbl.gz");
    const uint32_t idims[3] = {N, R, C}, ldims[1] = {N};
    write_idx(im.s, IMG_MAGIC, idims, 3, pix, (size_t)N * R * C, 0, 1);
    write_idx(lb.s, LBL_MAGIC, ldims, 1, lab, N, 0, 1);

    nn_dataset ds;
    nn_error err = {0};
    ck_assert_int_eq(nn_idx_load(&ds, im.s, lb.s, 0, &err), NN_OK);
    ck_assert_uint_eq(ds.n, N);
    ck_assert_uint_eq(ds.dim, R * C);
    ck_assert_uint_eq(ds.n_classes, 10);
    ck_assert_mem_eq(ds.pixels, pix, (size_t)N * R * C);
    ck_assert_int_eq(ds.labels[N - 1], (N - 1) % 10);
    nn_dataset_free(&ds);
    free(pix);
}
END_TEST

/* ---- damaged files --------------------------------------------------------------- */

START_TEST(fail_missing_file)
{
    path_buf lb = ref_labels("lbl", 0, 0, 0);
    path_buf im = tmp_path("no-such-images.gz");
    expect_fail(im.s, lb.s, im.s, "No such file");
    path_buf img = ref_images("img", 0, 0, 0);
    path_buf nolb = tmp_path("no-such-labels");
    expect_fail(img.s, nolb.s, nolb.s, "No such file");
    expect_fail("", lb.s, "", "empty path");
    /* A NULL error pointer is allowed. */
    nn_dataset ds;
    ck_assert_int_eq(nn_idx_load(&ds, im.s, lb.s, 0, NULL), NN_EDATA);
}
END_TEST

START_TEST(fail_directory)
{
    path_buf lb = ref_labels("lbl", 0, 0, 0);
    path_buf d = tmp_path("a-directory");
    ck_assert_int_eq(mkdir(d.s, 0700), 0);
    expect_fail(d.s, lb.s, d.s, "directory");
}
END_TEST

START_TEST(fail_bad_magic)
{
    path_buf lb = ref_labels("lbl", 0, 0, 0);
    path_buf im = tmp_path("img-bad-magic");
    const uint32_t dims[3] = {REF_N, REF_ROWS, REF_COLS};
    write_idx(im.s, 0x00000804u, dims, 3, REF_PIXELS, sizeof REF_PIXELS, 0, 0);
    expect_fail(im.s, lb.s, im.s, "bad magic 0x00000804");

    path_buf lb2 = tmp_path("lbl-bad-magic.gz");
    const uint32_t ld[1] = {REF_N};
    write_idx(lb2.s, 0x00000C01u, ld, 1, REF_LABELS, sizeof REF_LABELS, 0, 1);
    path_buf im2 = ref_images("img", 0, 0, 0);
    expect_fail(im2.s, lb2.s, lb2.s, "bad magic");
}
END_TEST

START_TEST(fail_swapped_paths)
{
    path_buf im = ref_images("img", 0, 0, 0), lb = ref_labels("lbl", 0, 0, 0);
    expect_fail(lb.s, im.s, lb.s, "swapped");
}
END_TEST

START_TEST(fail_truncated_images)
{
    path_buf lb = ref_labels("lbl", 0, 0, 0);
    path_buf im = ref_images("img-short", 5, 0, 0);
    expect_fail(im.s, lb.s, im.s, "truncated: expected 18 bytes");
    path_buf img = ref_images("img-short.gz", 1, 0, 1);
    expect_fail(img.s, lb.s, img.s, "found 17");
}
END_TEST

START_TEST(fail_truncated_labels)
{
    path_buf im = ref_images("img", 0, 0, 0);
    path_buf lb = ref_labels("lbl-short.gz", 1, 0, 1);
    expect_fail(im.s, lb.s, lb.s, "truncated");
}
END_TEST

START_TEST(fail_truncated_header)
{
    path_buf lb = ref_labels("lbl", 0, 0, 0);
    path_buf im = tmp_path("img-head");
    const unsigned char head[10] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0};
    write_file(im.s, head, sizeof head, 0);
    expect_fail(im.s, lb.s, im.s, "truncated header");
}
END_TEST

START_TEST(fail_truncated_gzip_stream)
{
    /* A valid .gz cut in half: zlib reports the unexpected end of the stream. */
    path_buf lb = ref_labels("lbl", 0, 0, 0);
    path_buf im = ref_images("img-cut.gz", 0, 0, 1);
    struct stat st;
    ck_assert_int_eq(stat(im.s, &st), 0);
    ck_assert_int_eq(truncate(im.s, st.st_size / 2), 0);
    expect_fail(im.s, lb.s, im.s, "truncated");
}
END_TEST

START_TEST(fail_trailing_bytes)
{
    path_buf lb = ref_labels("lbl", 0, 0, 0);
    path_buf im = ref_images("img-long", 0, 3, 0);
    expect_fail(im.s, lb.s, im.s, "3 trailing bytes");
    path_buf im2 = ref_images("img", 0, 0, 0);
    path_buf lb2 = ref_labels("lbl-long.gz", 0, 1, 1);
    expect_fail(im2.s, lb2.s, lb2.s, "trailing bytes");

    /* A second gzip member is part of the decompressed data, so it counts too. */
    path_buf im3 = ref_images("img-two-members.gz", 0, 0, 1);
    gzFile g = gzopen(im3.s, "ab");
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(gzwrite(g, "xy", 2), 2);
    ck_assert_int_eq(gzclose(g), Z_OK);
    expect_fail(im3.s, lb.s, im3.s, "decompresses to more than the");
}
END_TEST

START_TEST(fail_count_mismatch)
{
    path_buf im = ref_images("img", 0, 0, 0);
    path_buf lb = tmp_path("lbl-4");
    const uint8_t four[4] = {0, 1, 2, 3};
    const uint32_t ld[1] = {4};
    write_idx(lb.s, LBL_MAGIC, ld, 1, four, sizeof four, 0, 0);
    expect_fail(im.s, lb.s, im.s, "count mismatch");
    expect_fail(im.s, lb.s, lb.s, "4 labels");
}
END_TEST

START_TEST(fail_zero_dimension)
{
    path_buf lb = ref_labels("lbl", 0, 0, 0);
    path_buf im = tmp_path("img-zero-rows");
    const uint32_t dims[3] = {REF_N, 0, REF_COLS};
    write_idx(im.s, IMG_MAGIC, dims, 3, NULL, 0, 0, 0);
    expect_fail(im.s, lb.s, im.s, "rows (at byte 8) is 0");
}
END_TEST

START_TEST(fail_absurd_size)
{
    /* The product overflows size_t: rejected before any allocation. */
    path_buf im = tmp_path("img-huge");
    path_buf lb = tmp_path("lbl-huge");
    const uint32_t idims[3] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, ldims[1] = {0xFFFFFFFFu};
    write_idx(im.s, IMG_MAGIC, idims, 3, NULL, 0, 0, 0);
    write_idx(lb.s, LBL_MAGIC, ldims, 1, REF_LABELS, sizeof REF_LABELS, 0, 0);
    expect_fail(im.s, lb.s, im.s, "absurd size");

    /* Large but addressable (1e11 bytes): over the 4 GiB limit, refused before reading. */
    path_buf im2 = tmp_path("img-big-claim");
    path_buf lb2 = tmp_path("lbl-big-claim");
    const uint32_t idims2[3] = {100000000u, 1000, 1000}, ldims2[1] = {100000000u};
    write_idx(im2.s, IMG_MAGIC, idims2, 3, REF_PIXELS, sizeof REF_PIXELS, 0, 0);
    write_idx(lb2.s, LBL_MAGIC, ldims2, 1, NULL, 0, 0, 0);
    expect_fail(im2.s, lb2.s, im2.s, "more than the limit of 4294967296 bytes");
}
END_TEST

START_TEST(fail_garbage_gz)
{
    path_buf lb = ref_labels("lbl", 0, 0, 0);

    /* Not gzip at all: read as plain bytes, so the magic is wrong. */
    path_buf g1 = tmp_path("garbage1.gz");
    const unsigned char junk[40] = "this is not an IDX file, nor gzip data";
    write_file(g1.s, junk, sizeof junk, 0);
    expect_fail(g1.s, lb.s, g1.s, "bad magic");

    /* A gzip header followed by garbage: the deflate stream is invalid. */
    path_buf g2 = tmp_path("garbage2.gz");
    unsigned char gz[64] = {0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3};
    memset(gz + 10, 0xFF, sizeof gz - 10);
    write_file(g2.s, gz, sizeof gz, 0);
    expect_fail(g2.s, lb.s, g2.s, "corrupt gzip");

    /* A valid gzip file whose CRC in the trailer is damaged. */
    path_buf g3 = ref_images("img-bad-crc.gz", 0, 0, 1);
    FILE *f = fopen(g3.s, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, -8, SEEK_END), 0);
    const unsigned char bad_crc[4] = {0xDE, 0xAD, 0xBE, 0xEF};
    ck_assert_uint_eq(fwrite(bad_crc, 1, 4, f), 4);
    ck_assert_int_eq(fclose(f), 0);
    expect_fail(g3.s, lb.s, g3.s, "incorrect data check");
}
END_TEST

START_TEST(fail_empty_file)
{
    path_buf lb = ref_labels("lbl", 0, 0, 0);
    path_buf im = tmp_path("empty-images.gz");
    write_file(im.s, "", 0, 0);
    expect_fail(im.s, lb.s, im.s, "empty file");

    /* A gzip file of nothing. */
    path_buf im2 = tmp_path("empty-gzip.gz");
    write_file(im2.s, "", 0, 1);
    expect_fail(im2.s, lb.s, im2.s, "empty file");
}
END_TEST

/* ---- from memory (nn_idx_load_mem: the path the file loader takes after reading) ---- */

/* The reference images (or labels) as an IDX file in buf; its length. */
static size_t ref_bytes(unsigned char *buf, int labels)
{
    put_be32(buf, labels ? LBL_MAGIC : IMG_MAGIC);
    put_be32(buf + 4, REF_N);
    if (labels) {
        memcpy(buf + 8, REF_LABELS, sizeof REF_LABELS);
        return 8 + sizeof REF_LABELS;
    }
    put_be32(buf + 8, REF_ROWS);
    put_be32(buf + 12, REF_COLS);
    memcpy(buf + 16, REF_PIXELS, sizeof REF_PIXELS);
    return 16 + sizeof REF_PIXELS;
}

/* in[0..n) gzip-compressed into out (cap bytes); the compressed length. */
static size_t gzip_bytes(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream zs = {0};
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t len = cap - zs.avail_out;
    deflateEnd(&zs);
    return len;
}

START_TEST(load_from_memory)
{
    unsigned char img[64], lbl[16], gz[128], two[256];
    size_t ni = ref_bytes(img, 0), nl = ref_bytes(lbl, 1);
    nn_dataset ds;
    nn_error err;
    ck_assert_int_eq(nn_idx_load_mem(&ds, img, ni, "m-img", lbl, nl, "m-lbl", 0, &err), NN_OK);
    assert_ref_loaded(&ds, REF_N);
    nn_dataset_free(&ds);

    /* Gzip, one member, then two members (the images cut in two). */
    size_t ng = gzip_bytes(img, ni, gz, sizeof gz);
    ck_assert_int_eq(nn_idx_load_mem(&ds, gz, ng, "m-img.gz", lbl, nl, "m-lbl", 0, &err), NN_OK);
    assert_ref_loaded(&ds, REF_N);
    nn_dataset_free(&ds);
    size_t n1 = gzip_bytes(img, 20, two, sizeof two);
    size_t n2 = gzip_bytes(img + 20, ni - 20, two + n1, sizeof two - n1);
    ck_assert_int_eq(nn_idx_load_images_mem(&ds, two, n1 + n2, "m-two.gz", &err), NN_OK);
    ck_assert_uint_eq(ds.n, REF_N);
    ck_assert_mem_eq(ds.pixels, REF_PIXELS, sizeof REF_PIXELS);
    nn_dataset_free(&ds);

    /* Damage gives the file loader's messages, naming the given names. */
    ck_assert_int_eq(nn_idx_load_mem(&ds, img, ni - 1, "m-img", lbl, nl, "m-lbl", 0, &err),
                     NN_EDATA);
    ck_assert_msg(strstr(err.msg, "m-img: truncated: expected 18 bytes"), "%s", err.msg);
    ck_assert_int_eq(nn_idx_load_mem(&ds, lbl, nl, "m-lbl", img, ni, "m-img", 0, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "swapped"), "%s", err.msg);
    ck_assert_int_eq(nn_idx_load_images_mem(&ds, gz, ng / 2, "m-cut.gz", &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "m-cut.gz: truncated gzip stream"), "%s", err.msg);
    ck_assert_int_eq(nn_idx_load_images_mem(&ds, NULL, 0, NULL, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "empty file"), "%s", err.msg);
    ck_assert_ptr_null(ds.pixels);
}
END_TEST

/* ---- the real MNIST test set (reported as skipped when the files are absent) ----- */

START_TEST(real_mnist_test_set)
{
    nn_dataset ds;
    nn_error err = {0};
    ck_assert_msg(th_load_mnist_test(&ds, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(ds.n, 10000);
    ck_assert_uint_eq(ds.rows, 28);
    ck_assert_uint_eq(ds.cols, 28);
    ck_assert_uint_eq(ds.channels, 1);
    ck_assert_uint_eq(ds.dim, 784);
    ck_assert_uint_eq(ds.n_classes, 10);
    const size_t want[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    size_t count[10] = {0};
    for (size_t i = 0; i < ds.n; i++) {
        ck_assert(ds.labels[i] >= 0 && ds.labels[i] < 10);
        count[ds.labels[i]]++;
    }
    for (int c = 0; c < 10; c++)
        ck_assert_msg(count[c] == want[c], "label %d: %zu samples, expected %zu", c, count[c],
                      want[c]);
    /* Border pixels of MNIST digits are background. */
    ck_assert_uint_eq(ds.pixels[0], 0);
    ck_assert_uint_eq(ds.pixels[783], 0);
    double mean, std;
    nn_dataset_stats(&ds, &mean, &std);
    ck_assert(mean > 0.1 && mean < 0.16);
    ck_assert(std > 0.28 && std < 0.34);
    nn_dataset_free(&ds);
}
END_TEST

Suite *idx_suite(th_skips *sk)
{
    Suite *s = suite_create("idx");

    TCase *load = tcase_create("load");
    tcase_add_unchecked_fixture(load, ft_setup, ft_teardown);
    tcase_add_test(load, load_raw);
    tcase_add_test(load, load_gzip);
    tcase_add_test(load, load_mixed_and_misnamed);
    tcase_add_test(load, load_limit);
    tcase_add_test(load, load_larger_gzip);
    tcase_add_test(load, load_from_memory);
    suite_add_tcase(s, load);

    TCase *bad = tcase_create("damaged");
    tcase_add_unchecked_fixture(bad, ft_setup, ft_teardown);
    tcase_add_test(bad, fail_missing_file);
    tcase_add_test(bad, fail_directory);
    tcase_add_test(bad, fail_bad_magic);
    tcase_add_test(bad, fail_swapped_paths);
    tcase_add_test(bad, fail_truncated_images);
    tcase_add_test(bad, fail_truncated_labels);
    tcase_add_test(bad, fail_truncated_header);
    tcase_add_test(bad, fail_truncated_gzip_stream);
    tcase_add_test(bad, fail_trailing_bytes);
    tcase_add_test(bad, fail_count_mismatch);
    tcase_add_test(bad, fail_zero_dimension);
    tcase_add_test(bad, fail_absurd_size);
    tcase_add_test(bad, fail_garbage_gz);
    tcase_add_test(bad, fail_empty_file);
    suite_add_tcase(s, bad);

    char why[256];
    if (th_mnist_dir(why, sizeof why)) {
        TCase *real = tcase_create("mnist");
        tcase_set_timeout(real, 30);
        tcase_add_test(real, real_mnist_test_set);
        suite_add_tcase(s, real);
    } else {
        th_skip(sk, "idx", "real_mnist_test_set", 1, why);
    }
    return s;
}
