/* checkpoint.c - named tensors to and from a safetensors file, checked before use. */
#include "ckpt/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/fs.h"

nn_status nn_ckpt_write(const char *path, const nn_tensor *tensors, size_t n,
                        const char *const *keys, const char *const *values, size_t n_meta,
                        nn_error *err)
{
    nn_status st = nn_mkdirs_for(path, "the checkpoint's folder", err);
    if (st != NN_OK)
        return st;
    return nn_st_write(path, tensors, n, keys, values, n_meta, err);
}

static void shape_text(char *buf, size_t n, size_t ndim, const uint64_t *shape)
{
    size_t len = (size_t)snprintf(buf, n, "[");
    for (size_t d = 0; d < ndim && len < n; d++)
        len += (size_t)snprintf(buf + len, n - len, "%s%" PRIu64, d ? ", " : "", shape[d]);
    if (len < n)
        snprintf(buf + len, n - len, "]");
}

/* The tensor of f that dst stands for, checked against dst's dtype and shape. */
static nn_status find_like(const nn_st_file *f, const char *path, const char *name,
                           const nn_tensor *dst, const nn_tensor **found, nn_error *err)
{
    char want[64], have[160];
    const nn_tensor *t = nn_st_find(f, name);
    shape_text(want, sizeof want, dst->ndim, dst->shape);
    if (!t)
        return nn_fail(err, NN_EDATA, "%s: no tensor \"%s\" (expected %s for the config's model)",
                       path, name, want);
    if (t->dtype != dst->dtype)
        return nn_fail(err, NN_EDATA, "%s: tensor \"%s\" holds %s values; expected %s", path,
                       name, nn_st_dtype_name(t->dtype), nn_st_dtype_name(dst->dtype));
    int same = t->ndim == dst->ndim;
    for (size_t d = 0; same && d < t->ndim; d++)
        same = t->shape[d] == dst->shape[d];
    if (!same) {
        shape_text(have, sizeof have, t->ndim, t->shape);
        return nn_fail(err, NN_EDATA, "%s: tensor \"%s\" has shape %s; the config's model expects %s",
                       path, name, have, want);
    }
    *found = t;
    return NN_OK;
}

nn_status nn_ckpt_check(const nn_st_file *f, const char *path, const char *prefix,
                        const nn_tensor *dst, size_t n, nn_error *err)
{
    for (size_t i = 0; i < n; i++) {
        char name[1100];
        const nn_tensor *t = NULL;
        snprintf(name, sizeof name, "%s%s", prefix ? prefix : "", dst[i].name);
        nn_status st = find_like(f, path, name, &dst[i], &t, err);
        if (st != NN_OK)
            return st;
    }
    return NN_OK;
}

nn_status nn_ckpt_fill(const nn_st_file *f, const char *path, const char *prefix,
                       const nn_tensor *dst, size_t n, nn_error *err)
{
    nn_status st = nn_ckpt_check(f, path, prefix, dst, n, err); /* all, before any copy */
    for (size_t i = 0; st == NN_OK && i < n; i++) {
        char name[1100];
        snprintf(name, sizeof name, "%s%s", prefix ? prefix : "", dst[i].name);
        const nn_tensor *t = nn_st_find(f, name);
        memcpy(dst[i].data, t->data, dst[i].n * nn_dtype_size(dst[i].dtype));
    }
    return st;
}

nn_status nn_ckpt_only_known(const nn_st_file *f, const char *path, const nn_tensor *known,
                             size_t n, const char *own_prefix, nn_error *err)
{
    size_t own = own_prefix ? strlen(own_prefix) : 0;
    for (size_t i = 0; i < f->n; i++) {
        const char *name = f->tensors[i].name;
        int ok = own && strncmp(name, own_prefix, own) == 0;
        for (size_t j = 0; !ok && j < n; j++)
            ok = strcmp(name, known[j].name) == 0;
        if (!ok)
            return nn_fail(err, NN_EDATA,
                           "%s: tensor \"%.64s\" does not belong to the config's model (it has "
                           "%zu tensors: \"%s\" ...)",
                           path, name, n, n ? known[0].name : "");
    }
    return NN_OK;
}

nn_status nn_ckpt_meta_size(const nn_st_file *f, const char *path, const char *key, size_t max,
                            size_t *out, nn_error *err)
{
    const char *v = nn_st_meta(f, key);
    if (!v)
        return nn_fail(err, NN_EDATA, "%s: no \"%s\" in the checkpoint's metadata", path, key);
    /* strtoull would take "-1" (and wrap it), " 7" or "+7": digits only, checked by hand. */
    size_t x = 0;
    int ok = *v != '\0';
    for (const char *p = v; ok && *p; p++) {
        unsigned d = (unsigned)(*p - '0');
        ok = d <= 9 && d <= max && x <= (max - d) / 10; /* x * 10 + d <= max */
        x = ok ? x * 10 + d : x;
    }
    if (!ok)
        return nn_fail(err, NN_EDATA,
                       "%s: metadata \"%s\" is \"%.40s%s\"; expected a whole number from 0 to %zu",
                       path, key, v, strlen(v) > 40 ? "..." : "", max);
    *out = x;
    return NN_OK;
}
