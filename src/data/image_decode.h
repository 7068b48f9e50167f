/* image_decode.h - one image file's bytes in memory decoded into pixels: the per-file step
 * of an image folder (folder_decode.c), of nntrain predict (image_file.c) and of the
 * fuzzing harness, so all three run the same checks in the same order. */
#ifndef NN_IMAGE_DECODE_H
#define NN_IMAGE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "data/png_fast.h"

/* The largest image file decoded (docs/data.md): 64 MiB. */
#define NN_IMAGE_MAX_FILE_BYTES ((size_t)64 << 20)

/* What one decoding thread reuses from file to file; zero it before the first use. */
typedef struct nn_image_decoder {
    struct libdeflate_decompressor *inflate; /* for the PNG fast path, made on first use */
    nn_png_scratch png;
} nn_image_decoder;

void nn_image_decoder_free(nn_image_decoder *d);

typedef enum nn_image_status {
    NN_IMAGE_OK = 0,
    NN_IMAGE_EMPTY,      /* 0 bytes */
    NN_IMAGE_TOO_BIG,    /* over NN_IMAGE_MAX_FILE_BYTES */
    NN_IMAGE_DECODE,     /* stb_image failed, or the header's size is over the limit: reason */
    NN_IMAGE_INCOMPLETE, /* the data ends before the pixels do: detail */
    NN_IMAGE_FORMAT,     /* a format stb_image reads but nntrain does not (PSD, HDR, PIC): detail */
    NN_IMAGE_SIZE,       /* w x h are not the size asked for */
    NN_IMAGE_NOMEM
} nn_image_status;

typedef struct nn_image_result {
    nn_image_status status;
    int w, h;           /* the image's size, once known */
    const char *format; /* from the first bytes ("PNG", ...), or NULL */
    const char *reason; /* NN_IMAGE_DECODE: stb_image's reason or the limit (static text) */
    char detail[200];   /* NN_IMAGE_INCOMPLETE: what is missing; NN_IMAGE_FORMAT: which */
} nn_image_result;

/* Decodes data[0..len) into an image of channels (1 or 3) channels, converted as
 * folder_decode.h says. With want_w > 0 it must be want_w x want_h: its pixels are written
 * to out (want_w * want_h * channels bytes; a plain 8-bit PNG is decoded straight into it
 * by png_fast.c, anything else by stb_image); with want_w == 0 any size within the limits
 * (image_check.h) will do and *keep receives stb_image's buffer (stbi_image_free). The
 * size is checked from the header before decoding. *r says what happened. */
void nn_image_decode_mem(nn_image_decoder *d, const uint8_t *data, size_t len, int channels,
                         int want_w, int want_h, uint8_t *out, uint8_t **keep, nn_image_result *r);

#endif
