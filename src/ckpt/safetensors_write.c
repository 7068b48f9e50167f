/* safetensors_write.c - nn_st_write: what the caller gives is checked first (so the file is
 * one nn_st_read accepts), the tensors are laid out wider dtypes first, the header is
 * rendered with cJSON and padded with spaces to a multiple of 8 bytes as the Python library
 * does, then the file goes through path.tmp, fflush, fsync and a rename, and the folder is
 * synced. */
#include "ckpt/safetensors.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckpt/st_common.h"
#include "sys/fs.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first of names[0..n) that appears twice (the array is sorted), or NULL. */
static const char *twice(const char **names, size_t n)
{
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            return names[i];
    return NULL;
}

static int valid_utf8(const char *s)
{
    size_t n = strlen(s);
    return st_utf8_bad((const unsigned char *)s, n) == n;
}

/* The product of t's shape; UINT64_MAX when it overflows (no count can match it then). */
static uint64_t product(const nn_tensor *t)
{
    uint64_t n = 1;
    for (size_t d = 0; d < t->ndim; d++)
        if (t->shape[d] == 0)
            return 0;
    for (size_t d = 0; d < t->ndim; d++) {
        if (n > UINT64_MAX / t->shape[d])
            return UINT64_MAX;
        n *= t->shape[d];
    }
    return n;
}

/* Every one of t's n bytes is 0 or 1 (a BOOL tensor nn_st_read accepts). */
static int bools_ok(const nn_tensor *t)
{
    const unsigned char *b = t->data;
    for (size_t j = 0; j < t->n; j++)
        if (b[j] > 1)
            return 0;
    return 1;
}

/* Tensor t: a name nn_st_read accepts, a dtype of nn_dtype, a shape whose product is t->n,
 * data when n > 0, and for BOOL only bytes 0 and 1. */
static nn_status check_tensor(const char *path, const nn_tensor *t, nn_error *err)
{
    const char *why = NULL;
    if (t->name == NULL || t->name[0] == '\0')
        return nn_fail(err, NN_ESYS, "%s: cannot write a tensor without a name", path);
    if (strlen(t->name) > ST_NAME_MAX || strcmp(t->name, ST_META) == 0 || !valid_utf8(t->name))
        why = "its name is over 1024 bytes, not UTF-8, or \"" ST_META "\"";
    else if ((unsigned)t->dtype >= ST_N_DTYPES)
        why = "its dtype is not one of nn_dtype";
    else if (t->ndim > NN_TENSOR_MAX_DIMS)
        why = "it has more dimensions than NN_TENSOR_MAX_DIMS (8)";
    for (size_t d = 0; why == NULL && d < t->ndim; d++)
        if (t->shape[d] > ST_MAX_EXACT)
            why = "a dimension is above 2^53";
    if (why == NULL && product(t) != (uint64_t)t->n)
        why = "its element count n is not the product of its shape";
    if (why == NULL && t->n > 0 && t->data == NULL)
        why = "it has elements but no data";
    if (why == NULL && t->dtype == NN_BOOL && !bools_ok(t))
        why = "a BOOL element is neither 0 nor 1";
    if (why)
        return nn_fail(err, NN_ESYS, "%s: cannot write tensor \"%.200s\": %s", path, t->name, why);
    return NN_OK;
}

/* Every tensor and metadata pair valid, names unique, the data at most 2^53 bytes. */
static nn_status check_input(const char *path, const nn_tensor *t, size_t n,
                             const char *const *keys, const char *const *values, size_t n_meta,
                             nn_error *err)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        nn_status st = check_tensor(path, &t[i], err);
        if (st != NN_OK)
            return st;
        uint64_t size = nn_dtype_size(t[i].dtype);
        if ((uint64_t)t[i].n > (ST_MAX_EXACT - bytes) / size)
            return nn_fail(err, NN_ESYS, "%s: cannot write more than 2^53 bytes of tensors", path);
        bytes += size * (uint64_t)t[i].n;
    }
    for (size_t i = 0; i < n_meta; i++)
        if (keys[i] == NULL || values[i] == NULL || !valid_utf8(keys[i]) || !valid_utf8(values[i]))
            return nn_fail(err, NN_ESYS,
                           "%s: cannot write metadata pair %zu: a key or value is "
                           "NULL or not UTF-8",
                           path, i);
    size_t most = n > n_meta ? n : n_meta;
    const char **names = malloc((most ? most : 1) * sizeof *names);
    if (names == NULL)
        return nn_fail(err, NN_ESYS, "%s: out of memory", path);
    for (size_t i = 0; i < n; i++)
        names[i] = t[i].name;
    const char *dup = twice(names, n), *what = "tensor";
    if (dup == NULL) {
        for (size_t i = 0; i < n_meta; i++)
            names[i] = keys[i];
        dup = twice(names, n_meta);
        what = "metadata key";
    }
    nn_status st = NN_OK;
    if (dup)
        st = nn_fail(err, NN_ESYS, "%s: cannot write %s \"%.200s\" twice", path, what, dup);
    free(names);
    return st;
}

/* v as a JSON integer, digit for digit (cJSON prints 10^15 as 1e+15, which the Python
 * library refuses as a shape or an offset). */
static int add_u64(cJSON *array, uint64_t v)
{
    char digits[24];
    snprintf(digits, sizeof digits, "%" PRIu64, v);
    cJSON *raw = cJSON_CreateRaw(digits);
    if (raw == NULL || !cJSON_AddItemToArray(array, raw)) {
        cJSON_Delete(raw);
        return -1;
    }
    return 0;
}

/* t[0..n) in the order of their data: 8-byte dtypes, 4-byte, then 1-byte ones, each in
 * the order given (so every tensor starts at a multiple of its element size); NULL when
 * out of memory. */
static const nn_tensor **layout(const nn_tensor *t, size_t n)
{
    const nn_tensor **order = malloc((n ? n : 1) * sizeof *order);
    static const size_t widths[3] = {8, 4, 1};
    size_t k = 0;
    for (size_t w = 0; order && w < 3; w++)
        for (size_t i = 0; i < n; i++)
            if (nn_dtype_size(t[i].dtype) == widths[w])
                order[k++] = &t[i];
    return order;
}

/* {"__metadata__": {...}, name: {"dtype": "F32", "shape": [...], "data_offsets": [b, e]}, ...}
 * with the tensors' data one after the other in the order of t[0..n); NULL when out of
 * memory. */
static char *render_header(const nn_tensor *const *t, size_t n, const char *const *keys,
                           const char *const *values, size_t n_meta)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = root && n_meta ? cJSON_AddObjectToObject(root, ST_META) : root;
    int ok = meta != NULL;
    for (size_t i = 0; ok && i < n_meta; i++)
        ok = cJSON_AddStringToObject(meta, keys[i], values[i]) != NULL;
    uint64_t offset = 0;
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *e = cJSON_AddObjectToObject(root, t[i]->name);
        ok = e != NULL && cJSON_AddStringToObject(e, "dtype", st_dtypes[t[i]->dtype]) != NULL;
        cJSON *shape = ok ? cJSON_AddArrayToObject(e, "shape") : NULL;
        cJSON *offsets = shape ? cJSON_AddArrayToObject(e, "data_offsets") : NULL;
        ok = offsets != NULL;
        for (size_t d = 0; ok && d < t[i]->ndim; d++)
            ok = add_u64(shape, t[i]->shape[d]) == 0;
        uint64_t end = offset + nn_dtype_size(t[i]->dtype) * (uint64_t)t[i]->n;
        ok = ok && add_u64(offsets, offset) == 0 && add_u64(offsets, end) == 0;
        offset = end;
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}

/* t's n elements in little-endian order. */
static int write_data(FILE *f, const nn_tensor *t)
{
    size_t n = t->n, size = nn_dtype_size(t->dtype);
    if (st_host_little_endian() || size == 1)
        return n == 0 || fwrite(t->data, size, n, f) == n ? 0 : -1;
    unsigned char buf[8192];
    const unsigned char *x = t->data;
    for (size_t i = 0; i < n;) {
        size_t k = n - i < sizeof buf / size ? n - i : sizeof buf / size;
        memcpy(buf, x + i * size, k * size);
        st_swap_bytes(buf, k, size);
        if (fwrite(buf, size, k, f) != k)
            return -1;
        i += k;
    }
    return 0;
}

/* The length field, the header and its padding (len + pad bytes), the data. */
static int write_all(FILE *f, const char *header, size_t len, size_t pad, const nn_tensor *const *t,
                     size_t n)
{
    unsigned char field[8];
    uint64_t total = (uint64_t)len + pad;
    for (int k = 0; k < 8; k++)
        field[k] = (unsigned char)(total >> (8 * k));
    if (fwrite(field, 1, 8, f) != 8 || fwrite(header, 1, len, f) != len)
        return -1;
    for (size_t k = 0; k < pad; k++)
        if (fputc(' ', f) == EOF)
            return -1;
    for (size_t i = 0; i < n; i++)
        if (write_data(f, t[i]) != 0)
            return -1;
    return 0;
}

/* What write_file hands to nn_write_whole. */
typedef struct st_file {
    const char *header;
    size_t len, pad, n;
    const nn_tensor *const *t;
} st_file;

static int fill_file(void *ctx, FILE *f)
{
    const st_file *w = ctx;
    return write_all(f, w->header, w->len, w->pad, w->t, w->n);
}

/* header and tensors to path, whole, through path.tmp (nn_write_whole). */
static nn_status write_file(const char *path, const char *header, const nn_tensor *const *t,
                            size_t n, nn_error *err)
{
    size_t len = strlen(header), pad = (8 - len % 8) % 8;
    if ((uint64_t)len + pad > NN_ST_MAX_HEADER)
        return nn_fail(err, NN_ESYS, "%s: cannot write a header of %zu bytes (at most %" PRIu64 ")",
                       path, len + pad, NN_ST_MAX_HEADER);
    st_file w = {header, len, pad, n, t};
    int e = nn_write_whole(path, fill_file, &w);
    if (e)
        return nn_fail(err, NN_ESYS, "%s: cannot write the checkpoint (through %s.tmp): %s", path,
                       path, strerror(e));
    return NN_OK;
}

nn_status nn_st_write(const char *path, const nn_tensor *tensors, size_t n, const char *const *keys,
                      const char *const *values, size_t n_meta, nn_error *err)
{
    nn_status st = check_input(path, tensors, n, keys, values, n_meta, err);
    if (st != NN_OK)
        return st;
    const nn_tensor **order = layout(tensors, n);
    char *header = order ? render_header(order, n, keys, values, n_meta) : NULL;
    if (header == NULL)
        st = nn_fail(err, NN_ESYS, "%s: out of memory", path);
    else
        st = write_file(path, header, order, n, err);
    cJSON_free(header);
    free(order);
    return st;
}
