/* idx.c - loads an IDX image file and its IDX label file (MNIST layout), from files or
 * from memory: a file is read whole first (idx_input.c), then both take one code path.
 *
 * Gzip and plain content alike (told by the content, not the name). Each input is read to
 * its end: the header, exactly the number of payload bytes the header promises, then a
 * probe for trailing bytes, which also makes zlib verify the gzip CRC and length trailer.
 * The payload buffer grows as data actually arrives, so a corrupt header that claims
 * terabytes gives a "truncated" error, not a huge allocation. */
#include "data/dataset.h"
#include "data/idx_input.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDX_MAGIC_IMAGES 0x00000803u /* unsigned bytes, 3 dimensions */
#define IDX_MAGIC_LABELS 0x00000801u /* unsigned bytes, 1 dimension */

#define FIRST_PAYLOAD_BYTES ((size_t)64 << 20) /* first allocation; then doubles */
#define TRAIL_PROBE_BYTES 16384
/* The largest payload an IDX header may announce (docs/data.md): 4 GiB. */
#define IDX_MAX_PAYLOAD_BYTES ((size_t)1 << 32)

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

/* Reads and checks the header: magic, then kind->ndims big-endian u32 sizes, all > 0. */
static nn_status idx_read_header(idx_file *f, const idx_kind *kind, uint32_t *dims, nn_error *err)
{
    unsigned char head[4 + 4 * 3];
    size_t head_len = 4 + 4 * (size_t)kind->ndims;
    size_t got = 0;
    nn_status st = nn_idx_read(f, head, head_len, &got, err);
    if (st != NN_OK)
        return st;
    if (got == 0)
        return nn_fail(err, NN_EDATA,
                       "%s: empty file (%s0 bytes): expected an IDX %s file starting with "
                       "a %zu-byte header (magic 0x%08X)",
                       f->path, f->gz ? "decompresses to " : "", kind->noun, head_len,
                       (unsigned)kind->magic);
    if (got < 4)
        return nn_fail(err, NN_EDATA,
                       "%s: truncated header: the %sdata is only %zu bytes, expected a "
                       "%zu-byte IDX header (magic 0x%08X)",
                       f->path, nn_idx_stream_word(f), got, head_len, (unsigned)kind->magic);

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

/* Reads exactly len payload bytes into *out, then requires the end of the data: a new
 * buffer (*block NULL), or the rest of the buffer the content is already in (*block: the
 * allocation to free). shape describes the payload for messages ("3 images x 28 x 28"). */
static nn_status idx_read_payload(idx_file *f, const idx_kind *kind, size_t len, const char *shape,
                                  uint8_t **out, uint8_t **block, nn_error *err)
{
    size_t header = f->offset;
    *block = NULL;
    /* Exactly the payload left in a buffer of ours: handed over, not copied. */
    if ((*out = nn_idx_take_rest(f, len, block)) != NULL)
        return NN_OK;
    /* The first allocation: no more than the input can still give (at least 1 byte). */
    size_t bound = nn_idx_bound(f);
    size_t cap = len < FIRST_PAYLOAD_BYTES ? len : FIRST_PAYLOAD_BYTES;
    if (cap > bound)
        cap = bound ? bound : 1;
    size_t have = 0;
    nn_status st;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return nn_fail(err, NN_ESYS, "%s: out of memory allocating %zu bytes for %s data", f->path,
                       cap, kind->noun);

    for (;;) {
        size_t got = 0;
        st = nn_idx_read(f, buf + have, cap - have, &got, err);
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
                     f->path, len, kind->noun, header, shape, have, nn_idx_stream_word(f), f->offset);
        goto fail;
    }

    /* Probe to the end: catches trailing bytes and lets zlib check the gzip trailer. */
    size_t end = f->offset, extra = 0;
    for (;;) {
        unsigned char probe[TRAIL_PROBE_BYTES];
        size_t got = 0;
        st = nn_idx_read(f, probe, sizeof probe, &got, err);
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
                     f->path, extra, nn_idx_stream_word(f), end, header, shape, f->offset);
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
static nn_status open_both(idx_file *img, idx_file *lab, const idx_source *images,
                           const idx_source *labels, uint32_t idims[3], uint32_t ldims[1],
                           nn_error *err)
{
    nn_status st = nn_idx_open(img, images, &IMAGES, err);
    if (st == NN_OK)
        st = idx_read_header(img, &IMAGES, idims, err);
    if (st == NN_OK)
        st = nn_idx_open(lab, labels, &LABELS, err);
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
    uint8_t *label_bytes = NULL, *label_block = NULL;
    nn_status st = idx_read_payload(lab, &LABELS, z->n, z->lshape, &label_bytes, &label_block, err);
    nn_idx_close(lab);
    if (st == NN_OK)
        st = idx_read_payload(img, &IMAGES, z->pixel_bytes, z->shape, &out->pixels,
                              &out->pixels_block, err);
    nn_idx_close(img);
    if (st == NN_OK && (out->labels = malloc(z->label_size)) == NULL)
        st = nn_fail(err, NN_ESYS, "%s: out of memory allocating %zu bytes for labels",
                     lab->path, z->label_size);
    if (st != NN_OK) {
        free(label_block ? label_block : label_bytes);
        return st;
    }
    /* n_classes comes from all labels in the file, so it does not depend on limit. */
    uint8_t max_label = 0;
    for (size_t i = 0; i < z->n; i++) {
        out->labels[i] = label_bytes[i];
        if (label_bytes[i] > max_label)
            max_label = label_bytes[i];
    }
    free(label_block ? label_block : label_bytes);
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
    uint8_t *block = ds->pixels_block ? ds->pixels_block : ds->pixels;
    size_t off = (size_t)(ds->pixels - block);
    uint8_t *shrunk = realloc(block, off + limit * ds->dim);
    int32_t *labels = realloc(ds->labels, limit * sizeof *ds->labels);
    if (shrunk != NULL) {
        ds->pixels = shrunk + off;
        ds->pixels_block = ds->pixels_block ? shrunk : NULL;
    }
    if (labels != NULL)
        ds->labels = labels;
    ds->n = limit;
}

static nn_status load_pair(nn_dataset *ds, const idx_source *images, const idx_source *labels,
                           size_t limit, nn_error *err)
{
    idx_file img = {0}, lab = {0};
    nn_dataset out = {0};
    uint32_t idims[3] = {0}, ldims[1] = {0};
    idx_sizes z = {0};

    nn_status st = open_both(&img, &lab, images, labels, idims, ldims, err);
    if (st == NN_OK)
        st = check_sizes(&img, &lab, idims, ldims, &z, err);
    if (st == NN_OK)
        st = read_both(&img, &lab, &z, &out, err);
    if (st == NN_OK) {
        keep_first(&out, limit);
        *ds = out;
        out = (nn_dataset){0};
    }
    nn_idx_close(&img);
    nn_idx_close(&lab);
    nn_dataset_free(&out);
    return st;
}

nn_status nn_idx_load_stoppable(nn_dataset *ds, const char *images_path, const char *labels_path,
                                size_t limit, volatile sig_atomic_t *stop, nn_error *err)
{
    if (ds != NULL)
        memset(ds, 0, sizeof *ds);
    if (ds == NULL || images_path == NULL || labels_path == NULL)
        return nn_fail(err, NN_ECONFIG, "nn_idx_load: NULL data set or file path");
    const idx_source im = {images_path, NULL, 0, 1, stop}, lb = {labels_path, NULL, 0, 1, stop};
    return load_pair(ds, &im, &lb, limit, err);
}

nn_status nn_idx_load(nn_dataset *ds, const char *images_path, const char *labels_path,
                      size_t limit, nn_error *err)
{
    return nn_idx_load_stoppable(ds, images_path, labels_path, limit, NULL, err);
}

nn_status nn_idx_load_mem(nn_dataset *ds, const void *images, size_t images_len,
                          const char *images_name, const void *labels, size_t labels_len,
                          const char *labels_name, size_t limit, nn_error *err)
{
    if (ds != NULL)
        memset(ds, 0, sizeof *ds);
    if (ds == NULL || (images == NULL && images_len) || (labels == NULL && labels_len))
        return nn_fail(err, NN_ECONFIG, "nn_idx_load_mem: NULL data set or buffer");
    const idx_source im = {images_name ? images_name : "<images>", images, images_len, 0, NULL};
    const idx_source lb = {labels_name ? labels_name : "<labels>", labels, labels_len, 0, NULL};
    return load_pair(ds, &im, &lb, limit, err);
}

static nn_status load_images(nn_dataset *ds, const idx_source *src, nn_error *err)
{
    idx_file img = {0};
    uint32_t idims[3] = {0};
    size_t dim = 0, bytes = 0;
    char shape[96];
    memset(ds, 0, sizeof *ds);
    nn_status st = nn_idx_open(&img, src, &IMAGES, err);
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
                         src->name, shape);
        else if (bytes > IDX_MAX_PAYLOAD_BYTES)
            st = over_limit(src->name, shape, bytes, err);
    }
    if (st == NN_OK)
        st = idx_read_payload(&img, &IMAGES, bytes, shape, &ds->pixels, &ds->pixels_block, err);
    nn_idx_close(&img);
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

nn_status nn_idx_load_images(nn_dataset *ds, const char *images_path, nn_error *err)
{
    const idx_source src = {images_path, NULL, 0, 1, NULL};
    return load_images(ds, &src, err);
}

nn_status nn_idx_load_images_mem(nn_dataset *ds, const void *buf, size_t len, const char *name,
                                 nn_error *err)
{
    const idx_source src = {name ? name : "<images>", buf, buf ? len : 0, 0, NULL};
    return load_images(ds, &src, err);
}
