/* ckpt/safetensors.c - checkpoints in the safetensors format: a round trip of every kind of
 * tensor (0-d, 1-d, 2-d, empty) with metadata; the exact bytes of a small file (length field,
 * header, space padding to 8, little-endian data); files laid out as the Python library
 * writes them; a corpus of broken files, each refused with NN_EDATA and one line naming the
 * problem (every truncation of a valid file among them); refused writes; and, when
 * /usr/bin/python3 has numpy, scripts/safetensors-check.py reading nntrain's file and writing
 * one for nntrain. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/safetensors.h"
#include "support/images.h"
#include "support/helpers.h"
#include "suites.h"

/* The whole file at path (its size in *len; caller frees). */
static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(size > 0 ? (size_t)size : 1);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, (size_t)size, f);
    ck_assert_uint_eq(*len, (size_t)size);
    fclose(f);
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

/* The reference tensors (the same as scripts/safetensors-check.py's): values[0..16] hold
 * 0.weight (3 x 4), 0.bias (4), step (0-d); empty has shape [0]. */
enum { N_REF = 4 };
static const char *const ref_keys[] = {"format", "epoch"}, *const ref_vals[] = {"nntrain", "12"};
static void reference(nn_st_tensor t[N_REF], float values[17])
{
    for (int i = 0; i < 12; i++)
        values[i] = (float)((i * 7) % 11 - 5) / 4.0f;
    const float bias[4] = {-0.0f, 1.5f, 0x1p-149f, 0x1.fffffep127f};
    memcpy(values + 12, bias, sizeof bias);
    values[16] = 42.0f;
    t[0] = (nn_st_tensor){.name = "0.weight", .ndim = 2, .shape = {3, 4}, .n = 12, .data = values};
    t[1] = (nn_st_tensor){.name = "0.bias", .ndim = 1, .shape = {4}, .n = 4, .data = values + 12};
    t[2] = (nn_st_tensor){.name = "step", .ndim = 0, .n = 1, .data = values + 16};
    t[3] = (nn_st_tensor){.name = "empty", .ndim = 1, .shape = {0}, .n = 0, .data = NULL};
}

/* f holds want[0..n) (any order) and the reference metadata, bit for bit. */
static void expect_tensors(const nn_st_file *f, const nn_st_tensor *want, size_t n)
{
    ck_assert_uint_eq(f->n, n);
    for (size_t i = 0; i < n; i++) {
        const nn_st_tensor *t = nn_st_find(f, want[i].name);
        ck_assert_msg(t != NULL, "no tensor %s", want[i].name);
        ck_assert_uint_eq(t->ndim, want[i].ndim);
        ck_assert_uint_eq(t->n, want[i].n);
        ck_assert_ptr_nonnull(t->data);
        ck_assert_int_eq(memcmp(t->shape, want[i].shape, want[i].ndim * sizeof *t->shape), 0);
        if (want[i].n)
            ck_assert_msg(memcmp(t->data, want[i].data, want[i].n * sizeof(float)) == 0,
                          "%s: data differ", want[i].name);
    }
    ck_assert_ptr_null(nn_st_find(f, "missing"));
}

START_TEST(round_trip)
{
    nn_st_tensor t[N_REF];
    float values[17];
    reference(t, values);
    nn_error err = {0};
    ck_assert_msg(nn_st_write(ft_at("a.st"), t, N_REF, ref_keys, ref_vals, 2, &err) == NN_OK, "%s",
                  err.msg);
    nn_st_file f;
    ck_assert_msg(nn_st_read(ft_at("a.st"), &f, &err) == NN_OK, "%s", err.msg);
    expect_tensors(&f, t, N_REF);
    for (size_t i = 0; i < N_REF; i++) /* written in the order given: that is offset order */
        ck_assert_str_eq(f.tensors[i].name, t[i].name);
    ck_assert_uint_eq(f.n_meta, 2);
    ck_assert_str_eq(nn_st_meta(&f, "format"), "nntrain");
    ck_assert_str_eq(nn_st_meta(&f, "epoch"), "12");
    ck_assert_ptr_null(nn_st_meta(&f, "missing"));
    nn_st_free(&f);
    nn_st_free(&f); /* a freed file is empty: freeing again is harmless */

    /* Rewritten in place with other values and no metadata; no temporary file is left. */
    values[0] = 7.25f;
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
    nn_st_tensor t[MANY + 1];
    char names[MANY][16];
    float *big = malloc(BIG * sizeof *big);
    ck_assert_ptr_nonnull(big);
    for (size_t i = 0; i < BIG; i++)
        big[i] = (float)i * 0.5f - 1000.0f;
    for (int i = 0; i < MANY; i++) {
        snprintf(names[i], sizeof names[i], "%d", i);
        t[i] = (nn_st_tensor){.name = names[i], .ndim = NN_ST_MAX_DIMS};
    }
    t[MANY] = (nn_st_tensor){.name = "big", .ndim = 2, .shape = {600, 500}, .n = BIG, .data = big};
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
    nn_st_tensor t = {.name = "a", .ndim = 1, .shape = {2}, .n = 2, .data = v};
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

#define T(name, shape, offsets)                                                                    \
    "\"" name "\":{\"dtype\":\"F32\",\"shape\":" shape ",\"data_offsets\":" offsets "}"
#define T1 T("a", "[1]", "[0,4]")

/* Broken headers: the JSON (jlen bytes when not 0), data bytes after it, the words the
 * message must hold. */
static const struct {
    const char *json;
    size_t jlen, data;
    const char *want;
} corpus[] = {
    {"hello", 0, 0, "not valid JSON"},
    {"{\"a\":{\"dtype\":\"F32\",}}", 0, 0, "not valid JSON"},
    {"[1, 2]", 0, 0, "not a JSON object"},
    {"{} x", 0, 0, "more than one JSON value"},
    {" {}", 0, 0, "does not start with '{'"},
    {"\xef\xbb\xbf{}", 0, 0, "does not start with '{'"},
    {"{}\0   ", 6, 0, "NUL byte (byte offset 10)"},
    {"{\"\xff\":1}", 0, 0, "not valid UTF-8 (byte offset 10)"},
    {"{\"\xed\xa0\x80\":1}", 0, 0, "not valid UTF-8"},
    {"{\"a\":1}", 0, 0, "not an object {\"dtype\""},
    {"{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 0, 4, "no \"dtype\" field (tensor \"a\")"},
    {"{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 0, 4, "no \"shape\" field"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 0, 4, "no \"data_offsets\" field"},
    {"{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, 4,
     "\"dtype\" appears twice"},
    {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":0}}", 0, 4,
     "unknown field \"x\""},
    {"{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 0, 4,
     "dtype \"F16\" is not supported (only \"F32\" is) (tensor \"w\")"},
    {"{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 0, 4,
     "\"dtype\" is not a string"},
    {"{" T("a", "[-1]", "[0,4]") "}", 0, 4, "shape entry 0 is not an integer"},
    {"{" T("a", "[2,1.5]", "[0,4]") "}", 0, 4, "shape entry 1 is not an integer"},
    {"{" T("a", "[\"1\"]", "[0,4]") "}", 0, 4, "shape entry 0 is not an integer"},
    {"{" T("a", "[10000000000000000]", "[0,4]") "}", 0, 4, "shape entry 0 is not an integer"},
    {"{" T("a", "1", "[0,4]") "}", 0, 4, "\"shape\" is not an array"},
    {"{" T("a", "[1,1,1,1,1,1,1,1,1]", "[0,4]") "}", 0, 4, "more than 8 dimensions"},
    {"{" T("a", "[1099511627776,1099511627776]", "[0,4]") "}", 0, 4,
     "shape [1099511627776, 1099511627776] has more elements than the data area (4 bytes)"},
    {"{" T("a", "[2]", "[0,4]") "}", 0, 4, "shape [2] has more elements"},
    {"{" T("a", "[1]", "[0]") "}", 0, 4, "is not [begin, end]"},
    {"{" T("a", "[1]", "[0,4.5]") "}", 0, 4, "is not [begin, end]"},
    {"{" T("a", "[1]", "[0,1e300]") "}", 0, 4, "is not [begin, end]"},
    {"{" T("a", "[1]", "{}") "}", 0, 4, "is not [begin, end]"},
    {"{" T("a", "[0]", "[8,4]") "}", 0, 8, "data_offsets [8, 4] end before they begin"},
    {"{" T("a", "[1]", "[4,8]") "}", 0, 4,
     "data_offsets [4, 8] run past the end of the data area (4 bytes)"},
    {"{" T("a", "[3]", "[0,8]") "}", 0, 16,
     "data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 12"},
    {"{" T("a", "[2]", "[0,8]") "," T("b", "[1]", "[4,8]") "}", 0, 8,
     "overlap those of tensor \"a\", which end at 8 (tensor \"b\")"},
    {"{" T("a", "[1]", "[0,4]") "," T("b", "[1]", "[0,4]") "}", 0, 4, "overlap"},
    {"{" T("a", "[1]", "[0,4]") "," T("b", "[1]", "[8,12]") "}", 0, 12,
     "a gap of 4 bytes in the data area"},
    {"{" T("b", "[1]", "[4,8]") "}", 0, 8, "a gap of 4 bytes"},
    {"{" T1 "," T1 "}", 0, 4, "the name appears twice (tensor \"a\")"},
    {"{" T("", "[1]", "[0,4]") "}", 0, 4, "a tensor name is empty"},
    {"{" T1 "}", 0, 8, "4 trailing bytes after the last tensor's data (the data area is 8 bytes"},
    {"{}", 0, 3, "3 trailing bytes"},
    {"{\"__metadata__\":{\"k\":1}}", 0, 0, "the value is not a string (__metadata__ key \"k\")"},
    {"{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, 0, "appears twice"},
    {"{\"__metadata__\":[]}", 0, 0, "not an object of strings"},
    {"{\"__metadata__\":{},\"__metadata__\":{}}", 0, 0, "appears twice"},
};

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
    nn_st_tensor t[N_REF];
    float values[17];
    reference(t, values);
    nn_error err = {0};
    ck_assert_int_eq(nn_st_write(ft_at("v.st"), t, N_REF, ref_keys, ref_vals, 2, &err), NN_OK);
    size_t len;
    unsigned char *b = read_all(ft_at("v.st"), &len);
    for (size_t k = 0; k < len; k++) {
        ft_write_bytes(ft_at("t.st"), b, k);
        expect_refused(ft_at("t.st"), k < 8         ? "too short for the 8-byte header length"
                                      : k < 8 + 296 ? "is past the end of the file"
                                                    : "the data area");
    }
    ck_assert_uint_eq(len, 8 + 296 + 17 * 4);
    free(b);
}
END_TEST

/* Every byte of a valid file changed three ways: read or refused with one line, never a
 * crash or a sanitizer report. */
START_TEST(mutated_everywhere)
{
    nn_st_tensor t[N_REF];
    float values[17];
    reference(t, values);
    nn_error err = {0};
    ck_assert_int_eq(nn_st_write(ft_at("v.st"), t, N_REF, ref_keys, ref_vals, 2, &err), NN_OK);
    size_t len;
    unsigned char *b = read_all(ft_at("v.st"), &len);
    const unsigned char flips[3] = {0x01, 0x80, 0xff};
    for (size_t k = 0; k < len; k++)
        for (int j = 0; j < 3; j++) {
            b[k] ^= flips[j];
            ft_write_bytes(ft_at("m.st"), b, len);
            b[k] ^= flips[j];
            nn_st_file f;
            nn_status st = nn_st_read(ft_at("m.st"), &f, &err);
            ck_assert_msg(st == NN_OK || (st == NN_EDATA && !strchr(err.msg, '\n')),
                          "byte %zu ^ %d: %d %s", k, flips[j], st, err.msg);
            nn_st_free(&f);
        }
    free(b);
}
END_TEST

/* What nn_st_write refuses (NN_ESYS naming the path) leaves no file behind. */
START_TEST(refused_writes)
{
    float v[2] = {1, 2};
    nn_st_tensor t[2] = {{.name = "a", .ndim = 1, .shape = {2}, .n = 2, .data = v},
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
    t[1] = (nn_st_tensor){.name = "b", .ndim = 2, .shape = {2, 2}, .n = 2, .data = v};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    ck_assert_msg(strstr(err.msg, "not the product of its shape"), "%s", err.msg);
    t[1] = (nn_st_tensor){.name = "__metadata__", .ndim = 0, .n = 1, .data = v};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    t[1] = (nn_st_tensor){.name = "", .ndim = 0, .n = 1, .data = v};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    t[1] = (nn_st_tensor){.name = "b", .ndim = 1, .shape = {1}, .n = 1, .data = NULL};
    ck_assert_int_eq(nn_st_write(path, t, 2, NULL, NULL, 0, &err), NN_ESYS);
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(access(ft_at("w.st.tmp"), F_OK), -1);
}
END_TEST

/* scripts/safetensors-check.py checks nntrain's file, and writes one nntrain must read. */
START_TEST(python_cross_check)
{
    nn_st_tensor t[N_REF];
    float values[17];
    reference(t, values);
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
    ck_assert_str_eq(f.tensors[0].name, "0.bias"); /* the Python library sorts by name */
    ck_assert_str_eq(nn_st_meta(&f, "epoch"), "12");
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
