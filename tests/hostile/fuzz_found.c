/* hostile/fuzz_found.c - the in-memory entry points the fuzzing harnesses drive (tests/fuzz/),
 * and every input a harness found that once failed (a crash, a leak, a sanitizer report):
 * each stays fixed here without a fuzzer. The IDX reader's own cases are in data/idx.c. */
#include <stb_image.h>
#include <zlib.h>
#include <stb_image_write.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/image_decode.h"
#include "support/fixture.h"
#include "support/helpers.h"
#include "suites.h"
#include "sweep/collect.h"
#include "sweep/files.h"

typedef struct bytes {
    unsigned char *p;
    size_t len;
} bytes;

static void collect_png(void *ctx, void *data, int size)
{
    bytes *b = ctx;
    unsigned char *grown = realloc(b->p, b->len + (size_t)size);
    ck_assert_ptr_nonnull(grown);
    memcpy(grown + b->len, data, (size_t)size);
    b->p = grown;
    b->len += (size_t)size;
}

/* A later image (the PNG fast path) and a first image (stb_image) give the same pixels;
 * the wrong size and damage are reported as such. */
START_TEST(test_image_decode_mem)
{
    uint8_t px[7 * 5 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 37);
    bytes png = {0};
    ck_assert(stbi_write_png_to_func(collect_png, &png, 7, 5, 3, px, 7 * 3));
    nn_image_decoder d = {0};
    nn_image_result r;
    uint8_t out[sizeof px], *first = NULL;
    nn_image_decode_mem(&d, png.p, png.len, 3, 7, 5, out, NULL, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_OK);
    ck_assert_mem_eq(out, px, sizeof px);
    nn_image_decode_mem(&d, png.p, png.len, 3, 0, 0, NULL, &first, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_OK);
    ck_assert_int_eq(r.w, 7);
    ck_assert_mem_eq(first, px, sizeof px);
    stbi_image_free(first);
    nn_image_decode_mem(&d, png.p, png.len, 3, 5, 7, out, NULL, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_SIZE);
    nn_image_decode_mem(&d, png.p, png.len / 2, 1, 0, 0, NULL, &first, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_INCOMPLETE); /* a chunk runs past the end */
    ck_assert_str_eq(r.format, "PNG");
    ck_assert_ptr_null(first);
    nn_image_decode_mem(&d, png.p, 0, 1, 0, 0, NULL, &first, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_EMPTY);
    nn_image_decoder_free(&d);
    free(png.p);
}
END_TEST

static void put_chunk(bytes *b, const char *type, const uint8_t *data, uint32_t len)
{
    uint8_t head[8] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                       (uint8_t)len};
    memcpy(head + 4, type, 4);
    collect_png(b, head, 8);
    if (len)
        collect_png(b, (void *)(uintptr_t)data, (int)len);
    uLong crc = crc32(crc32(0L, (const Bytef *)type, 4), data, len);
    uint8_t tail[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8),
                       (uint8_t)crc};
    collect_png(b, tail, 4);
}

/* Found by fuzz_image (corpus/image/crash-palette-index-out-of-range): a palette index
 * past the end of a short PLTE made stb_image read its uninitialized palette, so the same
 * file decoded to different pixels from call to call. Such indices now read black. */
START_TEST(test_png_palette_index_out_of_range)
{
    bytes png = {0};
    collect_png(&png, "\x89PNG\r\n\x1a\n", 8);
    const uint8_t ihdr[13] = {0, 0, 0, 4, 0, 0, 0, 2, 8, 3, 0, 0, 0}; /* 4 x 2, 8-bit palette */
    put_chunk(&png, "IHDR", ihdr, 13);
    const uint8_t plte[6] = {10, 20, 30, 200, 100, 50};
    put_chunk(&png, "PLTE", plte, 6);
    const uint8_t rows[10] = {0, 0, 1, 220, 255, 0, 1, 0, 7, 1};
    uint8_t z[64];
    uLongf zlen = sizeof z;
    ck_assert_int_eq(compress(z, &zlen, rows, sizeof rows), Z_OK);
    put_chunk(&png, "IDAT", z, (uint32_t)zlen);
    put_chunk(&png, "IEND", NULL, 0);
    const uint8_t want[8 * 3] = {10,  20,  30, 200, 100, 50, 0, 0, 0, 0,   0,   0,
                                 200, 100, 50, 10,  20,  30, 0, 0, 0, 200, 100, 50};
    nn_image_decoder d = {0};
    nn_image_result r;
    for (int k = 0; k < 2; k++) {
        uint8_t *first = NULL, later[sizeof want];
        nn_image_decode_mem(&d, png.p, png.len, 3, 0, 0, NULL, &first, &r);
        ck_assert_int_eq(r.status, NN_IMAGE_OK);
        ck_assert_mem_eq(first, want, sizeof want);
        stbi_image_free(first);
        nn_image_decode_mem(&d, png.p, png.len, 3, 4, 2, later, NULL, &r);
        ck_assert_int_eq(r.status, NN_IMAGE_OK);
        ck_assert_mem_eq(later, want, sizeof want);
    }
    /* More alphas (tRNS) than colors stays refused, as stb_image refuses it. */
    bytes bad = {0};
    collect_png(&bad, png.p, 8 + 25 + 18);
    const uint8_t trns[3] = {0, 0, 0};
    put_chunk(&bad, "tRNS", trns, 3);
    collect_png(&bad, png.p + 8 + 25 + 18, (int)(png.len - 8 - 25 - 18));
    uint8_t *none = NULL;
    nn_image_decode_mem(&d, bad.p, bad.len, 3, 0, 0, NULL, &none, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_DECODE);
    ck_assert_ptr_null(none);
    /* Found by fuzz_image (corpus/image/crash-trns-after-iend): a long tRNS after IEND,
     * where stb_image stops reading, stopped the padding, and stb_image read the short
     * palette again. Chunks after IEND count for nothing. */
    bytes after = {0};
    collect_png(&after, png.p, png.len);
    put_chunk(&after, "tRNS", trns, 3);
    for (int k = 0; k < 2; k++) {
        uint8_t *first = NULL;
        nn_image_decode_mem(&d, after.p, after.len, 3, 0, 0, NULL, &first, &r);
        ck_assert_int_eq(r.status, NN_IMAGE_OK);
        ck_assert_mem_eq(first, want, sizeof want);
        stbi_image_free(first);
    }
    nn_image_decoder_free(&d);
    free(png.p);
    free(bad.p);
    free(after.p);
}
END_TEST

/* Found by fuzz_image in its 10-minute runs (corpus/image/crash-bmp-*): a
 * palette BMP reads its colors as stb_image counts them from the pixel offset; an index
 * past them read stb_image's uninitialized palette (the palette is now padded with
 * black), and an offset inside the header (a negative count, with a compression value
 * stb_image reads as none) read no color at all (now refused). */
START_TEST(test_bmp_palette_index_out_of_range)
{
    uint8_t bmp[14 + 40 + 8 + 8] = {'B', 'M'};
    const uint32_t off = 14 + 40 + 8, hdr[] = {40, 4, 2};
    memcpy(bmp + 10, &off, 4); /* little-endian fields, as on x86 */
    memcpy(bmp + 14, hdr, sizeof hdr);
    bmp[26] = 1, bmp[28] = 8; /* planes, bits a pixel; BI_RGB */
    const uint8_t pal[8] = {30, 20, 10, 0, 50, 100, 200, 0},
                  rows[8] = {255, 200, 1, 0, 0, 1, 200, 255};
    memcpy(bmp + 54, pal, 8);
    memcpy(bmp + 62, rows, 8); /* bottom row first */
    const uint8_t want[8 * 3] = {10, 20, 30, 200, 100, 50, 0,   0,   0,  0,  0,  0,
                                 0,  0,  0,  0,   0,   0,  200, 100, 50, 10, 20, 30};
    nn_image_decoder d = {0};
    nn_image_result r;
    for (int k = 0; k < 2; k++) {
        uint8_t *px = NULL;
        nn_image_decode_mem(&d, bmp, sizeof bmp, 3, 0, 0, NULL, &px, &r);
        ck_assert_int_eq(r.status, NN_IMAGE_OK);
        ck_assert_mem_eq(px, want, sizeof want);
        stbi_image_free(px);
    }
    const uint32_t inside = 53, odd = 0x4d420000;
    memcpy(bmp + 10, &inside, 4);
    memcpy(bmp + 30, &odd, 4);
    uint8_t *none = NULL;
    nn_image_decode_mem(&d, bmp, sizeof bmp, 3, 0, 0, NULL, &none, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_INCOMPLETE);
    ck_assert_msg(strstr(r.detail, "offset (byte 53) lies inside its 54-byte header"), "%s",
                  r.detail);
    ck_assert_ptr_null(none);
    /* The same header cut inside its bit count (corpus/image/crash-bmp-header-cut): read
     * as stb_image reads it, with zeros past the end. */
    nn_image_decode_mem(&d, bmp, 29, 3, 0, 0, NULL, &none, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_INCOMPLETE);
    ck_assert_ptr_null(none);
    nn_image_decoder_free(&d);
}
END_TEST

/* Found by fuzz_image (corpus/image/crash-pgm-no-maxval-short): a PGM whose maxval has no
 * digits passed the completeness check as "broken, stb_image reports it", but stb_image
 * reads it as 0 and left the pixels past the short data uninitialized. */
START_TEST(test_pgm_without_maxval_is_incomplete)
{
    static const char pgm[] = "P56\r2222\rT\rTL";
    nn_image_decoder d = {0};
    nn_image_result r;
    uint8_t *px = NULL;
    nn_image_decode_mem(&d, (const uint8_t *)pgm, sizeof pgm - 1, 1, 0, 0, NULL, &px, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_INCOMPLETE);
    ck_assert_msg(strstr(r.detail, "truncated PGM"), "%s", r.detail);
    ck_assert_ptr_null(px);
    static const char ok[] = "P5 2 1 255\n\x01\x02";
    nn_image_decode_mem(&d, (const uint8_t *)ok, sizeof ok - 1, 1, 0, 0, NULL, &px, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_OK);
    ck_assert(px[0] == 1 && px[1] == 2);
    stbi_image_free(px);
    nn_image_decoder_free(&d);
}
END_TEST

/* Found by fuzz_image (corpus/image/crash-png-chunk-length-2gib): a 104-byte palette PNG
 * whose second IDAT chunk says 1207959575 bytes; stb_image grew its buffer to 2 GiB for it
 * before reading it (out of memory under the fuzzer; elsewhere a whole load could fail
 * with "out of memory" where "on_bad_file": "skip" skips the file). Refused from the
 * length now, also when the file ends inside that chunk's first 12 bytes (found by the
 * 30-second run in CI: corpus/image/crash-png-last-chunk-header-only). */
START_TEST(test_png_chunk_past_the_end)
{
    static const uint8_t png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x05, 0x02, 0x03, 0x00, 0x00, 0x00, 0x1b,
        0x36, 0x75, 0x75, 0x00, 0x00, 0x00, 0x0c, 0x50, 0x4c, 0x54, 0x45, 0x00, 0xff, 0x00, 0x3c,
        0xc3, 0x1e, 0x78, 0x87, 0x3c, 0xb4, 0x4b, 0x5a, 0x20, 0x31, 0xec, 0x62, 0x00, 0x00, 0x00,
        0x17, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x90, 0x16, 0x60, 0xc8, 0x49, 0x60, 0xd8,
        0xb8, 0x81, 0xe1, 0xd8, 0x01, 0x06, 0x69, 0x01, 0x00, 0x1c, 0x39, 0x04, 0x0a, 0x00, 0x0b,
        0xa9, 0x1d, 0x48, 0x00, 0x00, 0x17, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x90};
    nn_image_decoder d = {0};
    nn_image_result r;
    for (size_t cut = 0; cut <= 4; cut += 2) { /* 4, 2 or no data bytes of the last chunk */
        uint8_t *px = NULL;
        nn_image_decode_mem(&d, png, sizeof png - cut, 3, 0, 0, NULL, &px, &r);
        ck_assert_int_eq(r.status, NN_IMAGE_INCOMPLETE);
        ck_assert_msg(strstr(r.detail, "truncated PNG"), "%s", r.detail);
        ck_assert_ptr_null(px);
    }
    nn_image_decoder_free(&d);
}
END_TEST

/* Found by fuzz_image (corpus/image/crash-pgm16-as-rgb): stb_image converts a 16-bit PGM
 * or PPM to another channel count as if its samples were 8-bit, reading past its buffer
 * (valid files too). They are converted by nntrain now, like 8-bit ones. */
START_TEST(test_pnm16_other_channels)
{
    static const char pgm[] = "P5 2 1 65535\n\x12\x34\xab\xcd";
    /* This stb_image takes the second byte of each 16-bit sample as its 8-bit value, with
     * or without a conversion; nntrain's conversion starts from the same values. */
    static const char ppm[] = "P6 1 1 65535\n\x00\xff\x00\x80\x00\x10";
    nn_image_decoder d = {0};
    nn_image_result r;
    uint8_t *px = NULL;
    for (int k = 0; k < 2; k++) {
        nn_image_decode_mem(&d, (const uint8_t *)pgm, sizeof pgm - 1, 3, 0, 0, NULL, &px, &r);
        ck_assert_int_eq(r.status, NN_IMAGE_OK);
        const uint8_t rgb[6] = {0x34, 0x34, 0x34, 0xcd, 0xcd, 0xcd};
        ck_assert_mem_eq(px, rgb, 6);
        stbi_image_free(px);
        nn_image_decode_mem(&d, (const uint8_t *)ppm, sizeof ppm - 1, 1, 0, 0, NULL, &px, &r);
        ck_assert_int_eq(r.status, NN_IMAGE_OK);
        ck_assert_uint_eq(px[0], (255 * 77 + 128 * 150 + 16 * 29) >> 8);
        stbi_image_free(px);
    }
    nn_image_decoder_free(&d);
}
END_TEST

/* Found by fuzz_image (corpus/image/crash-tga-17-byte-header): a 17-byte TGA header
 * (no image descriptor byte) skipped the completeness check, and stb_image left the 6 x
 * 1544 pixels it could not read uninitialized. A cut header reads as zeros now. */
START_TEST(test_tga_cut_header)
{
    static const uint8_t tga[17] = {0, 0, 3, 8, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xba, 6, 0, 8, 6, 8};
    nn_image_decoder d = {0};
    nn_image_result r;
    uint8_t *px = NULL;
    nn_image_decode_mem(&d, tga, sizeof tga, 3, 0, 0, NULL, &px, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_INCOMPLETE);
    ck_assert_msg(strstr(r.detail, "truncated TGA"), "%s", r.detail);
    ck_assert_ptr_null(px);
    nn_image_decoder_free(&d);
}
END_TEST

/* Formats stb_image reads but nntrain does not (a Radiance HDR cut short made stb_image
 * loop for ever; its PSD and PIC decoders are as exposed) are refused from their first
 * bytes, whole or cut, before stb_image sees them. */
START_TEST(test_undocumented_formats_refused)
{
    static const char head[] = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 2 +X 2\n";
    uint8_t buf[128];
    size_t h = sizeof head - 1;
    memcpy(buf, head, h);
    memset(buf + h, 0x80, 16); /* 2 x 2 flat pixels */
    nn_image_decoder d = {0};
    nn_image_result r;
    uint8_t *px = NULL;
    for (size_t cut = 0; cut <= 6; cut += 6) {
        nn_image_decode_mem(&d, buf, h + 16 - cut, 3, 0, 0, NULL, &px, &r);
        ck_assert_int_eq(r.status, NN_IMAGE_FORMAT);
        ck_assert_msg(strstr(r.detail, "a HDR image, not one of the formats"), "%s", r.detail);
        ck_assert_ptr_null(px);
    }
    static const uint8_t psd[] = {'8', 'B', 'P', 'S', 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t pic[] = {0x53, 0x80, 0xf6, 0x34, 0, 0, 0, 0};
    nn_image_decode_mem(&d, psd, sizeof psd, 1, 0, 0, NULL, &px, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_FORMAT);
    nn_image_decode_mem(&d, pic, sizeof pic, 1, 0, 0, NULL, &px, &r);
    ck_assert_int_eq(r.status, NN_IMAGE_FORMAT);
    ck_assert_ptr_null(px);
    nn_image_decoder_free(&d);
}
END_TEST

/* A run's CSV and status from memory read as --collect reads the files. */
START_TEST(test_collect_from_memory)
{
    const char csv[] = "epoch,step,test_acc,dead,dead_frac\n0,0,0.1,1,0.5\n1,9,0.8,2,0.25\n"
                       "2,18,0.9,3,0.";
    nn_sweep_rows rr;
    ck_assert_int_eq(nn_sweep_rows_parse(csv, sizeof csv - 1, &rr), 1);
    ck_assert_uint_eq(rr.n, 2); /* the torn last row is left out */
    ck_assert(rr.test_acc[1] == 0.8 && rr.dead_frac[1] == 0.25);
    nn_sweep_rows_free(&rr);
    char *dir = th_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/run.csv", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(csv, f);
    fclose(f);
    ck_assert_int_eq(nn_sweep_rows_read(path, &rr), 1);
    ck_assert_uint_eq(rr.n, 2);
    nn_sweep_rows_free(&rr);
    th_rmdir(dir);
    free(dir);
    const char nul[] = "epoch,test_acc,dead_frac\n0,0.5\0,0.1\n";
    ck_assert_int_eq(nn_sweep_rows_parse(nul, sizeof nul - 1, &rr), 0);
    ck_assert(rr.n == 0 && rr.torn && rr.header); /* the header is kept, the row is torn */
    nn_sweep_rows_free(&rr);
    ck_assert_int_eq(nn_sweep_rows_parse("epoch,dead_frac\n0,1\n", 20, &rr), 0);
    ck_assert_ptr_null(rr.header);
    ck_assert_int_eq(nn_sweep_rows_parse(NULL, 0, &rr), 0);
    nn_sweep_status st;
    nn_sweep_parse_status("{\"status\": \"ok\", \"revived\": 3}", &st);
    ck_assert_str_eq(st.state, "ok");
    ck_assert(st.revived == 3 && st.max_dead_frac == -1 && st.epochs_done == -1);
    nn_sweep_parse_status("{\"status\": 1", &st);
    ck_assert_str_eq(st.state, "");
    nn_sweep_parse_status("{\"status\": \"a status longer than fifteen\"}", &st);
    ck_assert_str_eq(st.state, "?");
}
END_TEST

Suite *fuzz_found_suite(void)
{
    Suite *s = suite_create("fuzz_found");
    TCase *tc = tcase_create("found");
    tcase_add_test(tc, test_image_decode_mem);
    tcase_add_test(tc, test_png_palette_index_out_of_range);
    tcase_add_test(tc, test_bmp_palette_index_out_of_range);
    tcase_add_test(tc, test_pgm_without_maxval_is_incomplete);
    tcase_add_test(tc, test_png_chunk_past_the_end);
    tcase_add_test(tc, test_pnm16_other_channels);
    tcase_add_test(tc, test_tga_cut_header);
    tcase_add_test(tc, test_undocumented_formats_refused);
    tcase_add_test(tc, test_collect_from_memory);
    suite_add_tcase(s, tc);
    return s;
}
