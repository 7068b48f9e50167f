/* gz_members.c - gzip in memory for the IDX reader: the first bytes of a member (its IDX
 * header), and every member inflated into a buffer sized from that header, never from the
 * gzip trailer's ISIZE; bytes after the last member are an error naming their offset. */
#include "data/gz_members.h"

#include <stdint.h>
#include <libdeflate.h>
#include <zlib.h>

/* The IDX header's bytes from the start of a gzip member in buf: 0 when head_len bytes of
 * output came out. */
int nn_gz_peek_header(const unsigned char *buf, size_t n, unsigned char *head,
                          size_t head_len)
{
    z_stream zs = {0};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return -1;
    zs.next_in = (unsigned char *)(uintptr_t)buf;
    zs.avail_in = (uInt)(n < UINT32_MAX ? n : UINT32_MAX);
    zs.next_out = head;
    zs.avail_out = (uInt)head_len;
    int zr = Z_OK;
    while (zs.avail_out > 0 && (zr == Z_OK) && zs.avail_in > 0)
        zr = inflate(&zs, Z_NO_FLUSH);
    int ok = zs.avail_out == 0;
    inflateEnd(&zs);
    return ok ? 0 : -1;
}

/* Inflates every gzip member of raw[0..n) into out (cap bytes, one more than expected).
 * *fallback is set when libdeflate cannot say precisely what is wrong (damaged or
 * short data): zlib's stream then reports it. */
nn_status nn_gz_inflate_members(const char *path, const unsigned char *raw, size_t n,
                                 unsigned char *out, size_t expected, size_t *len,
                                 int *fallback, nn_error *err)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return nn_fail(err, NN_ESYS, "%s: out of memory for the gzip decompressor", path);
    size_t pos = 0, have = 0;
    nn_status st = NN_OK;
    while (pos < n) {
        if (n - pos < 2 || raw[pos] != 0x1f || raw[pos + 1] != 0x8b) {
            st = nn_fail(err, NN_EDATA,
                         "%s: %zu trailing bytes after the last gzip member, from byte %zu "
                         "of the file (expected the end of the file or another gzip member)",
                         path, n - pos, pos);
            break;
        }
        size_t in_used = 0, out_len = 0;
        enum libdeflate_result r = libdeflate_gzip_decompress_ex(
            d, raw + pos, n - pos, out + have, expected + 1 - have, &in_used, &out_len);
        if (r == LIBDEFLATE_SUCCESS && have + out_len <= expected) {
            pos += in_used;
            have += out_len;
            continue;
        }
        if (r == LIBDEFLATE_SUCCESS || r == LIBDEFLATE_INSUFFICIENT_SPACE)
            st = nn_fail(err, NN_EDATA,
                         "%s: decompresses to more than the %zu bytes its IDX header "
                         "announces: trailing bytes (the gzip member at byte %zu of the file "
                         "overflows it)",
                         path, expected, pos);
        else
            *fallback = 1;
        break;
    }
    libdeflate_free_decompressor(d);
    if (st == NN_OK && !*fallback && have != expected)
        *fallback = 1; /* short: the stream reader says where it ends */
    *len = have;
    return st;
}

