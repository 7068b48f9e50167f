/* png_fast.h - a fast path for the plainest PNGs (8-bit grayscale or RGB, not interlaced):
 * the image data is inflated with libdeflate and unfiltered directly into the caller's
 * buffer. Anything else, and anything doubtful (a bad CRC, a length that does not add
 * up, an unknown critical chunk), is declined, and the caller decodes the file with
 * stb_image as usual: this path never reports an error and never guesses. */
#ifndef NN_PNG_FAST_H
#define NN_PNG_FAST_H

#include <stddef.h>
#include <stdint.h>

struct libdeflate_decompressor;

/* Scratch memory reused across calls (owned by the caller, freed with free()). */
typedef struct nn_png_scratch {
    uint8_t *idat, *raw;
    size_t idat_cap, raw_cap;
} nn_png_scratch;

/* Decodes data (a whole PNG file) into out (want_h rows of want_w * channels bytes) when
 * it is an 8-bit, non-interlaced PNG of exactly want_w x want_h pixels whose color type
 * has `channels` channels (0 = gray for 1, 2 = RGB for 3). Returns 1 when out holds the
 * image, 0 when the caller must use stb_image instead (out may have been written). */
int nn_png_fast_decode(struct libdeflate_decompressor *d, const uint8_t *data, size_t len,
                       int channels, int want_w, int want_h, uint8_t *out, nn_png_scratch *s);

/* stb_image maps a palette index past the end of a PNG's palette (PLTE) to whatever its
 * uninitialized palette array holds: the pixels then differ from call to call. When data
 * is a PNG with a palette of fewer than 256 entries, returns a copy (*out_len bytes,
 * caller frees) whose PLTE chunks are padded with black to 256 entries, so such indices
 * read black; NULL when data needs no change, when a tRNS chunk has more entries than the
 * palette (stb_image refuses that) or when out of memory: the caller then decodes data as
 * it is. */
uint8_t *nn_png_pad_palette(const uint8_t *data, size_t len, size_t *out_len);

#endif
