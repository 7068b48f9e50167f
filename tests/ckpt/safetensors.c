/* ckpt/safetensors.c - checkpoints in the safetensors format: a round trip of every kind of
 * tensor (0-d, 1-d, 2-d, empty) of every dtype (F32, I64, F64, I32, U8, BOOL; integer
 * extremes, negative zeros, NaN payloads) with metadata; the exact bytes of small files
 * (length field, header, space padding to 8, little-endian data, wider dtypes first);
 * files laid out as the Python library writes them; a corpus of broken files, each refused
 * with NN_EDATA and one line naming the problem (every truncation of a valid file among
 * them); refused writes; the byte swap of big-endian hosts; and, when /usr/bin/python3 has
 * numpy, scripts/safetensors-check.py reading nntrain's file and writing one for nntrain. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/safetensors.h"
#include "ckpt/st_common.h"
#include "safetensors_corpus.h"
#include "support/helpers.h"
#include "support/images.h"
#include "suites.h"

/* The whole file at path (its size in *len; caller frees). */
static unsigned char *read_all(const char *path, size_t *len)
{
    unsigned char *buf = (unsigned char *)th_read_bytes(path, len);
    ck_assert_msg(buf != NULL, "cannot read %s", path);
    return buf;
}

/* A file: the length field (len_field, or the JSON's length when UINT64_MAX), json[0..jlen)
 * (strlen when jlen is 0), then data_len bytes of 0x11. */
static void put_file(const char *path, uint64_t len_field, const char *json, size_t jlen,
                     size_t data_len)
{
    jlen = jlen ? jlen : strlen(json);
    uint64_t n = len_field == UINT64_MAX ? jlen : len_field;
    unsigned char *buf = malloc(8 + jlen + data_len);
    ck_assert_ptr_nonnull(buf);
    for (int k = 0; k < 8; k++)
        buf[k] = (unsigned char)(n >> (8 * k));
    memcpy(buf + 8, json, jlen);
    memset(buf + 8 + jlen, 0x11, data_len);
    ft_write_bytes(path, buf, 8 + jlen + data_len);
    free(buf);
}

/* Byte at of the file at path set to v. */
static void put_byte(const char *path, size_t at, unsigned char v)
{
    FILE *f = fopen(path, "r+b");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_int_eq(fseek(f, (long)at, SEEK_SET), 0);
    ck_assert_int_eq(fputc(v, f), v);
    ck_assert_int_eq(fclose(f), 0);
}

/* nn_st_read(path) fails with NN_EDATA, one line naming path and holding want; out is empty. */
static void expect_refused(const char *path, const char *want)
{
    nn_st_file f;
    nn_error err = {0};
    ck_assert_int_eq(nn_st_read(path, &f, &err), NN_EDATA);
    ck_assert_msg(strstr(err.msg, path) == err.msg, "%s does not start with the path", err.msg);
    ck_assert_msg(strstr(err.msg, want), "\"%s\" not in: %s", want, err.msg);
    ck_assert_msg(strchr(err.msg, '\n') == NULL, "not one line: %s", err.msg);
    ck_assert_uint_eq(f.n, 0);
    ck_assert_uint_eq(f.n_meta, 0);
    ck_assert_ptr_null(f.tensors);
}

/* The values of the reference tensors. */
typedef struct ref_values {
    float f32[19];
    int64_t i64[5];
    double f64[4];
    int32_t i32[3];
    uint8_t u8[5], mask[6];
} ref_values;

/* The reference tensors (the same as scripts/safetensors-check.py's), in this order: F32
 * 0.weight (3 x 4), 0.bias (4: -0, 1.5, the smallest subnormal, the largest float), step
 * (0-d), empty (shape [0]), nan (2 NaN payloads, one signaling); I64 count (4: the extremes,
 * -1, 0) and 1.num_batches_tracked (0-d, as BatchNorm keeps it); F64 f64 (2 x 2: -0, the
 * smallest subnormal, 2 NaN payloads); I32 i32 (3: the extremes, -7); U8 u8 (5); BOOL mask
 * (2 x 3). */
enum { N_REF = 11, REF_DATA = 19 * 4 + 5 * 8 + 4 * 8 + 3 * 4 + 5 + 6 };
static const char *const ref_keys[] = {"format", "epoch"}, *const ref_vals[] = {"nntrain", "12"};
static void reference(nn_tensor t[N_REF], ref_values *v)
{
    float *f = v->f32;
    for (int i = 0; i < 12; i++)
        f[i] = (float)((i * 7) % 11 - 5) / 4.0f;
    const float bias[4] = {-0.0f, 1.5f, 0x1p-149f, 0x1.fffffep127f};
    memcpy(f + 12, bias, sizeof bias);
    f[16] = 42.0f;
    const uint32_t nan32[2] = {0x7fc00001u, 0xff800001u};
    memcpy(f + 17, nan32, sizeof nan32);
    const int64_t i64[5] = {INT64_MIN, -1, 0, INT64_MAX, 937};
    memcpy(v->i64, i64, sizeof i64);
    const uint64_t f64[4] = {0x8000000000000000u, 1, 0x7ff0000000000001u, 0xfff8000000000abcu};
    memcpy(v->f64, f64, sizeof f64);
    const int32_t i32[3] = {INT32_MIN, -7, INT32_MAX};
    memcpy(v->i32, i32, sizeof i32);
    const uint8_t u8[5] = {0, 1, 127, 128, 255}, mask[6] = {1, 0, 0, 1, 1, 0};
    memcpy(v->u8, u8, sizeof u8);
    memcpy(v->mask, mask, sizeof mask);
    t[0] = (nn_tensor){.name = "0.weight", .ndim = 2, .shape = {3, 4}, .n = 12, .data = f};
    t[1] = (nn_tensor){.name = "0.bias", .ndim = 1, .shape = {4}, .n = 4, .data = f + 12};
    t[2] = (nn_tensor){.name = "step", .ndim = 0, .n = 1, .data = f + 16};
    t[3] = (nn_tensor){.name = "empty", .ndim = 1, .shape = {0}, .n = 0, .data = NULL};
    t[4] = (nn_tensor){.name = "nan", .ndim = 1, .shape = {2}, .n = 2, .data = f + 17};
    t[5] = (nn_tensor){
        .name = "count", .dtype = NN_I64, .ndim = 1, .shape = {4}, .n = 4, .data = v->i64};
    t[6] =
        (nn_tensor){.name = "1.num_batches_tracked", .dtype = NN_I64, .n = 1, .data = v->i64 + 4};
    t[7] = (nn_tensor){
        .name = "f64", .dtype = NN_F64, .ndim = 2, .shape = {2, 2}, .n = 4, .data = v->f64};
    t[8] = (nn_tensor){
        .name = "i32", .dtype = NN_I32, .ndim = 1, .shape = {3}, .n = 3, .data = v->i32};
    t[9] =
        (nn_tensor){.name = "u8", .dtype = NN_U8, .ndim = 1, .shape = {5}, .n = 5, .data = v->u8};
    t[10] = (nn_tensor){
        .name = "mask", .dtype = NN_BOOL, .ndim = 2, .shape = {2, 3}, .n = 6, .data = v->mask};
}

/* f holds want[0..n) (any order), dtype, shape and data bit for bit. */
static void expect_tensors(const nn_st_file *f, const nn_tensor *want, size_t n)
{
    ck_assert_uint_eq(f->n, n);
    for (size_t i = 0; i < n; i++) {
        const nn_tensor *t = nn_st_find(f, want[i].name);
        ck_assert_msg(t != NULL, "no tensor %s", want[i].name);
        ck_assert_msg(t->dtype == want[i].dtype, "%s: dtype %s, not %s", want[i].name,
                      nn_st_dtype_name(t->dtype), nn_st_dtype_name(want[i].dtype));
        ck_assert_uint_eq(t->ndim, want[i].ndim);
        ck_assert_uint_eq(t->n, want[i].n);
        ck_assert_ptr_nonnull(t->data);
        ck_assert_int_eq(memcmp(t->shape, want[i].shape, want[i].ndim * sizeof *t->shape), 0);
        if (want[i].n)
            ck_assert_msg(memcmp(t->data, want[i].data, want[i].n * nn_dtype_size(t->dtype)) == 0,
                          "%s: data differ", want[i].name);
    }
    ck_assert_ptr_null(nn_st_find(f, "missing"));
}

START_TEST(round_trip)
{
    nn_tensor t[N_REF];
    ref_values values;
    reference(t, &values);
    nn_error err = {0};
    ck_assert_msg(nn_st_write(ft_at("a.st"), t, N_REF, ref_keys, ref_vals, 2, &err) == NN_OK, "%s",
                  err.msg);
    nn_st_file f;
    ck_assert_msg(nn_st_read(ft_at("a.st"), &f, &err) == NN_OK, "%s", err.msg);
    expect_tensors(&f, t, N_REF);
    /* Offset order: 8-byte dtypes, 4-byte, 1-byte, each in the order given. */
    static const size_t order[N_REF] = {5, 6, 7, 0, 1, 2, 3, 4, 8, 9, 10};
    for (size_t i = 0; i < N_REF; i++)
        ck_assert_str_eq(f.tensors[i].name, t[order[i]].name);
    ck_assert_uint_eq(f.n_meta, 2);
    ck_assert_str_eq(nn_st_meta(&f, "format"), "nntrain");
    ck_assert_str_eq(nn_st_meta(&f, "epoch"), "12");
    ck_assert_ptr_null(nn_st_meta(&f, "missing"));
    nn_st_free(&f);
    nn_st_free(&f); /* a freed file is empty: freeing again is harmless */

    /* Rewritten in place with other values and no metadata; no temporary file is left. */
    values.f32[12] = 7.25f;
    ck_assert_int_eq(nn_st_write(ft_at("a.st"), t + 1, 2, NULL, NULL, 0, &err), NN_OK);
    ck_assert_int_eq(access(ft_at("a.st.tmp"), F_OK), -1);
    ck_assert_msg(nn_st_read(ft_at("a.st"), &f, &err) == NN_OK, "%s", err.msg);
    expect_tensors(&f, t + 1, 2);
    ck_assert_uint_eq(f.n_meta, 0);
    nn_st_free(&f);

    /* No tensors at all: a header "{}" padded to 8 bytes and nothing after it. */
    ck_assert_int_eq(nn_st_write(ft_at("none.st"), NULL, 0, NULL, NULL, 0, &err), NN_OK);
    ck_assert_msg(nn_st_read(ft_at("none.st"), &f, &err) == NN_OK, "%s", err.msg);
    ck_assert_uint_eq(f.n, 0);
    nn_st_free(&f);
}
END_TEST

/* A bigger tensor, and many empty 8-d ones: the densest header nn_st_write makes is read. */
START_TEST(many_and_large)
{
    enum { MANY = 100, BIG = 300000 };
    nn_tensor t[MANY + 1];
    char names[MANY][16];
    float *big = malloc(BIG * sizeof *big);
    ck_assert_ptr_nonnull(big);
    for (size_t i = 0; i < BIG; i++)
        big[i] = (float)i * 0.5f - 1000.0f;
    for (int i = 0; i < MANY; i++) {
        snprintf(names[i], sizeof names[i], "%d", i);
        t[i] = (nn_tensor){.name = names[i], .ndim = NN_TENSOR_MAX_DIMS};
    }
    t[MANY] = (nn_tensor){.name = "big", .ndim = 2, .shape = {600, 500}, .n = BIG, .data = big};
    nn_error err = {0};
    ck_assert_msg(nn_st_write(ft_at("m.st"), t, MANY, NULL, NULL, 0, &err) == NN_OK, "%s", err.msg);
    nn_st_file f;
    ck_assert_msg(nn_st_read(ft_at("m.st"), &f, &err) == NN_OK, "%s", err.msg);
    expect_tensors(&f, t, MANY);
    nn_st_free(&f);
    ck_assert_int_eq(nn_st_write(ft_at("b.st"), t + MANY - 1, 2, NULL, NULL, 0, &err), NN_OK);
    ck_assert_msg(nn_st_read(ft_at("b.st"), &f, &err) == NN_OK, "%s", err.msg);
    expect_tensors(&f, t + MANY - 1, 2);
    nn_st_free(&f);
    free(big);
}
END_TEST

/* The bytes of a known file: length field, compact JSON, spaces to 8, little-endian floats. */
START_TEST(byte_layout)
{
    float v[2] = {1.0f, -2.0f};
    nn_tensor t = {.name = "a", .ndim = 1, .shape = {2}, .n = 2, .data = v};
    const char *key = "format", *val = "pt";
    nn_error err = {0};
    ck_assert_int_eq(nn_st_write(ft_at("l.st"), &t, 1, &key, &val, 1, &err), NN_OK);
    size_t len;
    unsigned char *b = read_all(ft_at("l.st"), &len);
    const char *json =
        "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
        "\"data_offsets\":[0,8]}}   "; /* 85 bytes of JSON and 3 spaces: 88 */
    const unsigned char field[8] = {88, 0, 0, 0, 0, 0, 0, 0};
    const unsigned char data[8] = {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0};
    ck_assert_uint_eq(len, 8 + 88 + 8);
    ck_assert_int_eq(memcmp(b, field, 8), 0);
    ck_assert_int_eq(memcmp(b + 8, json, 88), 0);
    ck_assert_int_eq(memcmp(b + 96, data, 8), 0);
    free(b);
}
END_TEST

/* The bytes of a file of three dtypes given narrowest first: laid out I64, F32, BOOL, each
 * little-endian. */
START_TEST(byte_layout_dtypes)
{
    uint8_t m[2] = {1, 0};
    float a = 1.0f;
    int64_t c = -2;
    nn_tensor t[3] = {{.name = "m", .dtype = NN_BOOL, .ndim = 1, .shape = {2}, .n = 2, .data = m},
                      {.name = "a", .ndim = 0, .n = 1, .data = &a},
                      {.name = "c", .dtype = NN_I64, .ndim = 0, .n = 1, .data = &c}};
    nn_error err = {0};
    ck_assert_msg(nn_st_write(ft_at("d.st"), t, 3, NULL, NULL, 0, &err) == NN_OK, "%s", err.msg);
    size_t len;
    unsigned char *b = read_all(ft_at("d.st"), &len);
    const char *json = "{\"c\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
                       "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                       "\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[12,14]}}"
                       "      "; /* 162 bytes of JSON and 6 spaces: 168 */
    const unsigned char data[14] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0x00, 0x00, 0x80, 0x3f, 0x01, 0x00};
    ck_assert_uint_eq(len, 8 + 168 + 14);
    ck_assert_uint_eq(b[0], 168);
    ck_assert_int_eq(memcmp(b + 8, json, 168), 0);
    ck_assert_int_eq(memcmp(b + 8 + 168, data, 14), 0);
    free(b);
}
END_TEST

/* A BOOL byte of 2 is refused, naming the element; 0 and 1 are read. */
START_TEST(bool_bytes)
{
    const char *json = "{\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}";
    size_t jlen = strlen(json);
    unsigned char buf[128] = {(unsigned char)jlen};
    memcpy(buf + 8, json, jlen);
    memcpy(buf + 8 + jlen, "\x01\x00\x02", 3);
    ft_write_bytes(ft_at("b.st"), buf, 8 + jlen + 3);
    expect_refused(ft_at("b.st"),
                   "BOOL element 2 is byte 2 (data offset 2), not 0 or 1 (tensor \"m\")");
    buf[8 + jlen + 2] = 1;
    ft_write_bytes(ft_at("b.st"), buf, 8 + jlen + 3);
    nn_st_file f;
    nn_error err = {0};
    ck_assert_msg(nn_st_read(ft_at("b.st"), &f, &err) == NN_OK, "%s", err.msg);
    ck_assert_int_eq(f.tensors[0].dtype, NN_BOOL);
    ck_assert_int_eq(memcmp(f.tensors[0].data, "\x01\x00\x01", 3), 0);
    nn_st_free(&f);
}
END_TEST

/* nn_st_f32 gives an F32 tensor's floats and NULL for any other dtype; nn_st_expect refuses
 * another dtype with one line naming the file, the tensor, its dtype and the one wanted. */
START_TEST(dtype_checks)
{
    nn_tensor t[N_REF];
    ref_values values;
    reference(t, &values);
    nn_error err = {0};
    ck_assert_str_eq(nn_st_dtype_name(NN_F32), "F32");
    ck_assert_str_eq(nn_st_dtype_name(NN_BOOL), "BOOL");
    ck_assert_str_eq(nn_st_dtype_name((nn_dtype)99), "?");
    for (size_t i = 0; i < N_REF; i++) {
        ck_assert_ptr_eq(nn_st_f32(&t[i]), t[i].dtype == NN_F32 ? t[i].data : NULL);
        ck_assert_int_eq(nn_st_expect("x.st", &t[i], t[i].dtype, &err), NN_OK);
    }
    ck_assert_int_eq(nn_st_expect("x.st", &t[5], NN_F32, &err), NN_EDATA);
    ck_assert_str_eq(err.msg, "x.st: tensor \"count\" holds I64 values; expected F32");
    ck_assert_int_eq(nn_st_expect("x.st", &t[0], NN_BOOL, &err), NN_EDATA);
    ck_assert_str_eq(err.msg, "x.st: tensor \"0.weight\" holds F32 values; expected BOOL");
}
END_TEST

/* The byte swap a big-endian host applies to each element, for every width (this host is
 * little-endian, so nn_st_read and nn_st_write do not call it here). */
START_TEST(swap_bytes)
{
    ck_assert(st_host_little_endian());
    unsigned char b[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    st_swap_bytes(b, 2, 8);
    const unsigned char w8[16] = {8, 7, 6, 5, 4, 3, 2, 1, 16, 15, 14, 13, 12, 11, 10, 9};
    ck_assert_int_eq(memcmp(b, w8, 16), 0);
    st_swap_bytes(b, 4, 4);
    const unsigned char w4[16] = {5, 6, 7, 8, 1, 2, 3, 4, 13, 14, 15, 16, 9, 10, 11, 12};
    ck_assert_int_eq(memcmp(b, w4, 16), 0);
    st_swap_bytes(b, 16, 1);
    ck_assert_int_eq(memcmp(b, w4, 16), 0);
    int64_t v = INT64_MIN + 0x0102;
    st_swap_bytes(&v, 1, 8);
    const unsigned char big[8] = {0x80, 0, 0, 0, 0, 0, 0x01, 0x02};
    ck_assert_int_eq(memcmp(&v, big, 8), 0);
}
END_TEST

/* Headers other writers make: padded with spaces or not, pretty-printed, tensors listed out
 * of offset order, an empty tensor between two others, an empty metadata object. */
START_TEST(foreign_layouts)
{
    const char *json =
        "{\"b\": {\"dtype\": \"F32\", \"shape\": [1, 1], \"data_offsets\": [4, 8]},\n"
        " \"e\": {\"data_offsets\": [4, 4], \"shape\": [0, 3], \"dtype\": \"F32\"},\n"
        " \"a\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4]},"
        " \"__metadata__\": {}}      \n";
    nn_st_file f;
    nn_error err = {0};
    for (int padded = 0; padded < 2; padded++) {
        put_file(ft_at("p.st"), UINT64_MAX, json, strlen(json) - (padded ? 0 : 7), 8);
        ck_assert_msg(nn_st_read(ft_at("p.st"), &f, &err) == NN_OK, "%s", err.msg);
        ck_assert_uint_eq(f.n, 3);
        ck_assert_str_eq(f.tensors[0].name, "a"); /* in offset order */
        ck_assert_str_eq(f.tensors[1].name, "e");
        ck_assert_str_eq(f.tensors[2].name, "b");
        ck_assert_uint_eq(f.tensors[0].ndim, 0);
        ck_assert_uint_eq(f.tensors[0].n, 1);
        ck_assert_uint_eq(f.tensors[1].n, 0);
        const unsigned char want[4] = {0x11, 0x11, 0x11, 0x11};
        ck_assert_int_eq(memcmp(f.tensors[2].data, want, 4), 0);
        ck_assert_uint_eq(f.n_meta, 0);
        nn_st_free(&f);
    }
}
END_TEST

/* Each broken file of safetensors_corpus.h is refused with its words. */
START_TEST(corrupt_file)
{
    put_file(ft_at("c.st"), UINT64_MAX, corpus[_i].json, corpus[_i].jlen, corpus[_i].data);
    expect_refused(ft_at("c.st"), corpus[_i].want);
}
END_TEST

/* Header lengths that cannot be, a file too short for one, the limit on names, a header of
 * more JSON values than bytes allow, a name with a newline (escaped in the one line). */
START_TEST(corrupt_lengths_and_names)
{
    put_file(ft_at("h.st"), UINT64_MAX - 1, "{}", 0, 0);
    expect_refused(ft_at("h.st"), "header length 18446744073709551614 is above the limit of "
                                  "100000000 bytes (byte offset 0)");
    put_file(ft_at("h.st"), 100, "{}", 0, 8);
    expect_refused(ft_at("h.st"), "header length 100 is past the end of the file (18 bytes)");
    ft_write_bytes(ft_at("h.st"), "\x02\0\0", 3);
    expect_refused(ft_at("h.st"), "the file is 3 bytes, too short");
    expect_refused(ft_at("absent.st"), "cannot read the checkpoint: No such file");
    expect_refused(ft_dir(), "not a regular file");
    ck_assert_int_eq(mkfifo(ft_at("fifo"), 0600), 0);
    expect_refused(ft_at("fifo"), "not a regular file"); /* without waiting for a writer */

    char json[1200], name[1026];
    memset(name, 'n', 1025);
    name[1025] = '\0';
    snprintf(json, sizeof json, "{\"%s\":1}", name);
    put_file(ft_at("h.st"), UINT64_MAX, json, 0, 0);
    expect_refused(ft_at("h.st"), "the name is 1025 bytes, more than 1024 (tensor \"nnnn");

    size_t k = (size_t)snprintf(json, sizeof json, "{\"a\":[0");
    while (k < 800)
        k += (size_t)snprintf(json + k, sizeof json - k, ",0");
    snprintf(json + k, sizeof json - k, "]}");
    put_file(ft_at("h.st"), UINT64_MAX, json, 0, 0);
    expect_refused(ft_at("h.st"),
                   "about 400 JSON values, more than the 216 a header of 803 bytes can");

    put_file(ft_at("h.st"), UINT64_MAX,
             "{\"x\\n\\u0001\\\"\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 0,
             2);
    expect_refused(ft_at("h.st"), "(tensor \"x\\x0a\\x01\\\"\")");
}
END_TEST

/* Every proper prefix of a valid file is refused. */
START_TEST(truncated_everywhere)
{
    nn_tensor t[N_REF];
    ref_values values;
    reference(t, &values);
    nn_error err = {0};
    ck_assert_int_eq(nn_st_write(ft_at("v.st"), t, N_REF, ref_keys, ref_vals, 2, &err), NN_OK);
    size_t len, hlen = 0;
    unsigned char *b = read_all(ft_at("v.st"), &len);
    for (int k = 7; k >= 0; k--)
        hlen = hlen << 8 | b[k];
    ck_assert_uint_eq(len, 8 + hlen + REF_DATA);
    /* Cut shorter and shorter in place: rewriting a file from scratch each time costs a
     * flush on ext4 (auto_da_alloc), seconds for a thousand files. */
    ft_write_bytes(ft_at("t.st"), b, len);
    for (size_t k = len; k-- > 0;) {
        ck_assert_int_eq(truncate(ft_at("t.st"), (off_t)k), 0);
        expect_refused(ft_at("t.st"), k < 8          ? "too short for the 8-byte header length"
                                      : k < 8 + hlen ? "is past the end of the file"
                                                     : "the data area");
    }
    free(b);
}
END_TEST

/* Every byte of a valid file changed three ways: read or refused with one line, never a
 * crash or a sanitizer report. */
START_TEST(mutated_everywhere)
{
    nn_tensor t[N_REF];
    ref_values values;
    reference(t, &values);
    nn_error err = {0};
    ck_assert_int_eq(nn_st_write(ft_at("v.st"), t, N_REF, ref_keys, ref_vals, 2, &err), NN_OK);
    size_t len;
    unsigned char *b = read_all(ft_at("v.st"), &len);
    const unsigned char flips[3] = {0x01, 0x80, 0xff};
    ft_write_bytes(ft_at("m.st"), b, len);
    for (size_t k = 0; k < len; k++)
        for (int j = 0; j < 3; j++) {
            put_byte(ft_at("m.st"), k, b[k] ^ flips[j]); /* in place, as truncated_everywhere */
            nn_st_file f;
            nn_status st = nn_st_read(ft_at("m.st"), &f, &err);
            ck_assert_msg(st == NN_OK || (st == NN_EDATA && !strchr(err.msg, '\n')),
                          "byte %zu ^ %d: %d %s", k, flips[j], st, err.msg);
            nn_st_free(&f);
            put_byte(ft_at("m.st"), k, b[k]);
        }
    free(b);
}
END_TEST

/* What nn_st_write refuses (NN_ESYS naming the path) leaves no file behind. */
START_TEST(refused_writes)
{
    float v[2] = {1, 2};
    nn_tensor t[2] = {{.name = "a", .ndim = 1, .shape = {2}, .n = 2, .data = v},
                      {.name = "a", .ndim = 0, .n = 1, .data = v}};
    nn_error err = {0};
    const char *path = ft_at("no/such/dir/x.st");
    ck_assert_int_eq(nn_st_write(path, t, 1, NULL, NULL, 0, &err), NN_ESYS);
    ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "No such file"), "%s", err.msg);
    /* The rename onto a folder fails: the temporary file written so far is removed. */
    ft_mkdirs(ft_at("folder"));
    ck_assert_int_eq(nn_st_write(ft_at("folder"), t, 1, NULL, NULL, 0, &err), NN_ESYS);
    ck_assert_msg(strstr(err.msg, "Is a directory"), "%s", err.msg);
    ck_assert_int_eq(access(ft_at("folder.tmp"), F_OK), -1);
    path = ft_at("w.st");
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    ck_assert_msg(strstr(err.msg, "tensor \"a\" twice"), "%s", err.msg);
    const char *keys[2] = {"k", "k"}, *vals[2] = {"1", "2"};
    ck_assert_int_eq(nn_st_write(path, t, 1, keys, vals, 2, &err), NN_ESYS);
    ck_assert_msg(strstr(err.msg, "metadata key \"k\" twice"), "%s", err.msg);
    t[1] = (nn_tensor){.name = "b", .ndim = 2, .shape = {2, 2}, .n = 2, .data = v};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    ck_assert_msg(strstr(err.msg, "not the product of its shape"), "%s", err.msg);
    t[1] = (nn_tensor){.name = "__metadata__", .ndim = 0, .n = 1, .data = v};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    t[1] = (nn_tensor){.name = "", .ndim = 0, .n = 1, .data = v};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    t[1] = (nn_tensor){.name = "b", .ndim = 1, .shape = {1}, .n = 1, .data = NULL};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    uint8_t bools[3] = {1, 0, 2};
    t[1] =
        (nn_tensor){.name = "b", .dtype = NN_BOOL, .ndim = 1, .shape = {3}, .n = 3, .data = bools};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    ck_assert_msg(strstr(err.msg, "tensor \"b\": a BOOL element is neither 0 nor 1"), "%s",
                  err.msg);
    t[1] = (nn_tensor){.name = "b", .dtype = (nn_dtype)6, .ndim = 0, .n = 1, .data = v};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    ck_assert_msg(strstr(err.msg, "its dtype is not one of nn_dtype"), "%s", err.msg);
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(access(ft_at("w.st.tmp"), F_OK), -1);
}
END_TEST

/* scripts/safetensors-check.py checks nntrain's file, and writes one nntrain must read; so
 * do scripts/nntrain_torch.py's read_safetensors and write_safetensors. */
START_TEST(python_cross_check)
{
    nn_tensor t[N_REF];
    ref_values values;
    reference(t, &values);
    nn_error err = {0};
    ck_assert_int_eq(nn_st_write(ft_at("c.st"), t, N_REF, ref_keys, ref_vals, 2, &err), NN_OK);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 scripts/safetensors-check.py check '%s'",
             ft_at("c.st"));
    ck_assert_msg(th_run(cmd) == 0, "failed: %s", cmd);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 scripts/safetensors-check.py write '%s'",
             ft_at("py.st"));
    ck_assert_msg(th_run(cmd) == 0, "failed: %s", cmd);
    nn_st_file f;
    ck_assert_msg(nn_st_read(ft_at("py.st"), &f, &err) == NN_OK, "%s", err.msg);
    expect_tensors(&f, t, N_REF);
    /* The Python library lays out by dtype (I64, F64, F32, I32, U8, BOOL), then by name. */
    ck_assert_str_eq(f.tensors[0].name, "1.num_batches_tracked");
    ck_assert_str_eq(f.tensors[3].name, "0.bias");
    ck_assert_str_eq(f.tensors[N_REF - 1].name, "mask");
    ck_assert_str_eq(nn_st_meta(&f, "epoch"), "12");
    nn_st_free(&f);

    /* scripts/nntrain_torch.py reads nntrain's file and writes one nntrain reads. */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 scripts/safetensors-check.py scripts '%s' '%s'",
             ft_at("c.st"), ft_at("sc.st"));
    ck_assert_msg(th_run(cmd) == 0, "failed: %s", cmd);
    ck_assert_msg(nn_st_read(ft_at("sc.st"), &f, &err) == NN_OK, "%s", err.msg);
    expect_tensors(&f, t, N_REF);
    ck_assert_str_eq(nn_st_meta(&f, "format"), "nntrain");
    nn_st_free(&f);
}
END_TEST

Suite *safetensors_suite(th_skips *sk)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("safetensors");
    tcase_add_checked_fixture(tc, ft_setup, ft_teardown);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, many_and_large);
    tcase_add_test(tc, byte_layout);
    tcase_add_test(tc, byte_layout_dtypes);
    tcase_add_test(tc, bool_bytes);
    tcase_add_test(tc, dtype_checks);
    tcase_add_test(tc, swap_bytes);
    tcase_add_test(tc, foreign_layouts);
    tcase_add_loop_test(tc, corrupt_file, 0, (int)(sizeof corpus / sizeof corpus[0]));
    tcase_add_test(tc, corrupt_lengths_and_names);
    tcase_add_test(tc, truncated_everywhere);
    tcase_add_test(tc, mutated_everywhere);
    tcase_add_test(tc, refused_writes);
    if (th_run("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") == 0 &&
        access("scripts/safetensors-check.py", R_OK) == 0)
        tcase_add_test(tc, python_cross_check);
    else
        th_skip(sk, "safetensors", "python_cross_check", 1,
                "no /usr/bin/python3 with numpy, or not run from the source tree");
    suite_add_tcase(s, tc);
    return s;
}
