/* image_decode.c - see image_decode.h. stb_image keeps its failure reason in thread-local
 * storage (Debian's libstb is built with STBI_THREAD_LOCAL), so reading it right after a
 * failed call in the same thread is safe. */
#include "data/image_decode.h"

#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <libdeflate.h>
#include <stb_image.h>

#include "data/image_check.h"

void nn_image_decoder_free(nn_image_decoder *d)
{
    free(d->png.idat);
    free(d->png.raw);
    libdeflate_free_decompressor(d->inflate);
    memset(d, 0, sizeof *d);
}

/* The fast path: a plain PNG of the wanted size straight into out. */
static int decode_fast(nn_image_decoder *d, const uint8_t *data, size_t len, int channels,
                       int want_w, int want_h, uint8_t *out)
{
    if (!d->inflate)
        d->inflate = libdeflate_alloc_decompressor();
    return nn_png_fast_decode(d->inflate, data, len, channels, want_w, want_h, out, &d->png);
}

/* stb_image converts a 16-bit PGM/PPM to another channel count as if its samples were 8-bit
 * and reads past its buffer: such a file is decoded with its own channels (comp) and
 * converted here, as stb_image converts 8-bit ones (gray = (77 R + 150 G + 29 B) >> 8).
 * stb_image allocates with malloc (STBI_MALLOC): realloc and stbi_image_free fit it. */
static uint8_t *load_pnm16(const uint8_t *data, size_t len, int channels, int comp, int *w, int *h)
{
    int c = 0;
    uint8_t *px = stbi_load_from_memory(data, (int)len, w, h, &c, comp);
    if (!px || comp == channels)
        return px;
    size_t n = (size_t)*w * (size_t)*h;
    if (channels == 1) {
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = px + i * 3;
            px[i] = (uint8_t)((p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8);
        }
        return px;
    }
    uint8_t *rgb = realloc(px, n * 3);
    if (!rgb) {
        stbi_image_free(px);
        return NULL;
    }
    for (size_t i = n; i-- > 0;)
        rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = rgb[i];
    return rgb;
}

/* stb_image, after the header's size is checked: a wrong or huge image is refused
 * undecoded. */
static void decode_stb(const uint8_t *data, size_t len, int channels, int want_w, int want_h,
                       uint8_t *out, uint8_t **keep, nn_image_result *r)
{
    int w = 0, h = 0, comp = 0;
    int info = stbi_info_from_memory(data, (int)len, &w, &h, &comp);
    if (!info && r->format && strcmp(r->format, "PNG") == 0 && len >= 24 &&
        memcmp(data + 12, "IHDR", 4) == 0) {
        /* stb_image refuses a PNG over 2^30 pixel bytes at its header ("too large"): its
         * size is read here, so that the message gives it and the limit. */
        uint32_t pw = (uint32_t)data[16] << 24 | (uint32_t)data[17] << 16 |
                      (uint32_t)data[18] << 8 | data[19];
        uint32_t ph = (uint32_t)data[20] << 24 | (uint32_t)data[21] << 16 |
                      (uint32_t)data[22] << 8 | data[23];
        if (pw > NN_IMAGE_MAX_SIDE || ph > NN_IMAGE_MAX_SIDE) {
            r->w = pw > INT_MAX ? INT_MAX : (int)pw;
            r->h = ph > INT_MAX ? INT_MAX : (int)ph;
            r->reason = NN_IMAGE_DIMS_LIMIT_TEXT;
            r->status = NN_IMAGE_DECODE;
            return;
        }
    }
    if (info) {
        r->w = w;
        r->h = h;
        if (want_w > 0 && (w != want_w || h != want_h)) {
            r->status = NN_IMAGE_SIZE;
            return;
        }
        if (!nn_image_dims_ok(w, h, channels)) {
            r->reason = NN_IMAGE_DIMS_LIMIT_TEXT;
            r->status = NN_IMAGE_DECODE;
            return;
        }
    }
    if (r->format && strcmp(r->format, "PNG") == 0 &&
        nn_image_check_png_chunks(data, len, r->detail, sizeof r->detail) != 0) {
        r->status = NN_IMAGE_INCOMPLETE;
        return;
    }
    int pnm16 = r->format && (strcmp(r->format, "PGM") == 0 || strcmp(r->format, "PPM") == 0) &&
                (comp == 1 || comp == 3) && comp != channels &&
                stbi_is_16_bit_from_memory(data, (int)len);
    uint8_t *px = pnm16 ? load_pnm16(data, len, channels, comp, &w, &h)
                        : stbi_load_from_memory(data, (int)len, &w, &h, &comp, channels);
    if (px == NULL) {
        r->reason = stbi_failure_reason();
        /* stb_image writes the name of an unknown PNG chunk into one static buffer shared
         * by all threads: keep a fixed text instead of a pointer into it. */
        if (r->reason && strstr(r->reason, "chunk not known"))
            r->reason = "PNG chunk not known";
        r->status =
            r->reason && strcmp(r->reason, "outofmem") == 0 ? NN_IMAGE_NOMEM : NN_IMAGE_DECODE;
        return;
    }
    r->w = w;
    r->h = h;
    if (want_w > 0 && (w != want_w || h != want_h)) {
        r->status = NN_IMAGE_SIZE;
        stbi_image_free(px);
        return;
    }
    if (want_w > 0) {
        memcpy(out, px, (size_t)w * (size_t)h * (size_t)channels);
        stbi_image_free(px);
    } else if (keep) {
        *keep = px;
    } else {
        stbi_image_free(px);
    }
}

void nn_image_decode_mem(nn_image_decoder *d, const uint8_t *data, size_t len, int channels,
                         int want_w, int want_h, uint8_t *out, uint8_t **keep, nn_image_result *r)
{
    memset(r, 0, sizeof *r);
    if (keep)
        *keep = NULL;
    if (len == 0 || len > NN_IMAGE_MAX_FILE_BYTES || len > INT_MAX) {
        r->status = len == 0 ? NN_IMAGE_EMPTY : NN_IMAGE_TOO_BIG;
        return;
    }
    r->format = nn_image_format(data, len);
    /* Formats stb_image also reads, outside the documented ones (docs/data.md): its PSD,
     * HDR and PIC decoders are never reached. */
    if (r->format && (strcmp(r->format, "PSD") == 0 || strcmp(r->format, "HDR") == 0 ||
                      strcmp(r->format, "PIC") == 0)) {
        r->status = NN_IMAGE_FORMAT;
        snprintf(r->detail, sizeof r->detail,
                 "a %s image, not one of the formats nntrain reads (PNG, JPEG, BMP, GIF, "
                 "PGM/PPM, TGA)",
                 r->format);
        return;
    }
    if (nn_image_check_complete(data, len, r->detail, sizeof r->detail) != 0) {
        r->status = NN_IMAGE_INCOMPLETE;
        return;
    }
    if (want_w > 0 && r->format && strcmp(r->format, "PNG") == 0 &&
        decode_fast(d, data, len, channels, want_w, want_h, out)) {
        r->w = want_w;
        r->h = want_h;
        return;
    }
    /* A palette stb_image could read past: padded, so every index reads a defined color. */
    size_t padded_len = 0;
    uint8_t *padded = !r->format                      ? NULL
                      : strcmp(r->format, "PNG") == 0 ? nn_png_pad_palette(data, len, &padded_len)
                      : strcmp(r->format, "BMP") == 0 ? nn_bmp_pad_palette(data, len, &padded_len)
                                                      : NULL;
    if (padded && padded_len <= INT_MAX) {
        data = padded;
        len = padded_len;
    }
    decode_stb(data, len, channels, want_w, want_h, out, keep, r);
    free(padded);
}
