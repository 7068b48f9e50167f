/* png_fast.c - see png_fast.h. PNG as specified in RFC 2083 / ISO 15948: signature,
 * chunks (length, type, data, CRC-32 of type and data), IHDR first, IDAT data forming one
 * zlib stream, IEND last; each scanline is a filter byte then the filtered bytes. */
#include "data/png_fast.h"

#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (*cap >= need)
        return 1;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    uint8_t *p = realloc(*buf, n);
    if (!p)
        return 0;
    *buf = p;
    *cap = n;
    return 1;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Reverses the scanline filters of raw (rows of 1 + stride bytes) into out (rows of
 * stride bytes); bpp bytes per pixel. 0 on an unknown filter type. */
static int unfilter(const uint8_t *raw, uint8_t *out, size_t rows, size_t stride, size_t bpp)
{
    const uint8_t *prev = NULL;
    for (size_t y = 0; y < rows; y++, raw += stride + 1) {
        uint8_t *cur = out + y * stride;
        const uint8_t *in = raw + 1;
        switch (raw[0]) {
        case 0:
            memcpy(cur, in, stride);
            break;
        case 1:
            for (size_t x = 0; x < stride; x++)
                cur[x] = (uint8_t)(in[x] + (x >= bpp ? cur[x - bpp] : 0));
            break;
        case 2:
            for (size_t x = 0; x < stride; x++)
                cur[x] = (uint8_t)(in[x] + (prev ? prev[x] : 0));
            break;
        case 3:
            for (size_t x = 0; x < stride; x++) {
                int left = x >= bpp ? cur[x - bpp] : 0, up = prev ? prev[x] : 0;
                cur[x] = (uint8_t)(in[x] + ((left + up) >> 1));
            }
            break;
        case 4:
            for (size_t x = 0; x < stride; x++) {
                int left = x >= bpp ? cur[x - bpp] : 0, up = prev ? prev[x] : 0;
                int ul = x >= bpp && prev ? prev[x - bpp] : 0;
                cur[x] = (uint8_t)(in[x] + paeth(left, up, ul));
            }
            break;
        default:
            return 0;
        }
        prev = cur;
    }
    return 1;
}

int nn_png_fast_decode(struct libdeflate_decompressor *d, const uint8_t *data, size_t len,
                       int channels, int want_w, int want_h, uint8_t *out, nn_png_scratch *s)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (!d || len < 8 + 25 || memcmp(data, sig, 8) != 0 || want_w <= 0 || want_h <= 0)
        return 0;
    const int color = channels == 1 ? 0 : channels == 3 ? 2 : -1;
    size_t off = 8, idat_len = 0;
    int seen_ihdr = 0, seen_iend = 0;
    while (!seen_iend) {
        if (len - off < 12)
            return 0;
        uint32_t clen = be32(data + off);
        const uint8_t *type = data + off + 4, *body = data + off + 8;
        if (clen > len - off - 12)
            return 0;
        if (libdeflate_crc32(0, type, (size_t)clen + 4) != be32(body + clen))
            return 0; /* damaged: stb_image decides what to make of it */
        if (!seen_ihdr) {
            /* IHDR: width, height, depth 8, the color type, compression 0, filter 0,
             * no interlacing; anything else is stb_image's job. */
            if (memcmp(type, "IHDR", 4) != 0 || clen != 13 || be32(body) != (uint32_t)want_w ||
                be32(body + 4) != (uint32_t)want_h || body[8] != 8 || body[9] != color ||
                body[10] || body[11] || body[12])
                return 0;
            seen_ihdr = 1;
        } else if (memcmp(type, "IDAT", 4) == 0) {
            if (!grow(&s->idat, &s->idat_cap, idat_len + clen + 1))
                return 0;
            memcpy(s->idat + idat_len, body, clen);
            idat_len += clen;
        } else if (memcmp(type, "IEND", 4) == 0) {
            seen_iend = 1;
        } else if (!(type[0] & 0x20) || memcmp(type, "tRNS", 4) == 0) {
            /* A critical chunk other than IHDR/IDAT/IEND (PLTE included: no gray or RGB
             * image needs one), or transparency: stb_image checks those; let it. */
            return 0;
        }
        off += (size_t)clen + 12;
    }
    size_t stride = (size_t)want_w * (size_t)channels, raw_len = (stride + 1) * (size_t)want_h;
    size_t got = 0;
    if (idat_len == 0 || !grow(&s->raw, &s->raw_cap, raw_len) ||
        libdeflate_zlib_decompress(d, s->idat, idat_len, s->raw, raw_len, &got) !=
            LIBDEFLATE_SUCCESS ||
        got != raw_len)
        return 0;
    return unfilter(s->raw, out, (size_t)want_h, stride, (size_t)channels);
}

/* Where the chunks of a PNG start (after the signature), or 0 when it is not a PNG. */
static size_t first_chunk(const uint8_t *data, size_t len)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    return len >= 8 && memcmp(data, sig, 8) == 0 ? 8 : 0;
}

/* The next whole chunk at off: its data length in *clen; 0 when none is left whole. */
static int next_chunk(const uint8_t *data, size_t len, size_t off, uint32_t *clen)
{
    if (len - off < 12)
        return 0;
    *clen = be32(data + off);
    return *clen <= len - off - 12;
}

static int short_palette(const uint8_t *type, uint32_t clen)
{
    return memcmp(type, "PLTE", 4) == 0 && clen < 256 * 3 && clen % 3 == 0;
}

uint8_t *nn_png_pad_palette(const uint8_t *data, size_t len, size_t *out_len)
{
    size_t start = first_chunk(data, len), need = len, off;
    uint32_t clen;
    if (!start)
        return NULL;
    uint32_t entries = 256;
    /* Up to IEND, where stb_image stops reading: what follows is never a chunk to it. */
    for (off = start; next_chunk(data, len, off, &clen) && memcmp(data + off + 4, "IEND", 4) != 0;
         off += (size_t)clen + 12) {
        if (short_palette(data + off + 4, clen))
            need += 256 * 3 - clen, entries = clen / 3;
        else if (memcmp(data + off + 4, "tRNS", 4) == 0 && clen > entries)
            return NULL; /* more alphas than colors: stb_image refuses it as it is */
    }
    uint8_t *out = need == len ? NULL : malloc(need);
    if (!out)
        return NULL;
    size_t w = start;
    memcpy(out, data, start);
    for (off = start; next_chunk(data, len, off, &clen) && memcmp(data + off + 4, "IEND", 4) != 0;
         off += (size_t)clen + 12) {
        if (!short_palette(data + off + 4, clen)) {
            memcpy(out + w, data + off, (size_t)clen + 12);
            w += (size_t)clen + 12;
            continue;
        }
        static const uint8_t len768[4] = {0, 0, 3, 0};
        memcpy(out + w, len768, 4);
        memcpy(out + w + 4, data + off + 4, 4 + (size_t)clen);
        memset(out + w + 8 + clen, 0, 256 * 3 - (size_t)clen);
        uint32_t crc = libdeflate_crc32(0, out + w + 4, 4 + 256 * 3);
        for (int k = 0; k < 4; k++)
            out[w + 8 + 256 * 3 + k] = (uint8_t)(crc >> (24 - 8 * k));
        w += 12 + 256 * 3;
    }
    memcpy(out + w, data + off, len - off); /* IEND and after, or what is not a whole chunk */
    *out_len = w + len - off;
    return out;
}
