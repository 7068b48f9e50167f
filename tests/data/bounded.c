/* data/bounded.c - memory bounded by what the data legitimately needs: a gzip bomb (an IDX
 * header for 10 images, then 100 MB of zeros) is refused without decompressing it whole,
 * bytes after the last gzip member (garbage or NUL padding) are a data error naming the
 * offset, and a model too large for memory is refused before any allocation, naming the
 * layer and the bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "support/fixture.h"
#include "support/helpers.h"
#include "data/load.h"
#include "nntrain.h"
#include "suites.h"

/* An IDX image file for n images of 28 x 28 (big-endian header), then extra zero bytes,
 * gzipped; then tail (tail_len bytes) appended raw after the gzip member. */
static void write_gz_idx(const char *path, unsigned n, size_t extra, const char *tail,
                         size_t tail_len)
{
    gzFile g = gzopen(path, "wb");
    ck_assert_ptr_nonnull(g);
    unsigned char head[16] = {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28};
    head[4] = (unsigned char)(n >> 24), head[5] = (unsigned char)(n >> 16);
    head[6] = (unsigned char)(n >> 8), head[7] = (unsigned char)n;
    ck_assert_int_eq(gzwrite(g, head, sizeof head), (int)sizeof head);
    static unsigned char zeros[1 << 16];
    size_t body = (size_t)n * 784 + extra;
    for (size_t done = 0; done < body;) {
        size_t k = body - done < sizeof zeros ? body - done : sizeof zeros;
        ck_assert_int_eq(gzwrite(g, zeros, (unsigned)k), (int)k);
        done += k;
    }
    ck_assert_int_eq(gzclose(g), Z_OK);
    if (tail_len) {
        FILE *f = fopen(path, "ab");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(tail, 1, tail_len, f), tail_len);
        fclose(f);
    }
}

static nn_status load_images(const char *path, nn_error *err)
{
    nn_dataset ds;
    nn_status st = nn_idx_load_images(&ds, path, err);
    if (st == NN_OK)
        nn_dataset_free(&ds);
    return st;
}

START_TEST(test_bounded_gzip)
{
    char *dir = th_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/img.gz", dir);
    nn_error err;
    write_gz_idx(path, 10, 0, NULL, 0); /* legitimate */
    ck_assert_msg(load_images(path, &err) == NN_OK, "%s", err.msg);
    write_gz_idx(path, 10, (size_t)100 << 20, NULL, 0); /* a bomb: 100 MB past its header */
    ck_assert_int_eq(load_images(path, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "decompresses to more than"), "%s", err.msg);
    write_gz_idx(path, 10, 0, "garbage!", 8); /* garbage after the member */
    ck_assert_int_eq(load_images(path, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, "trailing bytes after the last gzip member, from byte"), "%s",
                  err.msg);
    static const char nul[512] = {0};
    write_gz_idx(path, 10, 0, nul, sizeof nul); /* NUL padding after the member */
    ck_assert_int_eq(load_images(path, &err), NN_EDATA);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    th_rmdir(dir);
    free(dir);
}
END_TEST

/* A PNG whose header says w x h (8-bit gray) and whose data is a few zero rows. */
static void write_png_header(const char *path, unsigned w, unsigned h)
{
    unsigned char png[128], *p = png;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(p, sig, 8), p += 8;
    unsigned char ihdr[17] = {'I', 'H', 'D', 'R', (unsigned char)(w >> 24), (unsigned char)(w >> 16),
                              (unsigned char)(w >> 8), (unsigned char)w, (unsigned char)(h >> 24),
                              (unsigned char)(h >> 16), (unsigned char)(h >> 8), (unsigned char)h,
                              8, 0, 0, 0, 0};
    const unsigned char len13[4] = {0, 0, 0, 13}, len0[4] = {0};
    memcpy(p, len13, 4), p += 4;
    memcpy(p, ihdr, 17), p += 17;
    uLong crc = crc32(0L, ihdr, 17);
    for (int k = 3; k >= 0; k--)
        *p++ = (unsigned char)(crc >> (8 * k));
    memcpy(p, len0, 4), p += 4;
    memcpy(p, "IEND", 4), p += 4;
    crc = crc32(0L, (const Bytef *)"IEND", 4);
    for (int k = 3; k >= 0; k--)
        *p++ = (unsigned char)(crc >> (8 * k));
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(png, 1, (size_t)(p - png), f), (size_t)(p - png));
    fclose(f);
}

/* An image folder whose first PNG says 16000 x 16000 (256 MB of pixels) is refused from
 * its header, before any decoding. */
START_TEST(test_bounded_image_header)
{
    char *dir = th_tmpdir(), path[700], json[2048];
    snprintf(path, sizeof path, "%s/d/0", dir);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s/d/1'", path, dir);
    ck_assert_int_eq(th_run(cmd), 0);
    snprintf(path, sizeof path, "%s/d/0/a.png", dir);
    write_png_header(path, 16000, 16000);
    snprintf(path, sizeof path, "%s/d/1/b.png", dir);
    write_png_header(path, 16000, 16000);
    snprintf(json, sizeof json,
             "{\"data\": {\"format\": \"image_folder\", \"train_dir\": \"%s/d\", "
             "\"test_dir\": \"%s/d\"}, \"model\": [{\"type\": \"dense\", \"units\": 2}]}",
             dir, dir);
    nn_config cfg;
    nn_error err;
    ck_assert_msg(nn_config_parse(&cfg, json, "img.json", NULL, 0, &err) == NN_OK, "%s", err.msg);
    nn_dataset train, test;
    nn_hooks quiet = {0};
    ck_assert_int_eq(nn_data_load(&cfg.data, cfg.source, 0, &quiet, &train, &test, &err),
                     NN_EDATA);
    ck_assert_msg(strstr(err.msg, "over the limit of 16384 pixels a side and 64 MB"), "%s", err.msg);
    nn_config_free(&cfg);
    th_rmdir(dir);
    free(dir);
}
END_TEST

START_TEST(test_bounded_model)
{
    nn_config cfg;
    nn_error err;
    const char *json = "{\"data\": {\"format\": \"idx\", \"train_images\": \"-\", \"train_labels\": "
                       "\"-\", \"test_images\": \"-\", \"test_labels\": \"-\"}, \"model\": "
                       "[{\"type\": \"dense\", \"units\": 1048576}, {\"type\": \"relu\"}, "
                       "{\"type\": \"dense\", \"units\": 1048576}, {\"type\": \"relu\"}, "
                       "{\"type\": \"dense\", \"units\": 3}], \"train\": {\"epochs\": 0}, "
                       "\"output\": {\"csv\": \"-\"}}";
    ck_assert_msg(nn_config_parse(&cfg, json, "big.json", NULL, 0, &err) == NN_OK, "%s", err.msg);
    nn_dataset train, test;
    ck_assert_int_eq(th_synthetic(&train, 30, 8, 3, 1), 0);
    ck_assert_int_eq(th_synthetic(&test, 10, 8, 3, 2), 0);
    ck_assert_int_eq(nn_train_on(&cfg, &train, &test, NULL, &err), NN_ECONFIG);
    ck_assert_msg(strstr(err.msg, "model[2]: 1048576 x 1048576 weights need"), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "TiB"), "%s", err.msg);
    nn_dataset_free(&train);
    nn_dataset_free(&test);
    nn_config_free(&cfg);
}
END_TEST

/* A message quoting a hostile name stays one visible line: control characters and bytes
 * that are not UTF-8 are escaped, valid UTF-8 is kept. */
START_TEST(test_messages_escaped)
{
    nn_error err;
    nn_fail(&err, NN_EDATA, "%s: bad", "a\nb\x1b[2Jc\xff\xc3\xa9");
    ck_assert_str_eq(err.msg, "a\\nb\\x1b[2Jc\\xff\xc3\xa9: bad");
    nn_config cfg;
    ck_assert_int_eq(nn_config_load(&cfg, "/tmp/no\nsuch\x1b[2J.json", NULL, 0, &err), NN_ECONFIG);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    ck_assert_ptr_null(strchr(err.msg, '\x1b'));
    ck_assert_ptr_nonnull(strstr(err.msg, "no\\nsuch\\x1b[2J.json"));
}
END_TEST

Suite *bounded_suite(void)
{
    Suite *s = suite_create("bounded");
    TCase *tc = tcase_create("bounded");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_bounded_gzip);
    tcase_add_test(tc, test_bounded_model);
    tcase_add_test(tc, test_bounded_image_header);
    tcase_add_test(tc, test_messages_escaped);
    suite_add_tcase(s, tc);
    return s;
}
