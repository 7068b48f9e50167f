/* fuzz_idx.c - libFuzzer harness for the IDX reader in memory (nn_idx_load_mem, the path
 * nn_idx_load takes once it has read the files). The first input byte chooses what the
 * rest is; the rest is an IDX file's bytes, raw or gzip (gzip data is fuzzed as it is, and
 * with bit 0 set the harness also gzips the rest itself, so mutations of the IDX content
 * reach deep through the decompressed path):
 *   bits 1-2: 0 the rest is an image file loaded alone; 1 an image file, with a label
 *             file made to match its header's count; 2 a label file, with a matching
 *             image file of 1 x 1 images; 3 both, the rest split at byte 1 (x 4).
 *   bit 3:    gzip the second of the two (mode 3) instead of the first. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_MADE = 4096 }; /* the largest partner file the harness makes (items) */

/* in[0..n) as one gzip member in a new buffer (*out_len bytes); NULL when out of memory. */
static unsigned char *gzip_copy(const uint8_t *in, size_t n, size_t *out_len)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&zs, (uLong)n);
    unsigned char *out = malloc(cap);
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (!out || deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        free(out);
        out = NULL;
    }
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static void put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8), b[3] = (unsigned char)v;
}

/* A valid partner for file f: labels (0, 1, 2, ...) when labels, else 1 x 1 images, as many
 * as f's header counts (bytes 4..7; 1 when that is unreadable or over MAX_MADE). */
static unsigned char *partner(const uint8_t *f, size_t n, int labels, size_t *len)
{
    uint32_t count = n >= 8 ? (uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 |
                                  (uint32_t)f[6] << 8 | f[7]
                            : 1;
    if (count == 0 || count > MAX_MADE)
        count = 1;
    size_t head = labels ? 8 : 16;
    unsigned char *b = malloc(head + count);
    if (!b)
        return NULL;
    put_be32(b, labels ? 0x801u : 0x803u);
    put_be32(b + 4, count);
    if (!labels)
        put_be32(b + 8, 1), put_be32(b + 12, 1);
    for (uint32_t i = 0; i < count; i++)
        b[head + i] = (unsigned char)(i % 10);
    *len = head + count;
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned ctl = data[0], mode = (ctl >> 1) & 3;
    const uint8_t *a = data + 1, *b = NULL;
    size_t na = size - 1, nb = 0;
    unsigned char *made = NULL, *gz = NULL;
    if (mode == 3) {
        size_t cut = size > 1 ? (size_t)data[1] * 4 : 0;
        a = data + (size > 1 ? 2 : 1);
        na = size - (size > 1 ? 2 : 1);
        cut = cut < na ? cut : na;
        b = a + cut, nb = na - cut, na = cut;
    } else if (mode != 0) {
        b = made = partner(a, na, mode == 1, &nb);
        if (!made)
            return 0;
    }
    if (ctl & 1) { /* gzip one of the two */
        int second = mode == 3 && (ctl & 8);
        size_t glen = 0;
        gz = gzip_copy(second ? b : a, second ? nb : na, &glen);
        if (!gz) {
            free(made);
            return 0;
        }
        if (second)
            b = gz, nb = glen;
        else
            a = gz, na = glen;
    }
    nn_dataset ds;
    nn_error err;
    nn_status st;
    if (mode == 0)
        st = nn_idx_load_images_mem(&ds, a, na, "images", &err);
    else if (mode == 2)
        st = nn_idx_load_mem(&ds, b, nb, "images", a, na, "labels", 2, &err);
    else
        st = nn_idx_load_mem(&ds, a, na, "images", b, nb, "labels", 0, &err);
    if (st == NN_OK)
        nn_dataset_free(&ds);
    else if (!memchr(err.msg, '\0', sizeof err.msg) || strchr(err.msg, '\n'))
        abort(); /* a message is always one terminated line */
    free(made);
    free(gz);
    return 0;
}
