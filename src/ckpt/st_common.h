/* st_common.h - what the safetensors reader and writer share: the limits on a name and a
 * number, the dtypes' names, the byte order of the data, the UTF-8 check (internal to
 * src/ckpt/). */
#ifndef NN_ST_COMMON_H
#define NN_ST_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "math/tensor.h"

enum { ST_NAME_MAX = 1024 };             /* bytes of a tensor name */
#define ST_MAX_EXACT ((uint64_t)1 << 53) /* the largest integer a JSON number holds exactly */
#define ST_META "__metadata__"           /* the key of the string fields, never a tensor */

static inline int st_host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Each nn_dtype as the safetensors format spells it, in the enum's order. */
static const char *const st_dtypes[] = {"F32", "I64", "F64", "I32", "U8", "BOOL"};
enum { ST_N_DTYPES = sizeof st_dtypes / sizeof st_dtypes[0] };
_Static_assert(ST_N_DTYPES == NN_BOOL + 1, "st_dtypes names every nn_dtype");
#define ST_DTYPE_LIST "F32, I64, F64, I32, U8, BOOL"

/* The bytes of each of the n elements of size bytes at p reversed (little-endian to host
 * order and back on a big-endian host). */
static inline void st_swap_bytes(void *p, size_t n, size_t size)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++, b += size)
        for (size_t lo = 0, hi = size - 1; lo < hi; lo++, hi--) {
            unsigned char c = b[lo];
            b[lo] = b[hi];
            b[hi] = c;
        }
}

/* The offset of the first byte of s[0..n) that is NUL or not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF included); n when there is none. */
static inline size_t st_utf8_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
        unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
        if (c < 0xC2 || c > 0xF4 || n - i < len || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += len;
    }
    return n;
}

#endif
