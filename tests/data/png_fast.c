/* data/png_fast.c - the PNG fast path gives exactly stb_image's pixels for the PNGs it
 * takes (8-bit gray and RGB, every scanline filter stb_image_write picks for random
 * content), and declines everything else: another size or channel count, a damaged CRC,
 * truncated data. */
#include <libdeflate.h>
#include <stb_image.h>
#include <stb_image_write.h>
#include <stdlib.h>
#include <string.h>

#include "data/png_fast.h"
#include "math/rng.h"
#include "suites.h"

typedef struct png {
    unsigned char *bytes;
    int len;
} png;

/* stb_image_write hands the encoded bytes over in pieces. */
static void collect(void *ctx, void *data, int size)
{
    png *p = ctx;
    unsigned char *grown = realloc(p->bytes, (size_t)(p->len + size));
    ck_assert_ptr_nonnull(grown);
    memcpy(grown + p->len, data, (size_t)size);
    p->bytes = grown;
    p->len += size;
}

static png encode(const uint8_t *px, int w, int h, int ch)
{
    png p = {0};
    ck_assert(stbi_write_png_to_func(collect, &p, w, h, ch, px, w * ch) != 0);
    return p;
}

START_TEST(test_matches_stb_image)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    nn_png_scratch s = {0};
    nn_rng rng;
    nn_rng_seed(&rng, 5, 1);
    const int sizes[][2] = {{28, 28}, {1, 1}, {17, 5}, {64, 3}};
    for (int c = 1; c <= 3; c += 2)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            int w = sizes[k][0], h = sizes[k][1];
            size_t n = (size_t)w * (size_t)h * (size_t)c;
            uint8_t *px = malloc(n), *out = malloc(n);
            ck_assert(px && out);
            /* Half smooth gradients, half noise: stb_image_write then uses several
             * of the five filter types. */
            for (size_t i = 0; i < n; i++)
                px[i] = (uint8_t)(i < n / 2 ? (i * 7) % 256 : nn_rng_below(&rng, 256));
            png p = encode(px, w, h, c);
            ck_assert_int_eq(nn_png_fast_decode(d, p.bytes, (size_t)p.len, c, w, h, out, &s), 1);
            int sw, sh, sc;
            uint8_t *ref = stbi_load_from_memory(p.bytes, p.len, &sw, &sh, &sc, c);
            ck_assert_ptr_nonnull(ref);
            ck_assert(memcmp(out, ref, n) == 0);
            ck_assert(memcmp(out, px, n) == 0);
            stbi_image_free(ref);
            free(p.bytes);
            free(px);
            free(out);
        }
    free(s.idat);
    free(s.raw);
    libdeflate_free_decompressor(d);
}
END_TEST

START_TEST(test_declines_what_it_does_not_take)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    nn_png_scratch s = {0};
    uint8_t px[28 * 28 * 3], out[28 * 28 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 13);
    png gray = encode(px, 28, 28, 1), rgb = encode(px, 28, 28, 3);
    size_t len = (size_t)gray.len;
    /* another size, another channel count */
    ck_assert_int_eq(nn_png_fast_decode(d, gray.bytes, len, 1, 27, 28, out, &s), 0);
    ck_assert_int_eq(nn_png_fast_decode(d, gray.bytes, len, 3, 28, 28, out, &s), 0);
    ck_assert_int_eq(nn_png_fast_decode(d, rgb.bytes, (size_t)rgb.len, 1, 28, 28, out, &s), 0);
    /* truncated anywhere */
    for (size_t cut = 0; cut < len; cut += 7)
        ck_assert_int_eq(nn_png_fast_decode(d, gray.bytes, cut, 1, 28, 28, out, &s), 0);
    /* a flipped bit in the image data: the CRC no longer matches */
    unsigned char *bad = malloc(len);
    ck_assert_ptr_nonnull(bad);
    memcpy(bad, gray.bytes, len);
    bad[8 + 25 + 8 + 3] ^= 0x10; /* inside the first IDAT's data */
    ck_assert_int_eq(nn_png_fast_decode(d, bad, len, 1, 28, 28, out, &s), 0);
    /* a PLTE or tRNS chunk (valid CRC) after IHDR: stb_image's checks apply, not ours */
    const char *types[2] = {"PLTE", "tRNS"};
    for (int t = 0; t < 2; t++) {
        unsigned char *with = malloc(len + 13);
        ck_assert_ptr_nonnull(with);
        memcpy(with, gray.bytes, 33); /* signature + IHDR */
        unsigned char *c = with + 33;
        c[0] = c[1] = c[2] = 0;
        c[3] = 1; /* a 1-byte chunk: an invalid PLTE, a wrong-length tRNS */
        memcpy(c + 4, types[t], 4);
        c[8] = 7;
        uint32_t crc = libdeflate_crc32(0, c + 4, 5);
        c[9] = (unsigned char)(crc >> 24);
        c[10] = (unsigned char)(crc >> 16);
        c[11] = (unsigned char)(crc >> 8);
        c[12] = (unsigned char)crc;
        memcpy(with + 46, gray.bytes + 33, len - 33);
        ck_assert_int_eq(nn_png_fast_decode(d, with, len + 13, 1, 28, 28, out, &s), 0);
        int w, h, ch;
        uint8_t *ref = stbi_load_from_memory(with, (int)(len + 13), &w, &h, &ch, 1);
        ck_assert_ptr_null(ref); /* stb_image rejects it: so must the loader, everywhere */
        free(with);
    }
    /* not a PNG */
    ck_assert_int_eq(nn_png_fast_decode(d, px, sizeof px, 1, 28, 28, out, &s), 0);
    free(bad);
    free(gray.bytes);
    free(rgb.bytes);
    free(s.idat);
    free(s.raw);
    libdeflate_free_decompressor(d);
}
END_TEST

Suite *png_fast_suite(void)
{
    Suite *s = suite_create("png_fast");
    TCase *tc = tcase_create("against_stb_image");
    tcase_add_test(tc, test_matches_stb_image);
    tcase_add_test(tc, test_declines_what_it_does_not_take);
    suite_add_tcase(s, tc);
    return s;
}
