/* hostile/gen.c - fixtures the hostile cases generate at test time: IDX files with any
 * header, PNGs of any size and bit depth, edited checkpoints, and the whole-rows check of a
 * CSV. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hostile.h"

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

void hx_idx(const char *path, int labels, unsigned n, unsigned rows, unsigned cols, size_t payload,
            int gz)
{
    size_t head = labels ? 8 : 16, len = head + payload;
    unsigned char *b = malloc(len);
    ck_assert_ptr_nonnull(b);
    be32(b, labels ? 0x801 : 0x803);
    be32(b + 4, n);
    if (!labels)
        be32(b + 8, rows), be32(b + 12, cols);
    for (size_t i = 0; i < payload; i++)
        b[head + i] = (unsigned char)(labels ? i % 4 : (i * 37) & 0xff);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        ck_assert_ptr_nonnull(g);
        ck_assert_int_eq(gzwrite(g, b, (unsigned)len), (int)len);
        ck_assert_int_eq(gzclose(g), Z_OK);
    } else {
        ft_write_bytes(path, b, len);
    }
    free(b);
}

/* Appends a PNG chunk (length, type, data, CRC) at *p. */
static void chunk(unsigned char **p, const char *type, const unsigned char *data, size_t n)
{
    be32(*p, (uint32_t)n);
    memcpy(*p + 4, type, 4);
    if (n)
        memcpy(*p + 8, data, n);
    uLong crc = crc32(0L, *p + 4, (uInt)(n + 4));
    be32(*p + 8 + n, (uint32_t)crc);
    *p += 12 + n;
}

void hx_png(const char *path, unsigned w, unsigned h, int depth, int color)
{
    size_t comp = color == 2 ? 3 : 1, row = 1 + (size_t)w * comp * (size_t)depth / 8;
    size_t raw_len = row * h;
    unsigned char *raw = calloc(raw_len, 1);
    uLongf z_len = compressBound((uLong)raw_len);
    unsigned char *png = malloc(z_len + 64), *p = png, ihdr[13];
    ck_assert(raw && png);
    for (size_t i = 0; i < raw_len; i++)
        raw[i] = i % row == 0 ? 0 : (unsigned char)(i * 13);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(p, sig, 8), p += 8;
    be32(ihdr, w), be32(ihdr + 4, h);
    ihdr[8] = (unsigned char)depth, ihdr[9] = (unsigned char)color;
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    chunk(&p, "IHDR", ihdr, 13);
    unsigned char *z = malloc(z_len);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(compress(z, &z_len, raw, (uLong)raw_len), Z_OK);
    chunk(&p, "IDAT", z, z_len);
    chunk(&p, "IEND", NULL, 0);
    ft_write_bytes(path, png, (size_t)(p - png));
    free(z);
    free(raw);
    free(png);
}

void hx_ckpt_edit(const char *out, const char *from, const char *to)
{
    size_t n;
    char *b = th_read_bytes("ck.safetensors", &n);
    ck_assert_ptr_nonnull(b);
    uint64_t hl = 0;
    for (int k = 7; k >= 0; k--)
        hl = hl << 8 | (unsigned char)b[k];
    ck_assert(hl + 8 <= n);
    char *head = strndup(b + 8, (size_t)hl), *at = strstr(head, from);
    ck_assert_msg(at != NULL, "'%s' not in the checkpoint's header", from);
    size_t fl = strlen(from), tl = strlen(to), nl = (size_t)hl - fl + tl;
    char *o = malloc(8 + nl + (n - 8 - (size_t)hl));
    ck_assert_ptr_nonnull(o);
    for (int k = 0; k < 8; k++)
        o[k] = (char)((uint64_t)nl >> (8 * k));
    size_t pre = (size_t)(at - head);
    memcpy(o + 8, head, pre);
    memcpy(o + 8 + pre, to, tl);
    memcpy(o + 8 + pre + tl, at + fl, (size_t)hl - pre - fl);
    memcpy(o + 8 + nl, b + 8 + hl, n - 8 - (size_t)hl);
    ft_write_bytes(out, o, 8 + nl + (n - 8 - (size_t)hl));
    free(o);
    free(head);
    free(b);
}

size_t hx_whole_rows(const char *path)
{
    size_t n;
    char *csv = th_read_bytes(path, &n);
    if (!csv)
        return 0;
    ck_assert_msg(n == 0 || csv[n - 1] == '\n', "%s: ends inside a row: ...%s", path,
                  n > 40 ? csv + n - 40 : csv);
    size_t rows = 0, commas = 0, want = 0;
    for (size_t i = 0; i < n; i++) {
        if (csv[i] == ',') {
            commas++;
        } else if (csv[i] == '\n') {
            ck_assert_msg(rows == 0 || commas == want, "%s: row %zu has %zu commas, the header %zu",
                          path, rows, commas, want);
            want = rows == 0 ? commas : want;
            rows++;
            commas = 0;
        }
    }
    free(csv);
    return rows ? rows - 1 : 0;
}
