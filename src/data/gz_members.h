/* gz_members.h - gzip members decoded in memory (see gz_members.c). */
#ifndef NN_DATA_GZ_MEMBERS_H
#define NN_DATA_GZ_MEMBERS_H

#include <stddef.h>

#include "sys/error.h"

/* head_len bytes of the decompressed start of the gzip data buf[0..n) into head: 0, or -1
 * when the data ends or is damaged before that. */
int nn_gz_peek_header(const unsigned char *buf, size_t n, unsigned char *head, size_t head_len);

/* Every member of raw[0..n) into out (expected + 1 bytes); NN_EDATA when the output would
 * exceed expected or bytes other than a member follow one; *fallback = 1 when the data is
 * damaged or short (the caller's zlib stream then says where). *len: bytes produced. */
nn_status nn_gz_inflate_members(const char *path, const unsigned char *raw, size_t n,
                                unsigned char *out, size_t expected, size_t *len, int *fallback,
                                nn_error *err);

#endif
