/* safetensors.c - reading the safetensors format (see safetensors.h; writing is
 * safetensors_write.c).
 *
 * Reading trusts nothing before checking it, in this order: the header length against the
 * limit and the file's size; the header's bytes (UTF-8 without NUL, and no more JSON values
 * than a header of that length can hold, so cJSON's tree stays proportional to the file);
 * the JSON (one object, then only whitespace); every tensor's name, dtype, shape and offsets;
 * the tiling of the data area. Only then is the data read, one block per tensor, and a
 * BOOL tensor's bytes checked. */
#include "ckpt/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "ckpt/st_common.h"

enum { SHOWN_BYTES = 80 };

/* s for a one-line message: quotes, backslashes and control bytes escaped (\xNN), cut
 * after about SHOWN_BYTES bytes, never inside a UTF-8 sequence, with "...". */
static const char *shown(const char *s, char *buf, size_t cap)
{
    size_t k = 0;
    for (; *s && k + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (k >= SHOWN_BYTES && (c & 0xC0) != 0x80) {
            memcpy(buf + k, "...", 4);
            return buf;
        }
        if (c == '"' || c == '\\') {
            buf[k++] = '\\';
            buf[k++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            k += (size_t)snprintf(buf + k, cap - k, "\\x%02x", c);
        } else {
            buf[k++] = (char)c;
        }
    }
    buf[k] = '\0';
    return buf;
}

enum { SHOWN_CAP = SHOWN_BYTES + 32 };

/* "[2, 3]" */
static const char *shape_str(const uint64_t *shape, size_t ndim, char *buf, size_t cap)
{
    size_t k = (size_t)snprintf(buf, cap, "[");
    for (size_t d = 0; d < ndim && k < cap; d++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%" PRIu64, d ? ", " : "", shape[d]);
    if (k < cap)
        snprintf(buf + k, cap - k, "]");
    return buf;
}

typedef struct reader {
    const char *path;
    nn_error *err;
    FILE *f;
    uint64_t size, hlen, dlen; /* bytes: the file, the header, the data area */
    char *header;              /* hlen bytes and a NUL */
    cJSON *root;
} reader;

/* A tensor of the header while it is checked (name points into the cJSON tree). */
typedef struct entry {
    nn_tensor t;
    uint64_t begin, end;
    size_t order; /* its place in the header: ties sort the same way every time */
} entry;

/* NN_EDATA: "<path>: <what> (<kind> "<name>")", or "(byte offset <at>)" when kind is NULL. */
__attribute__((format(printf, 5, 6))) static nn_status
bad(const reader *r, const char *kind, const char *name, uint64_t at, const char *fmt, ...)
{
    char what[768], q[SHOWN_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (kind)
        return nn_fail(r->err, NN_EDATA, "%s: %s (%s \"%s\")", r->path, what, kind,
                       shown(name, q, sizeof q));
    return nn_fail(r->err, NN_EDATA, "%s: %s (byte offset %" PRIu64 ")", r->path, what, at);
}

static int read_exact(FILE *f, void *buf, uint64_t n)
{
    return n == 0 || fread(buf, 1, (size_t)n, f) == n ? 0 : -1;
}

static nn_status open_file(reader *r)
{
    /* O_NONBLOCK: a FIFO is refused below instead of waiting for a writer. */
    int fd = open(r->path, O_RDONLY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return nn_fail(r->err, NN_EDATA, "%s: cannot read the checkpoint: %s", r->path,
                       strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return nn_fail(r->err, NN_EDATA, "%s: not a regular file", r->path);
    }
    int flags = fcntl(fd, F_GETFL);
    r->f = flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1 ? NULL : fdopen(fd, "rb");
    if (r->f == NULL) {
        int e = errno;
        close(fd);
        return nn_fail(r->err, NN_ESYS, "%s: cannot read the checkpoint: %s", r->path, strerror(e));
    }
    r->size = (uint64_t)st.st_size;
    return NN_OK;
}

/* One plus the '{', '[' and ',' outside strings: at least the number of JSON values. */
static uint64_t json_values(const char *s, uint64_t n)
{
    uint64_t v = 1;
    int in_string = 0;
    for (uint64_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[' || c == ',') {
            v++;
        }
    }
    return v;
}

/* The length field, then the header's bytes. The densest header nn_st_read accepts (empty
 * 8-d tensors with one-letter names) spends over 4 bytes a value: a header with more
 * values is refused before cJSON allocates a node for each. */
static nn_status read_header(reader *r)
{
    unsigned char len[8];
    if (r->size < 8 || read_exact(r->f, len, 8) != 0)
        return bad(r, NULL, NULL, 0,
                   "the file is %" PRIu64 " bytes, too short for the 8-byte "
                   "header length of the safetensors format",
                   r->size);
    r->hlen = 0;
    for (int k = 7; k >= 0; k--)
        r->hlen = r->hlen << 8 | len[k];
    if (r->hlen > NN_ST_MAX_HEADER)
        return bad(r, NULL, NULL, 0,
                   "header length %" PRIu64 " is above the limit of %" PRIu64 " bytes", r->hlen,
                   NN_ST_MAX_HEADER);
    if (r->hlen > r->size - 8)
        return bad(r, NULL, NULL, 0,
                   "header length %" PRIu64 " is past the end of the file (%" PRIu64 " bytes)",
                   r->hlen, r->size);
    r->dlen = r->size - 8 - r->hlen;
    r->header = malloc((size_t)r->hlen + 1);
    if (r->header == NULL)
        return nn_fail(r->err, NN_ESYS, "%s: out of memory", r->path);
    if (read_exact(r->f, r->header, r->hlen) != 0)
        return bad(r, NULL, NULL, 8, "the header ends early (did the file change?)");
    r->header[r->hlen] = '\0';
    size_t at = st_utf8_bad((const unsigned char *)r->header, (size_t)r->hlen);
    if (at < r->hlen)
        return bad(r, NULL, NULL, 8 + at, "%s",
                   r->header[at] ? "the header is not valid UTF-8" : "the header holds a NUL byte");
    uint64_t values = json_values(r->header, r->hlen), most = r->hlen / 4 + 16;
    if (values > most)
        return bad(r, NULL, NULL, 8,
                   "the header holds about %" PRIu64 " JSON values, more than "
                   "the %" PRIu64 " a header of %" PRIu64 " bytes can",
                   values, most, r->hlen);
    return NN_OK;
}

/* One JSON object starting at the header's first byte, then only whitespace (the padding). */
static nn_status parse_json(reader *r)
{
    const char *end = NULL;
    r->root = cJSON_ParseWithLengthOpts(r->header, (size_t)r->hlen, &end, 0);
    if (r->root == NULL)
        return bad(r, NULL, NULL, 8 + (uint64_t)(end ? end - r->header : 0),
                   "the header is not valid JSON: the parser stopped here");
    size_t at = (size_t)(end - r->header);
    at += strspn(r->header + at, " \t\r\n");
    if (at < r->hlen)
        return bad(r, NULL, NULL, 8 + at,
                   "the header has more than one JSON value (only spaces may follow its object)");
    if (!cJSON_IsObject(r->root))
        return bad(r, NULL, NULL, 8, "the header is not a JSON object of tensors");
    if (r->header[0] != '{')
        return bad(r, NULL, NULL, 8,
                   "the header does not start with '{' (no whitespace or "
                   "byte-order mark may come first)");
    return NN_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every key of object o once (cJSON keeps duplicates: the second would be unreachable). */
static nn_status check_unique(const reader *r, const cJSON *o, const char *kind)
{
    size_t n = 0;
    for (const cJSON *c = o->child; c; c = c->next)
        n++;
    if (n < 2)
        return NN_OK;
    const char **keys = malloc(n * sizeof *keys);
    if (keys == NULL)
        return nn_fail(r->err, NN_ESYS, "%s: out of memory", r->path);
    n = 0;
    for (const cJSON *c = o->child; c; c = c->next)
        keys[n++] = c->string;
    qsort(keys, n, sizeof *keys, cmp_str);
    nn_status st = NN_OK;
    for (size_t i = 1; i < n && st == NN_OK; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0)
            st = bad(r, kind, keys[i], 0, "the name appears twice");
    free(keys);
    return st;
}

/* item as an integer in [0, 2^53]; -1 when it is not one. */
static int get_uint(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return -1;
    double v = item->valuedouble;
    if (!(v >= 0 && v <= (double)ST_MAX_EXACT) || (double)(uint64_t)v != v)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* t's shape, and its element count: at most the data area holds of its dtype (so the byte
 * count cannot overflow). */
static nn_status check_shape(const reader *r, const cJSON *s, entry *e)
{
    const char *name = e->t.name;
    uint64_t size = nn_dtype_size(e->t.dtype);
    if (!cJSON_IsArray(s))
        return bad(r, "tensor", name, 0, "\"shape\" is not an array");
    size_t ndim = 0;
    for (const cJSON *c = s->child; c; c = c->next, ndim++) {
        if (ndim == NN_TENSOR_MAX_DIMS)
            return bad(r, "tensor", name, 0, "the shape has more than %d dimensions",
                       NN_TENSOR_MAX_DIMS);
        if (get_uint(c, &e->t.shape[ndim]) != 0)
            return bad(r, "tensor", name, 0, "shape entry %zu is not an integer in [0, 2^53]",
                       ndim);
    }
    e->t.ndim = ndim;
    uint64_t n = 1, most = r->dlen / size < SIZE_MAX ? r->dlen / size : SIZE_MAX;
    for (size_t d = 0; d < ndim; d++)
        n = e->t.shape[d] == 0 ? 0 : n;
    for (size_t d = 0; d < ndim && n != 0; d++) {
        char sh[NN_TENSOR_MAX_DIMS * 24];
        if (e->t.shape[d] > most / n)
            return bad(r, "tensor", name, 0,
                       "shape %s has more elements than the data area "
                       "(%" PRIu64 " bytes) holds of %s",
                       shape_str(e->t.shape, ndim, sh, sizeof sh), r->dlen, st_dtypes[e->t.dtype]);
        n *= e->t.shape[d];
    }
    e->t.n = (size_t)n;
    return NN_OK;
}

/* data_offsets [begin, end]: in order, inside the data area, the dtype's size per element. */
static nn_status check_offsets(const reader *r, const cJSON *o, entry *e)
{
    const char *name = e->t.name;
    if (!cJSON_IsArray(o) || cJSON_GetArraySize(o) != 2 || get_uint(o->child, &e->begin) != 0 ||
        get_uint(o->child->next, &e->end) != 0)
        return bad(r, "tensor", name, 0,
                   "\"data_offsets\" is not [begin, end], two integers in [0, 2^53]");
    if (e->end < e->begin)
        return bad(r, "tensor", name, 0,
                   "data_offsets [%" PRIu64 ", %" PRIu64 "] end before they begin", e->begin,
                   e->end);
    if (e->end > r->dlen)
        return bad(r, "tensor", name, 0,
                   "data_offsets [%" PRIu64 ", %" PRIu64 "] run past the "
                   "end of the data area (%" PRIu64 " bytes)",
                   e->begin, e->end, r->dlen);
    char sh[NN_TENSOR_MAX_DIMS * 24];
    uint64_t bytes = nn_dtype_size(e->t.dtype) * (uint64_t)e->t.n;
    if (e->end - e->begin != bytes)
        return bad(r, "tensor", name, 0,
                   "data_offsets [%" PRIu64 ", %" PRIu64 "] hold %" PRIu64
                   " bytes, but shape %s of %s needs %" PRIu64,
                   e->begin, e->end, e->end - e->begin,
                   shape_str(e->t.shape, e->t.ndim, sh, sizeof sh), st_dtypes[e->t.dtype], bytes);
    return NN_OK;
}

/* dtype: one of st_dtypes, into e->t.dtype. */
static nn_status check_dtype(const reader *r, const cJSON *d, entry *e)
{
    char q[SHOWN_CAP];
    if (!cJSON_IsString(d))
        return bad(r, "tensor", e->t.name, 0, "\"dtype\" is not a string");
    for (size_t k = 0; k < ST_N_DTYPES; k++)
        if (strcmp(d->valuestring, st_dtypes[k]) == 0) {
            e->t.dtype = (nn_dtype)k;
            return NN_OK;
        }
    return bad(r, "tensor", e->t.name, 0,
               "dtype \"%s\" is not supported (supported: " ST_DTYPE_LIST ")",
               shown(d->valuestring, q, sizeof q));
}

/* One tensor's entry: exactly the fields dtype, shape and data_offsets. */
static nn_status check_entry(const reader *r, const cJSON *item, entry *e)
{
    static const char *const names[3] = {"dtype", "shape", "data_offsets"};
    const char *name = e->t.name;
    char q[SHOWN_CAP];
    if (!cJSON_IsObject(item))
        return bad(r, "tensor", name, 0,
                   "not an object {\"dtype\": \"F32\", \"shape\": [...], "
                   "\"data_offsets\": [begin, end]}");
    const cJSON *field[3] = {NULL, NULL, NULL};
    for (const cJSON *c = item->child; c; c = c->next) {
        size_t k = 0;
        while (k < 3 && strcmp(c->string, names[k]) != 0)
            k++;
        if (k == 3)
            return bad(r, "tensor", name, 0,
                       "unknown field \"%s\" (a tensor has dtype, shape and data_offsets)",
                       shown(c->string, q, sizeof q));
        if (field[k])
            return bad(r, "tensor", name, 0, "the field \"%s\" appears twice", names[k]);
        field[k] = c;
    }
    for (size_t k = 0; k < 3; k++)
        if (field[k] == NULL)
            return bad(r, "tensor", name, 0, "no \"%s\" field", names[k]);
    nn_status st = check_dtype(r, field[0], e);
    if (st == NN_OK)
        st = check_shape(r, field[1], e);
    return st != NN_OK ? st : check_offsets(r, field[2], e);
}

/* Every tensor of the header into e[0..*n), in the header's order. */
static nn_status check_entries(reader *r, entry **out, size_t *n_out)
{
    nn_status st = check_unique(r, r->root, "tensor");
    size_t n = 0;
    for (const cJSON *c = r->root->child; c; c = c->next)
        n += strcmp(c->string, ST_META) != 0;
    entry *e = calloc(n ? n : 1, sizeof *e);
    if (st == NN_OK && e == NULL)
        st = nn_fail(r->err, NN_ESYS, "%s: out of memory", r->path);
    n = 0;
    for (const cJSON *c = r->root->child; c && st == NN_OK; c = c->next) {
        if (strcmp(c->string, ST_META) == 0)
            continue;
        size_t len = strlen(c->string);
        e[n] = (entry){.t.name = c->string, .order = n};
        if (len == 0)
            st = bad(r, "tensor", "", 0, "a tensor name is empty");
        else if (len > ST_NAME_MAX)
            st = bad(r, "tensor", c->string, 0, "the name is %zu bytes, more than %d", len,
                     ST_NAME_MAX);
        else
            st = check_entry(r, c, &e[n++]);
    }
    *out = e;
    *n_out = n;
    return st;
}

static int by_offsets(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->begin != b->begin)
        return a->begin < b->begin ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Sorted by offsets, the tensors cover the data area from 0 to its end, without gaps or
 * overlaps (the Python library's rule). */
static nn_status check_tiling(const reader *r, entry *e, size_t n)
{
    qsort(e, n, sizeof *e, by_offsets);
    uint64_t pos = 0;
    char q[SHOWN_CAP];
    for (size_t i = 0; i < n; i++) {
        if (e[i].begin > pos)
            return bad(r, "tensor", e[i].t.name, 0,
                       "a gap of %" PRIu64 " bytes in the data area "
                       "before its data_offsets [%" PRIu64 ", %" PRIu64 "] (the data before "
                       "ends at %" PRIu64 ")",
                       e[i].begin - pos, e[i].begin, e[i].end, pos);
        if (e[i].begin < pos)
            return bad(r, "tensor", e[i].t.name, 0,
                       "its data_offsets [%" PRIu64 ", %" PRIu64
                       "] overlap those of tensor \"%s\", which end at %" PRIu64,
                       e[i].begin, e[i].end, shown(e[i - 1].t.name, q, sizeof q), pos);
        pos = e[i].end;
    }
    if (pos != r->dlen)
        return bad(r, NULL, NULL, 8 + r->hlen + pos,
                   "%" PRIu64 " trailing bytes after the "
                   "last tensor's data (the data area is %" PRIu64
                   " bytes; the tensors cover %" PRIu64 ")",
                   r->dlen - pos, r->dlen, pos);
    return NN_OK;
}

/* "__metadata__": an object of strings, each key once. */
static nn_status read_meta(const reader *r, nn_st_file *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(r->root, ST_META);
    if (m == NULL)
        return NN_OK;
    if (!cJSON_IsObject(m))
        return bad(r, "field", ST_META, 0, "not an object of strings");
    nn_status st = check_unique(r, m, "__metadata__ key");
    size_t n = (size_t)cJSON_GetArraySize(m);
    if (st != NN_OK || n == 0)
        return st;
    out->meta_key = calloc(n, sizeof *out->meta_key);
    out->meta_val = calloc(n, sizeof *out->meta_val);
    if (out->meta_key == NULL || out->meta_val == NULL)
        return nn_fail(r->err, NN_ESYS, "%s: out of memory", r->path);
    for (const cJSON *c = m->child; c; c = c->next) {
        if (!cJSON_IsString(c))
            return bad(r, "__metadata__ key", c->string, 0, "the value is not a string");
        out->meta_key[out->n_meta] = strdup(c->string);
        out->meta_val[out->n_meta++] = strdup(c->valuestring);
        if (out->meta_key[out->n_meta - 1] == NULL || out->meta_val[out->n_meta - 1] == NULL)
            return nn_fail(r->err, NN_ESYS, "%s: out of memory", r->path);
    }
    return NN_OK;
}

/* A BOOL tensor's bytes (from data offset begin) are 0 or 1. */
static nn_status check_bool(const reader *r, const nn_tensor *t, uint64_t begin)
{
    const unsigned char *b = t->data;
    for (size_t j = 0; j < t->n; j++)
        if (b[j] > 1)
            return bad(r, "tensor", t->name, 0,
                       "BOOL element %zu is byte %u (data offset %" PRIu64 "), not 0 or 1", j, b[j],
                       begin + j);
    return NN_OK;
}

/* Each tensor's data into its own block (so tensors[] may be reordered): the tiling makes
 * them follow one another from the start of the data area. */
static nn_status read_data(const reader *r, const entry *e, size_t n, nn_st_file *out)
{
    if (n == 0)
        return NN_OK;
    out->tensors = calloc(n, sizeof *out->tensors);
    if (out->tensors == NULL)
        return nn_fail(r->err, NN_ESYS, "%s: out of memory", r->path);
    for (size_t i = 0; i < n; i++) {
        nn_tensor *t = &out->tensors[i];
        *t = e[i].t;
        size_t size = nn_dtype_size(t->dtype);
        t->data = NULL;
        t->name = strdup(e[i].t.name);
        out->n++;
        t->data = t->name ? malloc(t->n ? t->n * size : 1) : NULL;
        if (t->data == NULL)
            return nn_fail(r->err, NN_ESYS, "%s: out of memory for tensor \"%.200s\"", r->path,
                           e[i].t.name);
        if (read_exact(r->f, t->data, size * (uint64_t)t->n) != 0)
            return bad(r, "tensor", t->name, 0, "the data ends early (did the file change?)");
        if (!st_host_little_endian())
            st_swap_bytes(t->data, t->n, size);
        nn_status st = t->dtype == NN_BOOL ? check_bool(r, t, e[i].begin) : NN_OK;
        if (st != NN_OK)
            return st;
    }
    return NN_OK;
}

nn_status nn_st_read(const char *path, nn_st_file *out, nn_error *err)
{
    *out = (nn_st_file){0};
    reader r = {.path = path, .err = err};
    entry *e = NULL;
    size_t n = 0;
    nn_status st = open_file(&r);
    if (st == NN_OK)
        st = read_header(&r);
    if (st == NN_OK)
        st = parse_json(&r);
    if (st == NN_OK)
        st = check_entries(&r, &e, &n);
    if (st == NN_OK)
        st = check_tiling(&r, e, n);
    if (st == NN_OK)
        st = read_meta(&r, out);
    if (st == NN_OK)
        st = read_data(&r, e, n, out);
    if (st != NN_OK)
        nn_st_free(out);
    free(e);
    cJSON_Delete(r.root);
    free(r.header);
    if (r.f)
        fclose(r.f);
    return st;
}

const nn_tensor *nn_st_find(const nn_st_file *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

const char *nn_st_dtype_name(nn_dtype t)
{
    return (unsigned)t < ST_N_DTYPES ? st_dtypes[t] : "?";
}

const float *nn_st_f32(const nn_tensor *t)
{
    return t->dtype == NN_F32 ? t->data : NULL;
}

nn_status nn_st_expect(const char *path, const nn_tensor *t, nn_dtype want, nn_error *err)
{
    if (t->dtype == want)
        return NN_OK;
    return nn_fail(err, NN_EDATA, "%s: tensor \"%.200s\" holds %s values; expected %s", path,
                   t->name, nn_st_dtype_name(t->dtype), nn_st_dtype_name(want));
}

const char *nn_st_meta(const nn_st_file *f, const char *key)
{
    for (size_t i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta_key[i], key) == 0)
            return f->meta_val[i];
    return NULL;
}

void nn_st_free(nn_st_file *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free((char *)f->tensors[i].name);
        free(f->tensors[i].data);
    }
    free(f->tensors);
    for (size_t i = 0; i < f->n_meta; i++) {
        free(f->meta_key[i]);
        free(f->meta_val[i]);
    }
    free(f->meta_key);
    free(f->meta_val);
    *f = (nn_st_file){0};
}
