/* hostile/config.c - hostile config files (bad.json) and --set overrides: all exit 2 with
 * one line naming the file, the key or the byte, and nothing written. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

/* bad.json: tiny.json with its first `from` replaced by `to`. */
static void bad_cfg(const char *from, const char *to)
{
    size_t n;
    char *t = th_read_bytes("tiny.json", &n), *at = strstr(t, from);
    ck_assert_ptr_nonnull(at);
    FILE *f = fopen("bad.json", "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(t, 1, (size_t)(at - t), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
    free(t);
}

#define EDIT(fn, from, to)                                                                         \
    static void fn(void)                                                                           \
    {                                                                                              \
        bad_cfg(from, to);                                                                         \
    }
#define TEXT(fn, text)                                                                             \
    static void fn(void)                                                                           \
    {                                                                                              \
        ft_write_bytes("bad.json", text, sizeof text - 1);                                         \
    }

TEXT(empty, "")
TEXT(spaces, "   \n\t  \n")
TEXT(top_array, "[1, 2, 3]")
TEXT(top_null, "null")
TEXT(nul_byte, "{\"name\": \"a\0b\"}")
TEXT(truncated, "{\"name\": \"tiny\", \"data\": {\"format\": ")
TEXT(comment, "// a comment\n{\"name\": \"tiny\"}")
TEXT(single_quotes, "{'name': 'tiny'}")
EDIT(bom, "{\"name\"", "\xef\xbb\xbf{\"name\"")
EDIT(bad_utf8, "\"tiny\"", "\"ti\xff\xfeny\"")
EDIT(trailing, "\"out/tiny.csv\"}}\n", "\"out/tiny.csv\"}} {\"x\": 1}\n")
EDIT(nan_lit, "\"lr\": 0.05", "\"lr\": NaN")
EDIT(inf_lit, "\"lr\": 0.05", "\"lr\": Infinity")
EDIT(neg_inf, "\"lr\": 0.05", "\"lr\": -Infinity")
EDIT(huge_num, "\"lr\": 0.05", "\"lr\": 1e999")
EDIT(huge_int, "\"epochs\": 1", "\"epochs\": 99999999999999999999999")
EDIT(frac_int, "\"epochs\": 1", "\"epochs\": 1.5")
EDIT(neg_epochs, "\"epochs\": 1", "\"epochs\": -1")
EDIT(dup_key, "\"seed\": 1", "\"seed\": 1, \"seed\": 2")
EDIT(wrong_type, "\"epochs\": 1", "\"epochs\": \"ten\"")
EDIT(null_value, "\"seed\": 1", "\"seed\": null")
EDIT(unknown_key, "\"epochs\": 1", "\"epocs\": 1")
EDIT(unknown_top, "\"seed\": 1", "\"sead\": 1")
EDIT(nul_escape, "\"tiny\"", "\"ti\\u0000ny\"")
EDIT(ctrl_key, "\"seed\": 1", "\"se\\u001b[2Jed\": 1")
EDIT(bad_act, "\"relu\"", "\"rleu\"")
EDIT(units_zero, "\"units\": 8", "\"units\": 0")
EDIT(bad_format, "\"idx\"", "\"csv\"")
EDIT(bad_slope, "{\"type\": \"relu\"}", "{\"type\": \"leaky_relu\", \"negative_slope\": -5}")
EDIT(huge_model, "\"units\": 8}",
     "\"units\": 1048576}, {\"type\": \"relu\"}, {\"type\": \"dense\", "
     "\"units\": 1048576}")
EDIT(bad_name, "\"tiny\"", "\"a/../../b\"")

/* 100000 nested arrays, then as many closing brackets. */
static void deep(void)
{
    size_t n = 100000;
    char *b = malloc(2 * n);
    ck_assert_ptr_nonnull(b);
    memset(b, '[', n);
    memset(b + n, ']', n);
    ft_write_bytes("bad.json", b, 2 * n);
    free(b);
}

/* 16 MiB and a byte: the config limit plus one. */
static void too_big(void)
{
    size_t n = (16u << 20) + 1;
    char *b = malloc(n);
    ck_assert_ptr_nonnull(b);
    memset(b, ' ', n);
    b[0] = '{', b[n - 1] = '}';
    ft_write_bytes("bad.json", b, n);
    free(b);
}

/* A key of 100000 characters: the message stays one bounded line. */
static void long_key(void)
{
    size_t n = 100000;
    char *b = malloc(n + 16);
    ck_assert_ptr_nonnull(b);
    memcpy(b, "{\"", 2);
    memset(b + 2, 'k', n);
    memcpy(b + 2 + n, "\": 1}", 6);
    ft_write_text("bad.json", b);
    free(b);
}

static void special_files(void)
{
    hx_sh("mkdir adir && ln -s nowhere dangling && ln -s loop1 loop2 && ln -s loop2 loop1 && "
          "mkfifo fifo");
}

#define BAD(name, setup, needle)                                                                   \
    {                                                                                              \
        name, {"bad.json", "--quiet"}, 2, needle, 0, setup, NULL, NULL                             \
    }
#define ARG(name, path, needle)                                                                    \
    {                                                                                              \
        name, {path, "--quiet"}, 2, needle, 0, special_files, NULL, NULL                           \
    }

static const hx_case config_cases[] = {
    BAD("empty file", empty, "the text is empty"),
    BAD("only whitespace", spaces, "invalid JSON"),
    BAD("top-level array", top_array, "expected a JSON object at the top level"),
    BAD("top-level null", top_null, NULL),
    BAD("NUL byte in the file", nul_byte, NULL),
    BAD("truncated JSON", truncated, "invalid JSON"),
    BAD("comment", comment, "invalid JSON"),
    BAD("single quotes", single_quotes, "invalid JSON"),
    {"byte order mark (accepted)",
     {"check-data", "bad.json", "--quiet"},
     0,
     NULL,
     HX_SILENT,
     bom,
     NULL,
     NULL},
    BAD("invalid UTF-8 in a string", bad_utf8, "\\xff"),
    BAD("trailing garbage", trailing, NULL),
    BAD("NaN literal", nan_lit, "invalid JSON"),
    BAD("Infinity literal", inf_lit, "invalid JSON"),
    BAD("-Infinity literal", neg_inf, "invalid JSON"),
    BAD("number too large (1e999)", huge_num, "too large"),
    BAD("integer too large", huge_int, "train.epochs"),
    BAD("fraction for an integer", frac_int, "train.epochs"),
    BAD("negative epochs", neg_epochs, "train.epochs"),
    BAD("duplicate key", dup_key, "seed"),
    BAD("wrong type", wrong_type, "train.epochs"),
    BAD("null value", null_value, "seed"),
    BAD("unknown key with suggestion", unknown_key, "did you mean \"epochs\""),
    BAD("unknown top-level key", unknown_top, "did you mean \"seed\""),
    BAD("\\u0000 in a string", nul_escape, "contains \\u0000 (a NUL character)"),
    BAD("escape sequence in a key", ctrl_key, "se?[2Jed: unknown key"),
    BAD("unknown activation", bad_act, "rleu"),
    BAD("dense of 0 units", units_zero, "units"),
    BAD("unknown data format", bad_format, "data.format"),
    BAD("hyperparameter out of range", bad_slope, "negative_slope"),
    BAD("1M x 1M model", huge_model, "1048576 x 1048576 weights need"),
    BAD("name with a path", bad_name, "name"),
    BAD("nesting 100000 deep", deep, "nested too deeply"),
    BAD("over 16 MiB", too_big, "16"),
    BAD("100000-character key", long_key, "unknown key"),
    ARG("config is a folder", "adir", "adir"),
    ARG("config missing", "nope.json", "nope.json: cannot open the config"),
    ARG("config a dangling symlink", "dangling", "dangling: cannot open"),
    ARG("config a symlink loop", "loop1", "Too many levels of symbolic links"),
    ARG("config a FIFO without writer", "fifo", "fifo"),
    ARG("config is /dev/null", "/dev/null", "the text is empty"),
    ARG("config is an IDX file", "test-images", "NUL byte at byte 0"),
};

const hx_table hx_config_table = {"config", config_cases,
                                  sizeof config_cases / sizeof config_cases[0]};

#define SET(name, value, needle)                                                                   \
    {                                                                                              \
        name, {"tiny.json", "--quiet", "--set", value}, 2, needle, 0, NULL, NULL, NULL             \
    }

/* 60,000 overrides, then a bad one: refused in well under 10 s (not quadratic). */
static void many_sets(const hx_case *c)
{
    enum { N = 60000 };
    const char **argv = malloc((N + 4) * sizeof *argv);
    ck_assert_ptr_nonnull(argv);
    size_t k = 0;
    argv[k++] = "tiny.json";
    argv[k++] = "--quiet";
    for (size_t i = 0; i < N; i++)
        argv[k++] = i % 2 ? "--set=seed=1" : "--set=seed=2";
    argv[k++] = "--set=train.epochs=-1";
    hx_result r;
    hx_exec(argv, k, 0, &r);
    hx_assert_line(c->name, &r, 2, "train.epochs");
    ck_assert_msg(r.seconds < 10, "%s: %.1f s", c->name, r.seconds);
    free(r.err);
    free(argv);
}

static const hx_case set_cases[] = {
    SET("without '='", "optimizer.lr", "expected KEY=VALUE"),
    SET("empty key", "=3", "the key path before '=' is empty"),
    SET("empty", "", "expected KEY=VALUE"),
    SET("array index out of range", "model.9.units=3", "model has 3 entries (0..2)"),
    SET("negative array index", "model.-1.units=3", "must be an index"),
    SET("huge array index", "model.99999999999999999999.units=3", "must be an index"),
    SET("unknown key with suggestion", "optimizer.lrr=0.1", "did you mean \"lr\""),
    SET("through a number", "seed.x=1", "seed"),
    SET("NaN", "optimizer.lr=NaN", "optimizer.lr"),
    SET("Infinity", "optimizer.lr=Infinity", "optimizer.lr"),
    SET("1e999", "optimizer.lr=1e999", "too large"),
    SET("string for a number", "train.epochs=abc", "train.epochs"),
    SET("broken JSON value", "model=[{", "model"),
    SET("empty model", "model=[]", "the model is empty"),
    SET("object for a section", "data=5", "data: expected an object"),
    SET("newline in a value", "name=a\nb", "a\\nb"),
    SET("escape in a key", "na\x1b[2Jme=x", "na?: unknown key"),
    SET("batch size 1e300", "train.batch_size=1e300", "train.batch_size"),
    SET("threads huge", "train.threads=99999999", "train.threads"),
    {"60,000 --set flags", {NULL}, 2, NULL, 0, NULL, NULL, many_sets},
};

const hx_table hx_set_table = {"set", set_cases, sizeof set_cases / sizeof set_cases[0]};
