/* ckpt/safetensors_corpus.h - broken safetensors files for tests/ckpt/safetensors.c (its
 * only includer): each a header, the data bytes after it (0x11 each) and the words
 * nn_st_read's one-line refusal must hold. */
#ifndef NN_TEST_SAFETENSORS_CORPUS_H
#define NN_TEST_SAFETENSORS_CORPUS_H

#include <stddef.h>

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
     "dtype \"F16\" is not supported (supported: F32, I64, F64, I32, U8, BOOL) (tensor \"w\")"},
    {"{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 0, 4,
     "dtype \"BF16\" is not supported (supported: F32, I64"},
    {"{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 0, 4,
     "dtype \"f32\" is not supported"},
    {"{\"w\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 0, 8,
     "dtype \"U64\" is not supported"},
    {"{\"c\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,12]}}", 0, 24,
     "data_offsets [0, 12] hold 12 bytes, but shape [3] of I64 needs 24 (tensor \"c\")"},
    {"{\"c\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,8]}}", 0, 8,
     "hold 8 bytes, but shape [] of I32 needs 4"},
    {"{\"c\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 0, 8,
     "shape [2] has more elements than the data area (8 bytes) holds of F64"},
    {"{\"c\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,4]}}", 0, 4,
     "hold 4 bytes, but shape [3] of U8 needs 3"},
    {"{\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", 0, 2,
     "BOOL element 0 is byte 17 (data offset 0), not 0 or 1 (tensor \"m\")"},
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

#endif
