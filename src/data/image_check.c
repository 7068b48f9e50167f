/* image_check.c - format sniffing and completeness checks for the formats where
 * stb_image reads zeros past the end of the data instead of failing.
 *
 * stb_image reports a truncated PNG or JPEG, but for BMP, binary PGM/PPM, TGA and GIF its
 * reader returns 0 bytes at the end of the buffer and the image decodes "successfully"
 * with black pixels where the data was missing. These checks walk just enough of each
 * header to know how many bytes the pixels need (the first frame for GIF), so a
 * truncated file is reported instead of being trained on. */
#include "data/image_check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int starts(const uint8_t *d, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(d, magic, n) == 0;
}

const char *nn_image_format(const uint8_t *d, size_t len)
{
    if (starts(d, len, "\x89PNG\r\n\x1a\n", 8))
        return "PNG";
    if (starts(d, len, "\xff\xd8\xff", 3))
        return "JPEG";
    if (starts(d, len, "BM", 2))
        return "BMP";
    if (starts(d, len, "GIF87a", 6) || starts(d, len, "GIF89a", 6))
        return "GIF";
    if (len >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6')
        return d[1] == '1' || d[1] == '4' ? "PBM" : d[1] == '2' || d[1] == '5' ? "PGM" : "PPM";
    if (starts(d, len, "8BPS", 4))
        return "PSD";
    if (starts(d, len, "#?RADIANCE", 10) || starts(d, len, "#?RGBE", 6))
        return "HDR";
    if (starts(d, len, "\x53\x80\xf6\x34", 4))
        return "PIC";
    return NULL;
}

static int incomplete(char *why, size_t n, const char *fmt, size_t need, size_t len)
{
    snprintf(why, n, "truncated %s: its header needs at least %zu bytes of data, the file has %zu",
             fmt, need, len);
    return -1;
}

/* The fields of a BMP header stb_image reads (0 when too short). */
typedef struct bmp_head {
    uint32_t off, hsz;
    uint64_t w, h, bpp, comp;
} bmp_head;

/* The header read as stb_image reads it: bytes past the end of the file read as zeros. 0
 * for a header size stb_image rejects. */
static int bmp_head_read(const uint8_t *data, size_t len, bmp_head *b)
{
    uint8_t d[34] = {0};
    memcpy(d, data, len < sizeof d ? len : sizeof d);
    *b = (bmp_head){.off = le32(d + 10), .hsz = le32(d + 14)};
    if (b->hsz != 12 && b->hsz != 40 && b->hsz != 56 && b->hsz != 108 && b->hsz != 124)
        return 0;
    if (b->hsz == 12) {
        b->w = le16(d + 18);
        b->h = le16(d + 20);
        b->bpp = le16(d + 24);
        return 1;
    }
    int32_t sh = (int32_t)le32(d + 22);
    b->w = le32(d + 18);
    b->h = sh < 0 ? (uint64_t)(-(int64_t)sh) : (uint64_t)sh;
    b->bpp = le16(d + 28);
    b->comp = le32(d + 30);
    return 1;
}

/* The palette's colors as stb_image counts them: from the gap between the header and the
 * pixel offset (negative when the offset lies inside the header), for 1, 4 and 8 bits. */
static int64_t bmp_palette_size(const bmp_head *b)
{
    if (b->hsz == 12) { /* stb_image divides (truncating) what it counts from byte 38 */
        int64_t v = b->bpp < 24 ? ((int64_t)b->off - 14 - 24) / 3 : 0;
        return v < 0 ? -1 : v;
    }
    int64_t gap = (int64_t)b->off - 14 - (int64_t)b->hsz; /* stb_image shifts: it floors */
    return b->bpp >= 16 ? 0 : gap < 0 ? -1 : gap / 4;
}

/* Uncompressed BMP (everything but the RLE compressions 1 and 2, which stb_image rejects:
 * it reads any other value as BI_RGB): pixel rows from the offset in the file header, each
 * padded to 4 bytes (the last row's padding may be missing); a palette image's pixel
 * offset must lie past its header. */
static int check_bmp(const uint8_t *d, size_t len, char *why, size_t n)
{
    bmp_head b;
    if (!bmp_head_read(d, len, &b) || b.comp == 1 || b.comp == 2 || b.w == 0 || b.h == 0 ||
        b.bpp == 0 || b.w > 1u << 24 || b.h > 1u << 24 || b.bpp > 32)
        return 0;
    if (bmp_palette_size(&b) < 0) {
        snprintf(why, n,
                 "a corrupt BMP: its pixel data offset (byte %lu) lies inside its %lu-byte "
                 "header",
                 (unsigned long)b.off, (unsigned long)(14 + b.hsz));
        return -1;
    }
    uint64_t stride = (b.w * b.bpp + 31) / 32 * 4, last = (b.w * b.bpp + 7) / 8;
    uint64_t need = (uint64_t)b.off + stride * (b.h - 1) + last;
    return need > len ? incomplete(why, n, "BMP", (size_t)need, len) : 0;
}

uint8_t *nn_bmp_pad_palette(const uint8_t *d, size_t len, size_t *out_len)
{
    bmp_head b;
    if (len < 2 || memcmp(d, "BM", 2) != 0 || !bmp_head_read(d, len, &b) || b.bpp >= 16)
        return NULL;
    int64_t colors = bmp_palette_size(&b);
    const size_t entry = b.hsz == 12 ? 3 : 4, at = 14 + (size_t)b.hsz + (size_t)colors * entry;
    if (colors <= 0 || colors >= 256 || at > len || b.off > UINT32_MAX - 256 * 4)
        return NULL; /* stb_image refuses it, or every index has a color */
    size_t add = (256 - (size_t)colors) * entry;
    uint8_t *out = malloc(len + add);
    if (!out)
        return NULL;
    memcpy(out, d, at);
    memset(out + at, 0, add);
    memcpy(out + at + add, d + at, len - at);
    uint32_t off = b.off + (uint32_t)add;
    for (int k = 0; k < 4; k++)
        out[10 + k] = (uint8_t)(off >> (8 * k));
    *out_len = len + add;
    return out;
}

/* Binary PGM (P5) / PPM (P6): "Pn w h maxval" with '#' comments, one whitespace, then
 * w * h * channels samples of 1 byte (maxval < 256) or 2 bytes. A header stb_image reads
 * though it is broken (maxval missing: 0) is read the same way, since stb_image then
 * leaves the missing pixels uninitialized too. */
static int pnm_int(const uint8_t *d, size_t len, size_t *pos, uint64_t *out)
{
    for (;;) {
        while (*pos < len && d[*pos] && strchr(" \t\n\v\f\r", d[*pos]))
            (*pos)++;
        if (*pos < len && d[*pos] == '#') {
            while (*pos < len && d[*pos] != '\n' && d[*pos] != '\r')
                (*pos)++;
            continue;
        }
        break;
    }
    /* As stb_image reads it: no digits is 0 (it goes on reading), every digit counts. */
    uint64_t v = 0;
    for (; *pos < len && d[*pos] >= '0' && d[*pos] <= '9'; (*pos)++)
        v = v < ((uint64_t)1 << 40) ? v * 10 + (uint64_t)(d[*pos] - '0') : v;
    *out = v;
    return 0;
}

static int check_pnm(const uint8_t *d, size_t len, char *why, size_t n)
{
    if (len < 2 || d[0] != 'P' || (d[1] != '5' && d[1] != '6'))
        return 0; /* ASCII variants: stb_image does not read them and says so */
    size_t pos = 2;
    uint64_t w, h, maxval;
    if (pnm_int(d, len, &pos, &w) || pnm_int(d, len, &pos, &h) || pnm_int(d, len, &pos, &maxval) ||
        w == 0 || h == 0)
        return 0; /* a broken header: stb_image reports it */
    pos++;        /* the one character after maxval (whitespace in a valid file) */
    const uint64_t side = ((uint64_t)1 << 24) + 1; /* past stb_image's limit; no overflow */
    w = w < side ? w : side;
    h = h < side ? h : side;
    uint64_t need = pos + w * h * (d[1] == '6' ? 3u : 1u) * (maxval > 255 ? 2u : 1u);
    return need > len ? incomplete(why, n, d[1] == '5' ? "PGM" : "PPM", (size_t)need, len) : 0;
}

/* TGA: 18-byte header, image id, color map, then pixels: raw (types 1-3) or run-length
 * packets (types 9-11): a byte c, then one pixel repeated (c & 0x80) or c + 1 raw ones. */
static int check_tga(const uint8_t *data, size_t len, char *why, size_t n)
{
    /* A header cut short reads as zeros, as stb_image reads it. */
    uint8_t d[18] = {0};
    memcpy(d, data, len < sizeof d ? len : sizeof d);
    unsigned type = d[2], cmtype = d[1], bpp = d[16];
    if (cmtype > 1 || !((type >= 1 && type <= 3) || (type >= 9 && type <= 11)))
        return 0;
    uint64_t w = le16(d + 12), h = le16(d + 14), px = (bpp + 7) / 8;
    uint64_t pos = 18 + (uint64_t)d[0] + (cmtype ? (uint64_t)le16(d + 5) * ((d[7] + 7u) / 8) : 0);
    if (w == 0 || h == 0 || px == 0)
        return 0;
    if (type <= 3) {
        uint64_t need = pos + w * h * px;
        return need > len ? incomplete(why, n, "TGA", (size_t)need, len) : 0;
    }
    for (uint64_t got = 0, total = w * h; got < total;) {
        if (pos >= len)
            return incomplete(why, n, "TGA (run-length)", (size_t)pos + 1, len);
        unsigned c = data[pos++];
        uint64_t count = (c & 0x7f) + 1u;
        pos += c & 0x80 ? px : count * px;
        got += count;
    }
    return pos > len ? incomplete(why, n, "TGA (run-length)", (size_t)pos, len) : 0;
}

/* GIF: header, global color table, then extension blocks until the first image
 * descriptor; the first frame is complete when its LZW sub-blocks end with a 0 block. */
static int gif_skip_blocks(const uint8_t *d, size_t len, size_t *pos)
{
    for (;;) {
        if (*pos >= len)
            return -1;
        size_t size = d[(*pos)++];
        if (size == 0)
            return 0;
        *pos += size;
    }
}

static int check_gif(const uint8_t *d, size_t len, char *why, size_t n)
{
    if (len < 13)
        return incomplete(why, n, "GIF", 13, len);
    size_t pos = 13 + (d[10] & 0x80 ? 3u << ((d[10] & 7) + 1) : 0);
    for (;;) {
        if (pos >= len)
            return incomplete(why, n, "GIF", pos + 1, len);
        uint8_t b = d[pos++];
        if (b == 0x21) { /* extension: label, then sub-blocks */
            pos++;
            if (gif_skip_blocks(d, len, &pos) != 0)
                return incomplete(why, n, "GIF", pos + 1, len);
        } else if (b == 0x2C) { /* image descriptor, local color table, LZW data */
            if (pos + 9 > len)
                return incomplete(why, n, "GIF", pos + 9, len);
            uint8_t flags = d[pos + 8];
            pos += 9 + (flags & 0x80 ? 3u << ((flags & 7) + 1) : 0) + 1;
            if (gif_skip_blocks(d, len, &pos) != 0 || pos > len)
                return incomplete(why, n, "GIF", pos > len ? pos : len + 1, len);
            return 0;
        } else if (b == 0x3B) {
            snprintf(why, n, "the GIF has no image (its trailer comes before any frame)");
            return -1;
        } else {
            return 0; /* not a structure this check knows: stb_image judges it */
        }
    }
}

int nn_image_check_png_chunks(const uint8_t *d, size_t len, char *why, size_t n)
{
    const char *fmt = nn_image_format(d, len);
    if (!fmt || strcmp(fmt, "PNG") != 0)
        return 0;
    if (len < 16 || (memcmp(d + 12, "IHDR", 4) != 0 && memcmp(d + 12, "CgBI", 4) != 0))
        return 0; /* no first chunk stb_image takes: it refuses the file before reading on */
    /* Every chunk whose length and type are there, the last one too: stb_image sizes its
     * buffer from the length before it reads the data. */
    for (size_t off = 8; len - off >= 8;) {
        if (memcmp(d + off + 4, "IEND", 4) == 0) /* the end: its CRC is not needed */
            break;
        uint32_t clen = be32(d + off);
        if ((uint64_t)clen + 12 > len - off) {
            snprintf(why, n,
                     "truncated PNG: the chunk at byte %zu says %lu bytes of data, the file has "
                     "%zu after its header",
                     off, (unsigned long)clen, len - off - 8);
            return -1;
        }
        off += (size_t)clen + 12;
    }
    return 0;
}

int nn_image_check_complete(const uint8_t *data, size_t len, char *why, size_t why_len)
{
    const char *fmt = nn_image_format(data, len);
    if (fmt == NULL)
        return check_tga(data, len, why, why_len); /* TGA has no signature */
    if (strcmp(fmt, "BMP") == 0)
        return check_bmp(data, len, why, why_len);
    if (strcmp(fmt, "PGM") == 0 || strcmp(fmt, "PPM") == 0)
        return check_pnm(data, len, why, why_len);
    if (strcmp(fmt, "GIF") == 0)
        return check_gif(data, len, why, why_len);
    return 0;
}
