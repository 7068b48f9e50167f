/* idx.c - loads an IDX image file and its IDX label file (MNIST layout): gzip inflated by
 * libdeflate in one call when that works cleanly, else read through zlib's stream.
 *
 * gzread() reads gzip and plain files alike (it looks at the content, not the name), so
 * both go through one code path. Each file is read to its end: the header, exactly the
 * number of payload bytes the header promises, then a probe for trailing bytes, which
 * also makes zlib verify the gzip CRC and length trailer. The payload buffer grows as
 * data actually arrives, so a corrupt header that claims terabytes gives a "truncated"
 * error, not a huge allocation. */
#include "data/dataset.h"
#include "data/gz_members.h"
#include "sys/fs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#define IDX_MAGIC_IMAGES 0x00000803u /* unsigned bytes, 3 dimensions */
#define IDX_MAGIC_LABELS 0x00000801u /* unsigned bytes, 1 dimension */

#define GZ_BUFFER_BYTES (1u << 18)             /* zlib's internal buffer (256 KiB) */
#define READ_CHUNK_BYTES (1u << 30)            /* per gzread() call; < INT_MAX */
#define FIRST_PAYLOAD_BYTES ((size_t)64 << 20) /* first allocation; then doubles */
#define TRAIL_PROBE_BYTES 16384
#define FAST_MAX_BYTES ((uint64_t)1 << 31) /* larger files take the streaming path */
#define PEEK_BYTES 4096                    /* read first, to see the IDX header */
/* A gzip file's size beyond its content's: member headers and trailers, stored blocks
 * (1/1024 of the content is added on top of this). */
#define GZ_OVERHEAD_BYTES ((size_t)1 << 20)
/* The largest payload an IDX header may announce (docs/data.md): 4 GiB. */
#define IDX_MAX_PAYLOAD_BYTES ((size_t)1 << 32)

/* One open IDX file. offset counts decompressed bytes consumed (for messages).
 * Fast path: the whole content in mem (a gzip file inflated by libdeflate in one call,
 * several times faster than zlib's stream); when that does not work cleanly the file is
 * read through zlib's stream instead, whose reports say exactly what is damaged. */
typedef struct idx_file {
    gzFile gz;
    const char *path;
    size_t offset;
    unsigned char *mem; /* whole content (fast path), or NULL */
    size_t mem_len;
    int mem_gz;         /* the content was gzip-compressed */
} idx_file;

/* What a file must look like. */
typedef struct idx_kind {
    uint32_t magic;
    unsigned ndims;
    const char *noun; /* "image", "label" */
    const char *dims; /* human description of the dimensions */
    const char *dim_names[3];
} idx_kind;

static const idx_kind IMAGES = {IDX_MAGIC_IMAGES,
                                3,
                                "image",
                                "3 dimensions: count, rows, cols",
                                {"image count", "rows", "cols"}};
static const idx_kind LABELS = {
    IDX_MAGIC_LABELS, 1, "label", "1 dimension: count", {"label count", NULL, NULL}};

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* a * b into *out; 0 when it does not fit in size_t. */
static int mul_size(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return 0;
    *out = a * b;
    return 1;
}

/* "decompressed " for gzip input, "" for a plain file (valid once reading has begun). */
static const char *stream_word(const idx_file *f)
{
    if (f->mem)
        return f->mem_gz ? "decompressed " : "";
    return gzdirect(f->gz) ? "" : "decompressed ";
}

/* Total bytes (header + payload) an IDX header announces; 0 when it is not a valid header
 * of this kind or its size is over the limit (the stream reader then says why). */
static size_t header_total(const unsigned char *head, const idx_kind *kind)
{
    if (be32(head) != kind->magic)
        return 0;
    size_t total = 1;
    for (unsigned i = 0; i < kind->ndims; i++) {
        uint32_t d = be32(head + 4 + 4 * i);
        if (d == 0 || !mul_size(total, d, &total))
            return 0;
    }
    return total > IDX_MAX_PAYLOAD_BYTES ? 0 : total + 4 + 4 * (size_t)kind->ndims;
}

/* Reads the rest of an open file after its first `have` bytes (already in buf). */
static int read_rest(FILE *fp, unsigned char *buf, size_t have, size_t size)
{
    return fread(buf + have, 1, size - have, fp) == size - have ? 0 : -1;
}

/* The whole content into f->mem, inflated when it is gzip, allocating no more than the
 * IDX header announces (+1 byte to detect more): the gzip trailer's size is not trusted.
 * *fallback set (NN_OK) leaves f->mem NULL so the caller reads through the zlib stream
 * instead (missing or huge file, a bad header, damaged or short data: the stream reader
 * reports those precisely, and its memory grows only with data that actually arrives). */
static nn_status load_fast(idx_file *f, const char *path, const idx_kind *kind, int *fallback,
                           nn_error *err)
{
    *fallback = 1;
    FILE *fp = nn_fopen_read(path);
    if (!fp)
        return NN_OK;
    unsigned char peek[PEEK_BYTES], head[16];
    unsigned char *raw = NULL, *out = NULL;
    nn_status st = NN_OK;
    struct stat sb;
    size_t head_len = 4 + 4 * (size_t)kind->ndims, expected = 0, len = 0;
    /* Regular files of sane size only (a directory opens too, with a nonsense size). */
    off_t size = fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_size : -1;
    size_t n = size > 0 && (uint64_t)size <= FAST_MAX_BYTES ? (size_t)size : 0;
    size_t npeek = n < sizeof peek ? n : sizeof peek;
    if (npeek < head_len || fread(peek, 1, npeek, fp) != npeek)
        goto done;
    int gz = peek[0] == 0x1f && peek[1] == 0x8b;
    if (gz ? nn_gz_peek_header(peek, npeek, head, head_len) != 0
           : (memcpy(head, peek, head_len), 0))
        goto done;
    if ((expected = header_total(head, kind)) == 0 || (!gz && n != expected))
        goto done;
    if (gz && n > expected + expected / 1024 + GZ_OVERHEAD_BYTES) {
        *fallback = 0;
        st = nn_fail(err, NN_EDATA,
                     "%s: the .gz file is %zu bytes, more than the %zu bytes its IDX header "
                     "announces could compress to: trailing bytes after the gzip data?",
                     path, n, expected);
        goto done;
    }
    if (!(raw = malloc(n)))
        goto done;
    memcpy(raw, peek, npeek);
    if (read_rest(fp, raw, npeek, n) != 0)
        goto done;
    if (!gz) {
        f->mem = raw;
        f->mem_len = n;
        raw = NULL;
        *fallback = 0;
        goto done;
    }
    if (!(out = malloc(expected + 1)))
        goto done;
    *fallback = 0;
    st = nn_gz_inflate_members(path, raw, n, out, expected, &len, fallback, err);
    if (st == NN_OK && !*fallback) {
        f->mem = out;
        f->mem_len = len;
        f->mem_gz = 1;
        out = NULL;
    }
done:
    fclose(fp);
    free(raw);
    free(out);
    return st;
}

/* Turns zlib's error state into a status and one message. zlib prefixes its message
 * with the path it was given; that prefix is dropped since ours names the file too. */
static nn_status gz_failure(const idx_file *f, nn_error *err)
{
    int zcode = Z_OK;
    const char *zmsg = gzerror(f->gz, &zcode);
    size_t plen = strlen(f->path);
    if (zmsg == NULL)
        zmsg = "unknown zlib error";
    if (strncmp(zmsg, f->path, plen) == 0 && strncmp(zmsg + plen, ": ", 2) == 0)
        zmsg += plen + 2;

    switch (zcode) {
    case Z_MEM_ERROR:
        return nn_fail(err, NN_ESYS, "%s: out of memory while decompressing", f->path);
    case Z_ERRNO:
        return nn_fail(err, NN_EDATA, "%s: read error at byte %zu: %s", f->path, f->offset, zmsg);
    case Z_BUF_ERROR:
        return nn_fail(err, NN_EDATA,
                       "%s: truncated gzip stream: unexpected end of file after %zu "
                       "decompressed bytes (the .gz file is incomplete)",
                       f->path, f->offset);
    default:
        return nn_fail(err, NN_EDATA,
                       "%s: corrupt gzip data after %zu decompressed bytes: %s (the .gz "
                       "file is damaged)",
                       f->path, f->offset, zmsg);
    }
}

/* Reads up to len bytes into buf. *got < len only when the data ended cleanly; a read
 * error or damaged gzip data is a failure. */
static nn_status idx_read(idx_file *f, void *buf, size_t len, size_t *got, nn_error *err)
{
    if (f->mem) {
        size_t left = f->mem_len - f->offset, n = len < left ? len : left;
        memcpy(buf, f->mem + f->offset, n);
        f->offset += n;
        *got = n;
        return NN_OK;
    }
    unsigned char *p = buf;
    size_t done = 0;
    while (done < len) {
        size_t want = len - done;
        if (want > READ_CHUNK_BYTES)
            want = READ_CHUNK_BYTES;
        int n = gzread(f->gz, p + done, (unsigned)want);
        if (n < 0)
            return gz_failure(f, err);
        done += (size_t)n;
        f->offset += (size_t)n;
        if (n == 0) {
            int zcode = Z_OK;
            gzerror(f->gz, &zcode);
            if (zcode != Z_OK)
                return gz_failure(f, err);
            break;
        }
    }
    *got = done;
    return NN_OK;
}

static nn_status idx_open(idx_file *f, const char *path, const idx_kind *kind, nn_error *err)
{
    f->path = path;
    f->offset = 0;
    if (path[0] == '\0')
        return nn_fail(err, NN_EDATA, "empty path given for the IDX %s file", kind->noun);
    int fallback = 0;
    nn_status st = load_fast(f, path, kind, &fallback, err);
    if (st != NN_OK || !fallback)
        return st;
    errno = 0;
    int fd = nn_open_read(path);
    f->gz = fd < 0 ? NULL : gzdopen(fd, "rb");
    if (f->gz == NULL) {
        if (fd >= 0)
            close(fd);
        if (errno == 0 || errno == ENOMEM)
            return nn_fail(err, NN_ESYS, "%s: cannot open: out of memory", path);
        return nn_fail(err, NN_EDATA, "%s: cannot open the IDX %s file: %s", path, kind->noun,
                       strerror(errno));
    }
    if (gzbuffer(f->gz, GZ_BUFFER_BYTES) != 0)
        return nn_fail(err, NN_ESYS, "%s: cannot set the zlib buffer size", path);
    return NN_OK;
}

static void idx_close(idx_file *f)
{
    if (f->gz != NULL)
        gzclose(f->gz);
    f->gz = NULL;
    free(f->mem);
    f->mem = NULL;
}

/* Reads and checks the header: magic, then kind->ndims big-endian u32 sizes, all > 0. */
static nn_status idx_read_header(idx_file *f, const idx_kind *kind, uint32_t *dims, nn_error *err)
{
    unsigned char head[4 + 4 * 3];
    size_t head_len = 4 + 4 * (size_t)kind->ndims;
    size_t got = 0;
    nn_status st = idx_read(f, head, head_len, &got, err);
    if (st != NN_OK)
        return st;
    if (got == 0)
        return nn_fail(err, NN_EDATA,
                       "%s: empty file (%s0 bytes): expected an IDX %s file starting with "
                       "a %zu-byte header (magic 0x%08X)",
                       f->path, gzdirect(f->gz) ? "" : "decompresses to ", kind->noun, head_len,
                       (unsigned)kind->magic);
    if (got < 4)
        return nn_fail(err, NN_EDATA,
                       "%s: truncated header: the %sdata is only %zu bytes, expected a "
                       "%zu-byte IDX header (magic 0x%08X)",
                       f->path, stream_word(f), got, head_len, (unsigned)kind->magic);

    uint32_t magic = be32(head);
    if (magic != kind->magic) {
        const char *hint = "";
        if (magic == IDX_MAGIC_LABELS && kind->magic == IDX_MAGIC_IMAGES)
            hint = "; this is an IDX label file: are the image and label paths swapped?";
        else if (magic == IDX_MAGIC_IMAGES && kind->magic == IDX_MAGIC_LABELS)
            hint = "; this is an IDX image file: are the image and label paths swapped?";
        else if ((magic >> 16) != 0)
            hint = "; this is not an IDX file";
        return nn_fail(err, NN_EDATA,
                       "%s: bad magic 0x%08X at byte 0: expected 0x%08X (IDX %s file: "
                       "unsigned bytes, %s)%s",
                       f->path, (unsigned)magic, (unsigned)kind->magic, kind->noun, kind->dims,
                       hint);
    }
    if (got < head_len)
        return nn_fail(err, NN_EDATA,
                       "%s: truncated header: expected %zu bytes (magic + %u dimension "
                       "sizes), found %zu",
                       f->path, head_len, kind->ndims, got);

    for (unsigned i = 0; i < kind->ndims; i++) {
        dims[i] = be32(head + 4 + 4 * i);
        if (dims[i] == 0)
            return nn_fail(err, NN_EDATA,
                           "%s: the header's %s (at byte %u) is 0: expected every "
                           "dimension > 0 (%s)",
                           f->path, kind->dim_names[i], 4 + 4 * i, kind->dims);
    }
    return NN_OK;
}

/* Reads exactly len payload bytes into a new buffer *out, then requires the end of the
 * data. shape describes the payload for messages ("3 images x 28 x 28"). */
static nn_status idx_read_payload(idx_file *f, const idx_kind *kind, size_t len, const char *shape,
                                  uint8_t **out, nn_error *err)
{
    size_t header = f->offset;
    if (f->mem && f->mem_len - f->offset == len) {
        /* Exactly the payload is left: hand the buffer over instead of copying it (peak
         * memory stays one copy of the pixels). */
        memmove(f->mem, f->mem + header, len);
        uint8_t *shrunk = realloc(f->mem, len ? len : 1);
        *out = shrunk ? shrunk : f->mem;
        f->mem = NULL;
        return NN_OK;
    }
    size_t cap = len < FIRST_PAYLOAD_BYTES ? len : FIRST_PAYLOAD_BYTES;
    size_t have = 0;
    nn_status st;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return nn_fail(err, NN_ESYS, "%s: out of memory allocating %zu bytes for %s data", f->path,
                       cap, kind->noun);

    for (;;) {
        size_t got = 0;
        st = idx_read(f, buf + have, cap - have, &got, err);
        if (st != NN_OK)
            goto fail;
        have += got;
        if (have < cap || cap == len)
            break;
        size_t next = cap > len / 2 ? len : cap * 2;
        uint8_t *grown = realloc(buf, next);
        if (grown == NULL) {
            st = nn_fail(err, NN_ESYS, "%s: out of memory allocating %zu bytes for %s data",
                         f->path, next, kind->noun);
            goto fail;
        }
        buf = grown;
        cap = next;
    }
    if (have < len) {
        st = nn_fail(err, NN_EDATA,
                     "%s: truncated: expected %zu bytes of %s data after the %zu-byte "
                     "header (%s), found %zu (the %sdata ends at byte %zu)",
                     f->path, len, kind->noun, header, shape, have, stream_word(f), f->offset);
        goto fail;
    }

    /* Probe to the end: catches trailing bytes and lets zlib check the gzip trailer. */
    size_t end = f->offset, extra = 0;
    for (;;) {
        unsigned char probe[TRAIL_PROBE_BYTES];
        size_t got = 0;
        st = idx_read(f, probe, sizeof probe, &got, err);
        if (st != NN_OK)
            goto fail;
        extra += got;
        if (got < sizeof probe)
            break;
    }
    if (extra != 0) {
        st = nn_fail(err, NN_EDATA,
                     "%s: %zu trailing bytes: the %sdata should end at byte %zu "
                     "(%zu-byte header + %s), but continues to byte %zu",
                     f->path, extra, stream_word(f), end, header, shape, f->offset);
        goto fail;
    }
    *out = buf;
    return NN_OK;

fail:
    free(buf);
    return st;
}

/* What the two headers promise, checked against each other and against size_t. */
typedef struct idx_sizes {
    size_t n, dim, pixel_bytes, label_size;
    size_t rows, cols;
    char shape[96], lshape[64]; /* "N images x R x C", "N labels" for messages */
} idx_sizes;

/* Both headers first, so a bad label file is reported before reading the images. */
static nn_status open_both(idx_file *img, idx_file *lab, const char *images_path,
                           const char *labels_path, uint32_t idims[3], uint32_t ldims[1],
                           nn_error *err)
{
    nn_status st = idx_open(img, images_path, &IMAGES, err);
    if (st == NN_OK)
        st = idx_read_header(img, &IMAGES, idims, err);
    if (st == NN_OK)
        st = idx_open(lab, labels_path, &LABELS, err);
    if (st == NN_OK)
        st = idx_read_header(lab, &LABELS, ldims, err);
    return st;
}

static nn_status over_limit(const char *path, const char *shape, size_t bytes, nn_error *err)
{
    return nn_fail(err, NN_EDATA,
                   "%s: the IDX header announces %s = %zu bytes of pixels, more than the "
                   "limit of %zu bytes (4 GiB); the header is corrupt or the data set too big",
                   path, shape, bytes, IDX_MAX_PAYLOAD_BYTES);
}

static nn_status check_sizes(const idx_file *img, const idx_file *lab, const uint32_t idims[3],
                             const uint32_t ldims[1], idx_sizes *z, nn_error *err)
{
    if (idims[0] != ldims[0])
        return nn_fail(err, NN_EDATA,
                       "count mismatch: %s has %lu images but %s has %lu labels; expected "
                       "one label per image",
                       img->path, (unsigned long)idims[0], lab->path, (unsigned long)ldims[0]);
    z->n = idims[0];
    z->rows = idims[1];
    z->cols = idims[2];
    snprintf(z->shape, sizeof z->shape, "%lu images x %lu x %lu", (unsigned long)idims[0],
             (unsigned long)idims[1], (unsigned long)idims[2]);
    snprintf(z->lshape, sizeof z->lshape, "%lu labels", (unsigned long)ldims[0]);
    if (!mul_size(idims[1], idims[2], &z->dim) || !mul_size(z->n, z->dim, &z->pixel_bytes) ||
        z->pixel_bytes > SIZE_MAX - img->offset)
        return nn_fail(err, NN_EDATA,
                       "%s: absurd size in header: %s is more bytes than this machine can "
                       "address; the header is corrupt",
                       img->path, z->shape);
    if (z->pixel_bytes > IDX_MAX_PAYLOAD_BYTES)
        return over_limit(img->path, z->shape, z->pixel_bytes, err);
    if (!mul_size(z->n, sizeof(int32_t), &z->label_size))
        return nn_fail(err, NN_EDATA,
                       "%s: absurd size in header: %s do not fit in memory as int32; the "
                       "header is corrupt",
                       lab->path, z->lshape);
    return NN_OK;
}

/* Labels (small) first, then the pixels; each file is closed once read. */
static nn_status read_both(idx_file *img, idx_file *lab, const idx_sizes *z, nn_dataset *out,
                           nn_error *err)
{
    uint8_t *label_bytes = NULL;
    nn_status st = idx_read_payload(lab, &LABELS, z->n, z->lshape, &label_bytes, err);
    idx_close(lab);
    if (st == NN_OK)
        st = idx_read_payload(img, &IMAGES, z->pixel_bytes, z->shape, &out->pixels, err);
    idx_close(img);
    if (st == NN_OK && (out->labels = malloc(z->label_size)) == NULL)
        st = nn_fail(err, NN_ESYS, "%s: out of memory allocating %zu bytes for labels",
                     lab->path, z->label_size);
    if (st != NN_OK) {
        free(label_bytes);
        return st;
    }
    /* n_classes comes from all labels in the file, so it does not depend on limit. */
    uint8_t max_label = 0;
    for (size_t i = 0; i < z->n; i++) {
        out->labels[i] = label_bytes[i];
        if (label_bytes[i] > max_label)
            max_label = label_bytes[i];
    }
    free(label_bytes);
    out->n_classes = (size_t)max_label + 1;
    out->n = z->n;
    out->rows = z->rows;
    out->cols = z->cols;
    out->channels = 1;
    out->dim = z->dim;
    return NN_OK;
}

/* Keeps the first limit samples (0: all). Shrinking cannot fail in practice; if realloc
 * says no, the larger block stays. */
static void keep_first(nn_dataset *ds, size_t limit)
{
    if (limit == 0 || limit >= ds->n)
        return;
    uint8_t *pixels = realloc(ds->pixels, limit * ds->dim);
    int32_t *labels = realloc(ds->labels, limit * sizeof *ds->labels);
    if (pixels != NULL)
        ds->pixels = pixels;
    if (labels != NULL)
        ds->labels = labels;
    ds->n = limit;
}

nn_status nn_idx_load(nn_dataset *ds, const char *images_path, const char *labels_path,
                      size_t limit, nn_error *err)
{
    idx_file img = {0}, lab = {0};
    nn_dataset out = {0};
    uint32_t idims[3] = {0}, ldims[1] = {0};
    idx_sizes z = {0};

    if (ds != NULL)
        memset(ds, 0, sizeof *ds);
    if (ds == NULL || images_path == NULL || labels_path == NULL)
        return nn_fail(err, NN_ECONFIG, "nn_idx_load: NULL data set or file path");

    nn_status st = open_both(&img, &lab, images_path, labels_path, idims, ldims, err);
    if (st == NN_OK)
        st = check_sizes(&img, &lab, idims, ldims, &z, err);
    if (st == NN_OK)
        st = read_both(&img, &lab, &z, &out, err);
    if (st == NN_OK) {
        keep_first(&out, limit);
        *ds = out;
        out = (nn_dataset){0};
    }
    idx_close(&img);
    idx_close(&lab);
    nn_dataset_free(&out);
    return st;
}

nn_status nn_idx_load_images(nn_dataset *ds, const char *images_path, nn_error *err)
{
    idx_file img = {0};
    uint32_t idims[3] = {0};
    size_t dim = 0, bytes = 0;
    char shape[96];
    memset(ds, 0, sizeof *ds);
    nn_status st = idx_open(&img, images_path, &IMAGES, err);
    if (st == NN_OK)
        st = idx_read_header(&img, &IMAGES, idims, err);
    if (st == NN_OK) {
        snprintf(shape, sizeof shape, "%lu images x %lu x %lu", (unsigned long)idims[0],
                 (unsigned long)idims[1], (unsigned long)idims[2]);
        if (!mul_size(idims[1], idims[2], &dim) || !mul_size(idims[0], dim, &bytes) ||
            bytes > SIZE_MAX - img.offset)
            st = nn_fail(err, NN_EDATA,
                         "%s: absurd size in header: %s is more bytes than this machine can "
                         "address; the header is corrupt",
                         images_path, shape);
        else if (bytes > IDX_MAX_PAYLOAD_BYTES)
            st = over_limit(images_path, shape, bytes, err);
    }
    if (st == NN_OK)
        st = idx_read_payload(&img, &IMAGES, bytes, shape, &ds->pixels, err);
    idx_close(&img);
    if (st != NN_OK) {
        nn_dataset_free(ds);
        return st;
    }
    ds->n = idims[0];
    ds->rows = idims[1];
    ds->cols = idims[2];
    ds->channels = 1;
    ds->dim = dim;
    return NN_OK;
}
