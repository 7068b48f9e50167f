/* fuzz_image.c - libFuzzer harness for one image file's decode in memory
 * (nn_image_decode_mem: what an image folder and nntrain predict run on each file). The
 * first input byte chooses how, the next two are a size, the rest is the file:
 *   bit 0:    3 channels (RGB) instead of 1 (gray);
 *   bits 1-2: 0 the first image of a folder (any size, stb_image's buffer kept);
 *             1 a later image of the size its own header gives (the PNG fast path);
 *             2 a later image that must be (byte 1 + 1) x (byte 2 + 1);
 *             3 both 0 and 1, checking that they give the same pixels. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#include "data/image_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes as a later image of w x h; the pixels (caller frees) or NULL. */
static uint8_t *decode_later(nn_image_decoder *d, const uint8_t *file, size_t len, int ch,
                             int w, int h, nn_image_result *r)
{
    uint8_t *out = malloc((size_t)w * (size_t)h * (size_t)ch);
    if (!out)
        return NULL;
    nn_image_decode_mem(d, file, len, ch, w, h, out, NULL, r);
    if (r->status != NN_IMAGE_OK || r->w != w || r->h != h) {
        if (r->status == NN_IMAGE_OK)
            abort(); /* OK must mean the size asked for */
        free(out);
        return NULL;
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    int ch = data[0] & 1 ? 3 : 1, mode = (data[0] >> 1) & 3;
    const uint8_t *file = data + 3;
    size_t len = size - 3;
    nn_image_decoder d = {0};
    nn_image_result r;
    uint8_t *first = NULL, *later = NULL;
    int w = 0, h = 0;
    if (mode == 0 || mode == 3) {
        nn_image_decode_mem(&d, file, len, ch, 0, 0, NULL, &first, &r);
        if ((r.status == NN_IMAGE_OK) != (first != NULL))
            abort();
        w = r.w, h = r.h;
    }
    if (mode == 1 || (mode == 3 && first)) {
        int comp = 0;
        if (mode == 1 && !stbi_info_from_memory(file, (int)len, &w, &h, &comp))
            w = h = 0;
        if (w > 0 && h > 0 && (size_t)w * (size_t)h <= ((size_t)1 << 22))
            later = decode_later(&d, file, len, ch, w, h, &r);
    }
    if (mode == 2)
        later = decode_later(&d, file, len, ch, data[1] + 1, data[2] + 1, &r);
    /* The fast path and stb_image must agree on every pixel. */
    if (first && later && memcmp(first, later, (size_t)w * (size_t)h * (size_t)ch) != 0)
        abort();
    stbi_image_free(first);
    free(later);
    nn_image_decoder_free(&d);
    return 0;
}
