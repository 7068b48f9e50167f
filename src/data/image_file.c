/* image_file.c - one image file, or an IDX image file, for prediction. The format comes
 * from the content, not the name: IDX files start with their magic (or gzip's), and
 * anything else goes to stb_image (TGA has no magic of its own). */
#include "data/image_file.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb_image.h>

#include "data/image_check.h"
#include "data/image_decode.h"
#include "sys/fs.h"

/* The whole of path into a new buffer *out (at most INT_MAX bytes: stb_image's limit). */
static nn_status read_all(const char *path, uint8_t **out, size_t *len, nn_error *err)
{
    *out = NULL;
    FILE *f = nn_fopen_read(path);
    if (!f)
        return nn_fail(err, NN_EDATA, "%s: cannot read the image: %s", path, strerror(errno));
    struct stat sb;
    nn_status st = NN_OK;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
        st = nn_fail(err, NN_EDATA, "%s: not a regular file", path);
    else if (sb.st_size == 0)
        st = nn_fail(err, NN_EDATA, "%s: empty file (0 bytes)", path);
    else if ((uint64_t)sb.st_size > ((uint64_t)64 << 20))
        st = nn_fail(err, NN_EDATA,
                     "%s: the file is %lld bytes, larger than 64 MiB, the limit for one image "
                     "file",
                     path, (long long)sb.st_size);
    else if (!(*out = malloc((size_t)sb.st_size)))
        st = nn_fail(err, NN_ESYS, "%s: out of memory", path);
    else if (fread(*out, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
        st = nn_fail(err, NN_EDATA, "%s: cannot read the image: %s", path,
                     ferror(f) ? strerror(errno) : "it ended early");
    fclose(f);
    if (st != NN_OK) {
        free(*out);
        *out = NULL;
    }
    *len = (size_t)sb.st_size;
    return st;
}

/* One image decoded from data (len bytes) by the per-file path image folders take. */
static nn_status decode(const char *path, const uint8_t *data, size_t len, size_t channels,
                        nn_dataset *ds, nn_error *err)
{
    nn_image_decoder dec = {0};
    nn_image_result r;
    uint8_t *px = NULL;
    nn_image_decode_mem(&dec, data, len, (int)channels, 0, 0, NULL, &px, &r);
    nn_image_decoder_free(&dec);
    switch (r.status) {
    case NN_IMAGE_OK:
        break;
    case NN_IMAGE_INCOMPLETE:
    case NN_IMAGE_FORMAT:
        return nn_fail(err, NN_EDATA, "%s: %s", path, r.detail);
    case NN_IMAGE_NOMEM:
        return nn_fail(err, NN_ESYS, "%s: out of memory", path);
    default:
        if (r.reason && strcmp(r.reason, NN_IMAGE_DIMS_LIMIT_TEXT) == 0)
            return nn_fail(err, NN_EDATA, "%s: a %d x %d image: %s", path, r.w, r.h,
                           NN_IMAGE_DIMS_LIMIT_TEXT);
        if (r.format)
            return nn_fail(err, NN_EDATA,
                           "%s: cannot decode the %s image: stb_image says \"%s\" (corrupt or "
                           "truncated data?)",
                           path, r.format, r.reason ? r.reason : "unknown error");
        return nn_fail(err, NN_EDATA,
                       "%s: not an image stb_image reads (PNG, JPEG, BMP, PGM/PPM, GIF, TGA) "
                       "nor an IDX image file (magic 0x00000803)",
                       path);
    }
    size_t dim = (size_t)r.w * (size_t)r.h * channels;
    ds->pixels = malloc(dim);
    if (ds->pixels)
        memcpy(ds->pixels, px, dim);
    stbi_image_free(px);
    if (!ds->pixels)
        return nn_fail(err, NN_ESYS, "%s: out of memory", path);
    ds->n = 1;
    ds->rows = (size_t)r.h;
    ds->cols = (size_t)r.w;
    ds->channels = channels;
    ds->dim = dim;
    return NN_OK;
}

/* Whether path starts as an IDX image file or a gzip file does (0 when it cannot be read:
 * reading it again reports why). */
static int looks_idx(const char *path)
{
    static const uint8_t idx_magic[4] = {0, 0, 8, 3}, gzip_magic[2] = {0x1f, 0x8b};
    uint8_t head[4];
    FILE *f = nn_fopen_read(path);
    size_t got = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    return (got == 4 && memcmp(head, idx_magic, 4) == 0) ||
           (got >= 2 && memcmp(head, gzip_magic, 2) == 0);
}

nn_status nn_image_file_load(const char *path, size_t channels, nn_dataset *ds, nn_error *err)
{
    memset(ds, 0, sizeof *ds);
    if (looks_idx(path))
        return nn_idx_load_images(ds, path, err);
    uint8_t *data = NULL;
    size_t len = 0;
    nn_status st = read_all(path, &data, &len, err);
    if (st == NN_OK)
        st = decode(path, data, len, channels, ds, err);
    free(data);
    if (st != NN_OK)
        nn_dataset_free(ds);
    return st;
}
