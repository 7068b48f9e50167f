/* hostile/ckpt.c - hostile safetensors checkpoints (for eval, predict, --resume and
 * init.from), edited from a real one, and hostile sweep files and --collect folders. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

#define EDIT(fn, from, to)                                                                         \
    static void fn(void)                                                                           \
    {                                                                                              \
        hx_ckpt_edit("bad.st", from, to);                                                          \
    }

EDIT(dtype, "\"F32\",\"shape\":[8,64]", "\"F64\",\"shape\":[8,64]")
EDIT(dtype_int, "\"F32\",\"shape\":[8,64]", "\"I32\",\"shape\":[8,64]")
EDIT(was_dead_int, "\"nntrain.was_dead.1\":{\"dtype\":\"F32\"",
     "\"nntrain.was_dead.1\":{\"dtype\":\"I32\"")
EDIT(shape, "[8,64]", "[8,63]")
EDIT(offsets_out, "[2208,2224]", "[2208,999999]")
EDIT(offsets_overlap, "[2048,2080]", "[2040,2072]")
EDIT(offsets_reversed, "[2048,2080]", "[2080,2048]")
EDIT(offsets_huge, "[2208,2224]", "[2208,18446744073709551615]")
EDIT(missing, "\"2.bias\"", "\"2.biaz\"")
EDIT(format, "nntrain-checkpoint-1", "nntrain-checkpoint-9")
EDIT(cfg_bad, "\\\"units\\\":8", "\\\"units\\\":-8")
EDIT(not_json, "{\"__metadata__\"", "[\"__metadata__\"")

static void cut_header(void)
{
    hx_sh("head -c 4 ck.safetensors > bad.st");
}
static void huge_len(void)
{
    hx_sh("printf '\\377\\377\\377\\377\\377\\377\\377\\077{}' > bad.st");
}
static void len_past_end(void)
{
    hx_sh("printf '\\000\\020\\000\\000\\000\\000\\000\\000{}' > bad.st");
}
static void cut_data(void)
{
    hx_sh("head -c -100 ck.safetensors > bad.st");
}
static void empty(void)
{
    ft_write_bytes("bad.st", "", 0);
}
static void specials(void)
{
    hx_sh("mkfifo bad.st && mkdir adir");
}
static void other_model(void)
{
    hx_sh("sed 's/\"units\": 8/\"units\": 9/' tiny.json > other.json");
}

#define EV(name, setup, needle)                                                                    \
    {                                                                                              \
        name, {"eval", "bad.st", "--quiet"}, 3, needle, HX_CKPT, setup, NULL, NULL                 \
    }
#define PR(name, setup, needle)                                                                    \
    {                                                                                              \
        name, {"predict", "bad.st", "test-images"}, 3, needle, HX_CKPT, setup, NULL, NULL          \
    }
#define RS(name, setup, needle)                                                                    \
    {                                                                                              \
        name, {"tiny.json", "--quiet", "--epochs", "2", "--resume", "bad.st"}, 3, needle, HX_CKPT, \
            setup, NULL, NULL                                                                      \
    }
/* A resume that gets past the config check (ck.safetensors was written by this config). */
#define RC(name, setup, needle)                                                                    \
    {                                                                                              \
        name,                                                                                      \
            {"tiny.json", "--quiet", "--epochs", "2", "--set", "output.checkpoint=ck.safetensors", \
             "--resume",  "bad.st"},                                                               \
            3, needle, HX_CKPT, setup, NULL, NULL                                                  \
    }
#define IN(name, setup, needle)                                                                    \
    {                                                                                              \
        name, {"tiny.json", "--quiet", "--set", "init.from=bad.st"}, 3, needle, HX_CKPT, setup,    \
            NULL, NULL                                                                             \
    }

static const hx_case ckpt_cases[] = {
    EV("eval: header cut at 4 bytes", cut_header, "bad.st"),
    EV("eval: header length 2^62", huge_len, "bad.st"),
    EV("eval: header length past the end", len_past_end, "bad.st"),
    EV("eval: header not an object", not_json, "bad.st"),
    EV("eval: dtype F64", dtype, "F64"),
    EV("eval: dtype I32", dtype_int, "tensor \"0.weight\" holds I32 values; expected F32"),
    EV("eval: shape disagrees with offsets", shape, "bad.st"),
    EV("eval: offsets past the end", offsets_out, "bad.st"),
    EV("eval: offsets overlapping", offsets_overlap, "bad.st"),
    EV("eval: offsets reversed", offsets_reversed, "bad.st"),
    EV("eval: offset 2^64-1", offsets_huge, "bad.st"),
    EV("eval: a tensor missing", missing, "tensor \"2.biaz\" does not belong"),
    EV("eval: unknown format", format, "checkpoint format \"nntrain-checkpoint-9\""),
    EV("eval: data cut short", cut_data, "bad.st"),
    EV("eval: empty file", empty, "bad.st"),
    EV("eval: FIFO", specials, "not a regular file"),
    {"eval: a folder", {"eval", "adir", "--quiet"}, 3, "adir", HX_CKPT, specials, NULL, NULL},
    {"eval: stored config invalid",
     {"eval", "bad.st", "--quiet"},
     2,
     "units",
     HX_CKPT,
     cfg_bad,
     NULL,
     NULL},
    {"eval: --config with another model",
     {"eval", "ck.safetensors", "--quiet", "--config", "other.json"},
     2,
     "model[0].units is 8 in the checkpoint's config, 9 in other.json",
     HX_CKPT,
     other_model,
     NULL,
     NULL},
    PR("predict: dtype F64", dtype, "F64"),
    PR("predict: offsets past the end", offsets_out, "bad.st"),
    PR("predict: header length 2^62", huge_len, "bad.st"),
    RS("resume: dtype F64", dtype, "F64"),
    RC("resume: dtype I32", dtype_int, "tensor \"0.weight\" holds I32 values; expected F32"),
    RC("resume: was_dead of I32", was_dead_int,
       "tensor \"nntrain.was_dead.1\" holds I32 values; expected F32"),
    RS("resume: shape disagrees", shape, "bad.st"),
    RS("resume: data cut short", cut_data, "bad.st"),
    RS("resume: FIFO", specials, "not a regular file"),
    IN("init.from: offsets overlapping", offsets_overlap, "bad.st"),
    IN("init.from: a tensor missing", missing, "tensor \"2.biaz\" does not belong"),
    IN("init.from: empty file", empty, "bad.st"),
    IN("init.from: dtype I32", dtype_int, "tensor \"0.weight\" holds I32 values; expected F32"),
};

const hx_table hx_ckpt_table = {"ckpt", ckpt_cases, sizeof ckpt_cases / sizeof ckpt_cases[0]};

#define SW(fn, text)                                                                               \
    static void fn(void)                                                                           \
    {                                                                                              \
        ft_write_text("sw.json", text);                                                            \
    }

SW(sw_empty, "")
SW(sw_array, "[]")
SW(sw_no_base, "{\"seeds\": [1]}")
SW(sw_base_missing, "{\"base\": \"nope.json\"}")
SW(sw_base_self, "{\"base\": \"sw.json\"}")
SW(sw_unknown, "{\"base\": \"tiny.json\", \"sedes\": [1]}")
SW(sw_empty_axis, "{\"base\": \"tiny.json\", \"activations\": []}")
SW(sw_empty_grid, "{\"base\": \"tiny.json\", \"grid\": {\"optimizer.lr\": []}}")
SW(sw_bad_act, "{\"base\": \"tiny.json\", \"activations\": [\"rleu\"]}")
SW(sw_dup_seeds, "{\"base\": \"tiny.json\", \"seeds\": [1, 1]}")
SW(sw_huge_seeds, "{\"base\": \"tiny.json\", \"seeds\": {\"first\": 1, \"count\": 1e15}}")
SW(sw_huge_combos,
   "{\"base\": \"tiny.json\", \"grid\": {\"optimizer.lr\": [0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,"
   "1], \"optimizer.momentum\": [0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9], \"train.batch_size\": "
   "[1,2,3,4,5,6,7,8,9,10], \"seed\": [1,2,3,4,5,6,7,8,9,10]}, \"hidden\": {\"units\": "
   "[1,2,3,4,5,6,7,8,9,10], \"layers\": [1,2,3,4,5,6,7,8,9,10]}, \"seeds\": {\"first\": 1, "
   "\"count\": 100000000}}")
SW(sw_grid_seed, "{\"base\": \"tiny.json\", \"grid\": {\"seed\": [1, 2]}}")
SW(sw_set_output, "{\"base\": \"tiny.json\", \"set\": {\"output.csv\": \"x.csv\"}}")
SW(sw_bad_value, "{\"base\": \"tiny.json\", \"grid\": {\"optimizer.lr\": [0.1, -1]}}")
SW(sw_jobs_type, "{\"base\": \"tiny.json\", \"jobs\": \"two\"}")
SW(sw_deep,
   "{\"base\": \"tiny.json\", \"set\": {\"a\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
   "[[[")
/* A sweep run once (two seeds of one epoch), then its folder damaged: a CSV cut inside a
 * row, another replaced by a FIFO (no writer: must not hang), a status file of garbage.
 * --collect lists them as missing or partial, one clean line each, and does not hang. */
static void collect_damaged(const hx_case *c)
{
    ft_write_text("sw.json", "{\"base\": \"tiny.json\", \"seeds\": [1, 2], \"out\": \"runs\"}\n");
    const char *run[] = {"sweep", "sw.json", "--quiet"}, *col[] = {"sweep", "sw.json", "--collect"};
    hx_result r;
    hx_exec(run, 3, 0, &r);
    ck_assert_msg(r.code == 0, "%s: the sweep: %s", c->name, r.err);
    free(r.err);
    hx_sh("head -c 60 runs/relu_s1.csv > t && mv t runs/relu_s1.csv && rm runs/relu_s2.csv && "
          "mkfifo runs/relu_s2.csv && echo garbage > runs/relu_s1.status.json");
    hx_exec(col, 3, 0, &r);
    ck_assert_msg(!r.timed_out && r.exited && r.code == 0, "%s: exit %d, signal %d, hung %d",
                  c->name, r.code, r.signal, r.timed_out);
    for (const char *p = r.err; *p; p++)
        ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "%s: control byte: %s", c->name,
                      r.err);
    ck_assert_msg(strstr(r.err, "missing run: runs/relu_s1.csv") &&
                      strstr(r.err, "partial run: runs/relu_s2.csv"),
                  "%s: %s", c->name, r.err);
    free(r.err);
}

#define SWC(name, setup, needle)                                                                   \
    {                                                                                              \
        name, {"sweep", "sw.json", "--quiet"}, 2, needle, 0, setup, NULL, NULL                     \
    }

static const hx_case sweep_cases[] = {
    SWC("empty file", sw_empty, "the text is empty"),
    SWC("an array", sw_array, "sw.json"),
    SWC("no base", sw_no_base, "base"),
    SWC("base missing", sw_base_missing, "nope.json"),
    SWC("base is the sweep file", sw_base_self, "sw.json"),
    SWC("unknown key with suggestion", sw_unknown, "did you mean \"seeds\""),
    SWC("empty activations axis", sw_empty_axis, "activations"),
    SWC("empty grid axis", sw_empty_grid, "optimizer.lr"),
    SWC("unknown activation", sw_bad_act, "rleu"),
    SWC("repeated seeds", sw_dup_seeds, "seed"),
    SWC("10^15 seeds", sw_huge_seeds, "count"),
    SWC("10^14 combinations", sw_huge_combos, "sw.json"),
    SWC("grid over seed", sw_grid_seed, "seed"),
    SWC("set touching output.*", sw_set_output, "output.csv"),
    SWC("a bad value in an axis", sw_bad_value, "optimizer.lr"),
    SWC("jobs of the wrong type", sw_jobs_type, "jobs"),
    SWC("deep nesting in set", sw_deep, "sw.json"),
    {"--collect: damaged runs and a FIFO", {NULL}, 0, NULL, 0, NULL, NULL, collect_damaged},
};

const hx_table hx_sweep_table = {"sweep", sweep_cases, sizeof sweep_cases / sizeof sweep_cases[0]};
