/* image_check.h - what an image file is, judged from its bytes, and whether it is whole. */
#ifndef NN_IMAGE_CHECK_H
#define NN_IMAGE_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* A file's format judged from its first bytes ("PNG", "JPEG", ...), or NULL. */
const char *nn_image_format(const uint8_t *data, size_t len);

/* Checks that an uncompressed BMP, a binary PGM/PPM, a TGA, a GIF or a Radiance HDR holds
 * all the pixel data its header promises (stb_image silently reads zeros, or memory it
 * never wrote, past the end of these). 0 when complete or when the format is not one of
 * those; otherwise -1 and a reason in why. */
int nn_image_check_complete(const uint8_t *data, size_t len, char *why, size_t why_len);

/* Checks that every chunk of a PNG up to IEND fits in the file: stb_image sizes its
 * buffer for the image data from a chunk's length before it reads the chunk, so a 100-byte
 * file could make it ask for gigabytes. 0 when they fit (or data is not a PNG); otherwise
 * -1 and why. */
int nn_image_check_png_chunks(const uint8_t *data, size_t len, char *why, size_t why_len);

/* A copy of a palette BMP (1, 4 or 8 bits a pixel) whose palette, as stb_image counts it
 * from the pixel offset, has fewer than 256 colors: black colors appended and the offset
 * moved past them, so that every index reads a defined color (stb_image reads an index
 * past its palette from memory it never wrote). NULL when no copy is needed, or out of
 * memory (the file is then decoded as it is). */
uint8_t *nn_bmp_pad_palette(const uint8_t *data, size_t len, size_t *out_len);

/* Image dimensions a data set may have: at most NN_IMAGE_MAX_SIDE a side and
 * NN_IMAGE_MAX_PIXELS bytes of pixels (w x h x channels), checked from the header before
 * decoding. */
#define NN_IMAGE_MAX_SIDE 16384
#define NN_IMAGE_MAX_PIXELS ((long long)64 << 20)
#define NN_IMAGE_DIMS_LIMIT_TEXT "over the limit of 16384 pixels a side and 64 MB of pixels"
static inline int nn_image_dims_ok(int w, int h, int channels)
{
    return w > 0 && h > 0 && w <= NN_IMAGE_MAX_SIDE && h <= NN_IMAGE_MAX_SIDE &&
           (long long)w * h * (channels > 0 ? channels : 1) <= NN_IMAGE_MAX_PIXELS;
}

#endif
