/* idx_input.c - the bytes of an IDX file, whatever their origin: a file is read whole into
 * memory (its size checked first), then a file and a caller's buffer take the same path.
 * Plain content is read in place. Gzip is inflated by libdeflate in one call when that
 * works cleanly, into a buffer sized from the IDX header (never from the gzip trailer);
 * otherwise a zlib stream over the bytes reads it as zlib's gzread would (members one
 * after another), and its reports say exactly what is damaged. Output buffers grow only
 * as data actually arrives, so a corrupt header claiming gigabytes costs nothing. */
#define _DEFAULT_SOURCE /* madvise and MADV_POPULATE_WRITE */
#include "data/idx_input.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/gz_members.h"
#include "sys/fs.h"

/* The largest payload an IDX header may announce (docs/data.md): 4 GiB. */
#define IDX_MAX_PAYLOAD_BYTES ((size_t)1 << 32)
/* A gzip file's size beyond its content's: member headers and trailers, stored blocks
 * (1/1024 of the content is added on top of this). */
#define GZ_OVERHEAD_BYTES ((size_t)1 << 20)
/* The largest input an IDX file within the limit can be: gzip at its worst. */
#define IDX_MAX_FILE_BYTES                                                                         \
    (IDX_MAX_PAYLOAD_BYTES + IDX_MAX_PAYLOAD_BYTES / 1024 + GZ_OVERHEAD_BYTES + 16)
/* Deflate produces at most 1032 bytes per input byte (a 258-byte match in 2 bits). */
#define INFLATE_MAX_RATIO 1032u
#define READ_CHUNK_BYTES ((size_t)1 << 30) /* per read() call */
#define TRAIL_BYTES ((size_t)1 << 16)      /* read past a pipe's announced end */

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

size_t nn_idx_header_total(const unsigned char *head, const idx_kind *kind)
{
    if (be32(head) != kind->magic)
        return 0;
    size_t total = 1;
    for (unsigned i = 0; i < kind->ndims; i++) {
        uint32_t d = be32(head + 4 + 4 * i);
        if (d == 0 || total > SIZE_MAX / d)
            return 0;
        total *= d;
    }
    return total > IDX_MAX_PAYLOAD_BYTES ? 0 : total + 4 + 4 * (size_t)kind->ndims;
}

/* read() until len bytes or the end; -1 (errno set) on a read error. A pipe or FIFO
 * (not regular) is read without blocking and waited for with poll, which looks at *stop
 * (stop not NULL) every 100 ms: -1 with errno EINTR once it is set. (A handler installed
 * with SA_RESTART restarts a blocking read, which would never see the signal; a FIFO that
 * never had a writer reads as its end, which poll would wait on forever.) */
static int read_all(int fd, int regular, unsigned char *buf, size_t len, size_t *got,
                    volatile sig_atomic_t *stop)
{
    int flags = regular ? -1 : fcntl(fd, F_GETFL);
    if (flags != -1 && !(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
        flags = -1;
    *got = 0;
    while (*got < len) {
        size_t want = len - *got < READ_CHUNK_BYTES ? len - *got : READ_CHUNK_BYTES;
        ssize_t r = read(fd, buf + *got, want);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) &&
            flags != -1) {
            if (stop && *stop) {
                errno = EINTR;
                return -1;
            }
            struct pollfd p = {.fd = fd, .events = POLLIN};
            (void)poll(&p, 1, stop ? 100 : -1);
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return 0;
}

/* The first bytes of IDX content of kind in buf[0..len) (inflated when they are gzip);
 * the bytes of input worth reading: its header's total, plus 64 KB so that trailing bytes
 * are counted, for gzip with deflate's worst-case overhead on top; 0 when these bytes hold no valid
 * header (nothing more is worth reading: the parser says what is wrong). */
static size_t input_bound(const unsigned char *buf, size_t len, const idx_kind *kind)
{
    unsigned char head[16];
    const size_t need = 4 + 4 * (size_t)kind->ndims;
    int gz = len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
    if (!gz) {
        size_t total = len >= need ? nn_idx_header_total(buf, kind) : 0;
        return total ? total + TRAIL_BYTES : 0;
    }
    z_stream zs = {0};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return 0;
    zs.next_in = (unsigned char *)(uintptr_t)buf;
    zs.avail_in = len > UINT_MAX ? UINT_MAX : (unsigned)len;
    zs.next_out = head;
    zs.avail_out = (unsigned)need;
    int rc = inflate(&zs, Z_SYNC_FLUSH);
    size_t got = need - zs.avail_out;
    inflateEnd(&zs);
    size_t total = (rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR) && got == need
                       ? nn_idx_header_total(head, kind)
                       : 0;
    return total ? total + total / 1024 + GZ_OVERHEAD_BYTES + 16 + TRAIL_BYTES : 0;
}

/* The whole of an open file into *out (*len bytes): a regular file in one allocation of
 * its size (refused when larger than an IDX file within the limit can be); anything else
 * (a pipe, a device) in a buffer that grows, bounded by the header its first bytes hold,
 * so that /dev/zero or an endless pipe costs one 64 KB read. */
static nn_status read_fd(int fd, const char *path, const idx_kind *kind,
                         volatile sig_atomic_t *stop, unsigned char **out, size_t *len,
                         nn_error *err)
{
    struct stat sb;
    int regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
    if (regular && (uint64_t)sb.st_size > IDX_MAX_FILE_BYTES)
        return nn_fail(err, NN_EDATA,
                       "%s: the file is %llu bytes, more than an IDX file within the limit of "
                       "%zu bytes (4 GiB) of pixels can be",
                       path, (unsigned long long)sb.st_size, IDX_MAX_PAYLOAD_BYTES);
    size_t cap = regular ? (size_t)sb.st_size + 1 : (size_t)1 << 16, have = 0;
    size_t limit = regular ? cap : 0; /* bytes worth reading; 0: not known yet */
    unsigned char *buf = NULL;
    for (;;) {
        unsigned char *grown = realloc(buf, cap);
        if (!grown) {
            free(buf);
            return nn_fail(err, NN_ESYS, "%s: out of memory reading %zu bytes", path, cap);
        }
        buf = grown;
        size_t got = 0;
        if (read_all(fd, regular, buf + have, cap - have, &got, stop) != 0) {
            int e = errno;
            free(buf);
            if (e == EINTR && stop && *stop)
                return nn_fail(err, NN_EINTR, "%s: interrupted while reading it", path);
            return nn_fail(err, NN_EDATA, "%s: read error at byte %zu: %s", path, have,
                           strerror(e));
        }
        have += got;
        if (have < cap)
            break;
        if (!limit && (limit = input_bound(buf, have, kind)) == 0)
            break; /* no valid header: what was read shows what is wrong */
        if (have >= limit)
            break; /* more than a valid file can hold: the parser reports the excess */
        if (cap > IDX_MAX_FILE_BYTES) {
            free(buf);
            return nn_fail(err, NN_EDATA,
                           "%s: more than %zu bytes, more than an IDX file within the limit "
                           "of %zu bytes (4 GiB) of pixels can be",
                           path, (size_t)IDX_MAX_FILE_BYTES, IDX_MAX_PAYLOAD_BYTES);
        }
        cap = cap * 2 < limit ? cap * 2 : limit;
    }
    *out = buf;
    *len = have;
    return NN_OK;
}

static nn_status read_file(idx_file *f, const idx_kind *kind, volatile sig_atomic_t *stop,
                           nn_error *err)
{
    int fd = nn_open_read(f->path);
    if (fd < 0) {
        if (errno == ENOMEM)
            return nn_fail(err, NN_ESYS, "%s: cannot open: out of memory", f->path);
        return nn_fail(err, NN_EDATA, "%s: cannot open the IDX %s file: %s", f->path, kind->noun,
                       strerror(errno));
    }
    nn_status st = read_fd(fd, f->path, kind, stop, &f->src_own, &f->src_len, err);
    close(fd);
    f->src = f->src_own;
    return st;
}

/* The zlib stream over the whole input (gzip only): when the content is not whole in
 * memory. */
static nn_status open_stream(idx_file *f, nn_error *err)
{
    memset(&f->zs, 0, sizeof f->zs);
    if (inflateInit2(&f->zs, 16 + MAX_WBITS) != Z_OK)
        return nn_fail(err, NN_ESYS, "%s: out of memory for the gzip decompressor", f->path);
    f->zs_live = 1;
    f->stream = 1;
    f->zs.next_in = (Bytef *)(uintptr_t)f->src;
    f->zs.avail_in = (uInt)(f->src_len < UINT_MAX ? f->src_len : UINT_MAX);
    return NN_OK;
}

/* Gzip content inflated whole by libdeflate, or the stream when that cannot say cleanly
 * what is there (a bad header, short or damaged data). */
/* Maps in the pages of a large new buffer in one call (MADV_POPULATE_WRITE, Linux 5.14)
 * instead of one page fault per 4 KB as inflate first writes them: 47 MB of MNIST pixels
 * in 12 ms instead of about 20. Only a hint: an older kernel's refusal changes nothing. */
static void prefault(void *buf, size_t len)
{
#ifdef MADV_POPULATE_WRITE
    const uintptr_t page = 4096, lo = ((uintptr_t)buf + page - 1) & ~(page - 1),
                    hi = ((uintptr_t)buf + len) & ~(page - 1);
    if (len >= ((size_t)1 << 20) && hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
    (void)buf, (void)len;
#endif
}

static nn_status open_gzip(idx_file *f, const idx_kind *kind, nn_error *err)
{
    unsigned char head[16];
    size_t n = f->src_len, head_len = 4 + 4 * (size_t)kind->ndims, expected = 0, len = 0;
    if (nn_gz_peek_header(f->src, n, head, head_len) != 0 ||
        (expected = nn_idx_header_total(head, kind)) == 0 || expected / INFLATE_MAX_RATIO > n)
        return open_stream(f, err);
    if (n > expected + expected / 1024 + GZ_OVERHEAD_BYTES)
        return nn_fail(err, NN_EDATA,
                       "%s: the .gz file is %zu bytes, more than the %zu bytes its IDX header "
                       "announces could compress to: trailing bytes after the gzip data?",
                       f->path, n, expected);
    unsigned char *out = malloc(expected + 1);
    if (!out)
        return open_stream(f, err);
    prefault(out, expected + 1);
    int fallback = 0;
    nn_status st = nn_gz_inflate_members(f->path, f->src, n, out, expected, &len, &fallback, err);
    if (st != NN_OK || fallback) {
        free(out);
        return st != NN_OK ? st : open_stream(f, err);
    }
    f->mem = f->mem_own = out;
    f->mem_len = len;
    free(f->src_own); /* the compressed bytes are done with */
    f->src_own = NULL;
    f->src = NULL;
    f->src_len = 0;
    return NN_OK;
}

nn_status nn_idx_open(idx_file *f, const idx_source *src, const idx_kind *kind, nn_error *err)
{
    memset(f, 0, sizeof *f);
    f->path = src->name;
    if (src->is_file) {
        if (src->name[0] == '\0')
            return nn_fail(err, NN_EDATA, "empty path given for the IDX %s file", kind->noun);
        nn_status st = read_file(f, kind, src->stop, err);
        if (st != NN_OK)
            return st;
    } else {
        f->src = src->buf;
        f->src_len = src->buf ? src->len : 0;
    }
    f->gz = f->src_len >= 2 && f->src[0] == 0x1f && f->src[1] == 0x8b;
    if (f->gz)
        return open_gzip(f, kind, err);
    f->mem = f->src;
    f->mem_len = f->src_len;
    f->mem_own = f->src_own;
    f->src_own = NULL;
    return NN_OK;
}

static nn_status stream_failure(const idx_file *f, nn_error *err)
{
    switch (f->zcode) {
    case Z_MEM_ERROR:
        return nn_fail(err, NN_ESYS, "%s: out of memory while decompressing", f->path);
    case Z_BUF_ERROR:
        return nn_fail(err, NN_EDATA,
                       "%s: truncated gzip stream: unexpected end of file after %zu "
                       "decompressed bytes (the .gz file is incomplete)",
                       f->path, f->offset);
    default:
        return nn_fail(err, NN_EDATA,
                       "%s: corrupt gzip data after %zu decompressed bytes: %s (the .gz "
                       "file is damaged)",
                       f->path, f->offset, f->zmsg);
    }
}

/* After the end of a gzip member: another member follows, or the data ends (bytes that are
 * not a member are ignored, as zlib's gzread ignores them). */
static void next_member(idx_file *f)
{
    size_t used = (size_t)(f->zs.next_in - f->src), left = f->src_len - used;
    f->zs.avail_in = (uInt)(left < UINT_MAX ? left : UINT_MAX);
    if (left >= 2 && f->zs.next_in[0] == 0x1f && f->zs.next_in[1] == 0x8b)
        f->zcode = inflateReset(&f->zs) == Z_OK ? Z_OK : Z_MEM_ERROR;
    else
        f->zs_eof = 1;
}

static nn_status stream_read(idx_file *f, unsigned char *buf, size_t len, size_t *got,
                             nn_error *err)
{
    size_t done = 0;
    while (done < len && !f->zs_eof && f->zcode == Z_OK) {
        if (f->zs.avail_in == 0) {
            size_t left = f->src_len - (size_t)(f->zs.next_in - f->src);
            f->zs.avail_in = (uInt)(left < UINT_MAX ? left : UINT_MAX);
        }
        size_t want = len - done < UINT_MAX ? len - done : UINT_MAX;
        f->zs.next_out = buf + done;
        f->zs.avail_out = (uInt)want;
        int zr = inflate(&f->zs, Z_NO_FLUSH);
        size_t made = want - f->zs.avail_out;
        done += made;
        f->offset += made;
        if (zr == Z_STREAM_END)
            next_member(f);
        else if (zr == Z_MEM_ERROR)
            f->zcode = Z_MEM_ERROR;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            f->zcode = Z_DATA_ERROR, f->zmsg = f->zs.msg ? f->zs.msg : "compressed data error";
        else if (f->zs.avail_in == 0 && f->zs.avail_out > 0 &&
                 (size_t)(f->zs.next_in - f->src) == f->src_len)
            f->zcode = Z_BUF_ERROR; /* the input ended inside a member */
    }
    *got = done;
    return f->zcode == Z_OK ? NN_OK : stream_failure(f, err);
}

nn_status nn_idx_read(idx_file *f, void *buf, size_t len, size_t *got, nn_error *err)
{
    if (f->stream)
        return stream_read(f, buf, len, got, err);
    size_t left = f->mem_len - f->offset, n = len < left ? len : left;
    if (n)
        memcpy(buf, f->mem + f->offset, n);
    f->offset += n;
    *got = n;
    return NN_OK;
}

uint8_t *nn_idx_take_rest(idx_file *f, size_t len, uint8_t **block)
{
    if (!f->mem_own || f->mem_len - f->offset != len)
        return NULL;
    /* Peak memory stays one copy of the pixels, and they are not moved past the header
     * (47 MB of MNIST: 5 ms). */
    uint8_t *out = f->mem_own + f->offset;
    *block = f->mem_own;
    f->mem = f->mem_own = NULL;
    f->offset += len;
    return out;
}

size_t nn_idx_bound(const idx_file *f)
{
    if (!f->stream)
        return f->mem_len - f->offset;
    size_t left = f->src_len - (size_t)(f->zs.next_in - f->src);
    /* + what inflate may hold back: a pending match, a member boundary. */
    return left > SIZE_MAX / INFLATE_MAX_RATIO - 1024 ? SIZE_MAX : left * INFLATE_MAX_RATIO + 1024;
}

const char *nn_idx_stream_word(const idx_file *f)
{
    return f->gz ? "decompressed " : "";
}

void nn_idx_close(idx_file *f)
{
    if (f->zs_live)
        inflateEnd(&f->zs);
    f->zs_live = 0;
    free(f->src_own);
    free(f->mem_own);
    f->src_own = f->mem_own = NULL;
    f->src = f->mem = NULL;
}
