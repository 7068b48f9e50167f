/* idx_input.h - the bytes of one IDX file, from a file or from memory, read through one
 * in-memory code path (see idx_input.c); the IDX parsing itself is in idx.c. */
#ifndef NN_DATA_IDX_INPUT_H
#define NN_DATA_IDX_INPUT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "sys/error.h"

/* What a file must look like. */
typedef struct idx_kind {
    uint32_t magic;
    unsigned ndims;
    const char *noun; /* "image", "label" */
    const char *dims; /* human description of the dimensions */
    const char *dim_names[3];
} idx_kind;

/* Where the bytes come from: the file called name (is_file), or buf[0..len) named name in
 * messages. stop (may be NULL): once *stop != 0, a read from a pipe or FIFO that waits
 * for data gives up (NN_EINTR). */
typedef struct idx_source {
    const char *name;
    const void *buf;
    size_t len;
    int is_file;
    volatile sig_atomic_t *stop;
} idx_source;

/* One open IDX input. offset counts content bytes consumed (decompressed, for gzip).
 * The content is either whole in mem (plain input, or gzip inflated by libdeflate in one
 * call) or read through a zlib stream over the input, whose reports say exactly what is
 * damaged. */
typedef struct idx_file {
    const char *path;
    size_t offset;
    const unsigned char *src; /* the whole input */
    size_t src_len;
    unsigned char *src_own; /* src, when it was read from a file */
    const unsigned char *mem; /* whole content (when not stream) */
    size_t mem_len;
    unsigned char *mem_own; /* mem, when it is owned here (inflated, or src_own) */
    int gz;                 /* the input is gzip-compressed */
    int stream;             /* read through zs, not from mem */
    z_stream zs;
    int zs_live, zs_eof;    /* stream set up; its data ended cleanly */
    int zcode;              /* Z_OK, or the zlib error that stopped the stream */
    const char *zmsg;
} idx_file;

/* The IDX header's sizes (bytes of header + payload); 0 when it is not a valid header of
 * this kind or over the 4 GiB payload limit. */
size_t nn_idx_header_total(const unsigned char *head, const idx_kind *kind);

/* Opens src (reading a file whole into memory first) for reading as kind. */
nn_status nn_idx_open(idx_file *f, const idx_source *src, const idx_kind *kind, nn_error *err);

/* Reads up to len bytes into buf. *got < len only when the data ended cleanly; damaged or
 * truncated gzip data is a failure. */
nn_status nn_idx_read(idx_file *f, void *buf, size_t len, size_t *got, nn_error *err);

/* Hands the rest of the content over without copying when exactly len bytes are left in
 * an owned buffer: returns where they start, inside the malloc'ed *block (the caller frees
 * *block); NULL otherwise. */
uint8_t *nn_idx_take_rest(idx_file *f, size_t len, uint8_t **block);

/* An upper bound on the content bytes still to come (for first allocations). */
size_t nn_idx_bound(const idx_file *f);

/* "decompressed " for gzip input, "" for plain. */
const char *nn_idx_stream_word(const idx_file *f);

void nn_idx_close(idx_file *f);

#endif
