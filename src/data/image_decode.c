/* image_decode.c - see image_decode.h. stb_image keeps its failure reason in thread-local
 * storage (Debian's libstb is built with STBI_THREAD_LOCAL), so reading it right after a
 * failed call in the same thread is safe. */
#include "data/image_decode.h"

#include <limits.h>
#include <stdlib.h>
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

/* stb_image, after the header's size is checked: a wrong or huge image is refused
 * undecoded. */
static void decode_stb(const uint8_t *data, size_t len, int channels, int want_w, int want_h,
                       uint8_t *out, uint8_t **keep, nn_image_result *r)
{
    int w = 0, h = 0, comp = 0;
    if (stbi_info_from_memory(data, (int)len, &w, &h, &comp)) {
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
    uint8_t *px = stbi_load_from_memory(data, (int)len, &w, &h, &comp, channels);
    if (px == NULL) {
        r->reason = stbi_failure_reason();
        /* stb_image writes the name of an unknown PNG chunk into one static buffer shared
         * by all threads: keep a fixed text instead of a pointer into it. */
        if (r->reason && strstr(r->reason, "chunk not known"))
            r->reason = "PNG chunk not known";
        r->status = r->reason && strcmp(r->reason, "outofmem") == 0 ? NN_IMAGE_NOMEM
                                                                     : NN_IMAGE_DECODE;
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
                         int want_w, int want_h, uint8_t *out, uint8_t **keep,
                         nn_image_result *r)
{
    memset(r, 0, sizeof *r);
    if (keep)
        *keep = NULL;
    if (len == 0 || len > NN_IMAGE_MAX_FILE_BYTES || len > INT_MAX) {
        r->status = len == 0 ? NN_IMAGE_EMPTY : NN_IMAGE_TOO_BIG;
        return;
    }
    r->format = nn_image_format(data, len);
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
    uint8_t *padded = r->format && strcmp(r->format, "PNG") == 0
                          ? nn_png_pad_palette(data, len, &padded_len)
                          : NULL;
    if (padded && padded_len <= INT_MAX) {
        data = padded;
        len = padded_len;
    }
    decode_stb(data, len, channels, want_w, want_h, out, keep, r);
    free(padded);
}
