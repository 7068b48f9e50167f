/* hostile/ckpt.c - hostile safetensors checkpoints (for eval, predict, --resume and
 * init.from), edited from a real one, and hostile sweep files and --collect folders. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>

#include "hostile.h"
#include "sys/clock.h"

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
EDIT(epoch_neg, "\"epoch\":\"1\"", "\"epoch\":\"-1\"")
EDIT(step_neg, "\"step\":\"4\"", "\"step\":\"-1\"")
EDIT(step_huge, "\"step\":\"4\"", "\"step\":\"100000000000000000000\"")
EDIT(steps_neg, "\"optimizer.steps\":\"4\"", "\"optimizer.steps\":\"-1\"")
EDIT(step_off, "\"step\":\"4\"", "\"step\":\"5\"")

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
static void csv_folder(void)
{
    hx_sh("mkdir -p out/tiny.csv");
}
static void csv_other_model(void)
{
    hx_sh("mkdir -p out && printf 'epoch,step,lr,train_loss,train_acc,test_loss,test_acc,dead,"
          "dead_frac,dead_1,dead_3,constant_output,seconds\\n0,0,0.05,,,1.4,0.25,0,0,0,0,0,0.1\\n"
          "1,4,0.05,1.3,0.4,1.2,0.5,0,0,0,0,0,0.2\\n' > out/tiny.csv");
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
    RC("resume: epoch -1", epoch_neg,
       "bad.st: metadata \"epoch\" is \"-1\"; expected a whole number"),
    RC("resume: step -1", step_neg, "bad.st: metadata \"step\" is \"-1\""),
    RC("resume: step 10^20", step_huge, "metadata \"step\" is \"100000000000000000000\""),
    RC("resume: optimizer.steps -1", steps_neg, "metadata \"optimizer.steps\" is \"-1\""),
    RC("resume: step off the epochs", step_off,
       "metadata \"optimizer.steps\" is \"4\"; expected 5"),
    {"resume: CSV is a folder",
     {"tiny.json", "--quiet", "--epochs", "2", "--set", "output.checkpoint=ck.safetensors",
      "--resume", "ck.safetensors"},
     2,
     "out/tiny.csv: cannot write the CSV (output.csv or --csv): Is a directory",
     HX_CKPT,
     csv_folder,
     NULL,
     NULL},
    {"resume: CSV of another model",
     {"tiny.json", "--quiet", "--epochs", "2", "--set", "output.checkpoint=ck.safetensors",
      "--resume", "ck.safetensors"},
     3,
     "out/tiny.csv: cannot resume into it: its header is another run's",
     HX_CKPT,
     csv_other_model,
     NULL,
     NULL},
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
SW(sw_plain, "{\"base\": \"tiny.json\", \"seeds\": [1]}")
/* The sweep's out is a plain file: refused as --collect refuses it, before anything. */
static void sw_out_file(void)
{
    ft_write_text("sw.json", "{\"base\": \"tiny.json\", \"seeds\": [1], \"out\": \"plain\"}");
    ft_write_text("plain", "not a folder\n");
}

/* A sweep of 10 values on each of `axes` grid keys (10^axes combinations) in a 1 KB file. */
static void sw_grid_of(int axes)
{
    static const char *const keys[] = {"optimizer.lr", "optimizer.momentum", "train.batch_size",
                                       "optimizer.weight_decay", "data.train_limit",
                                       "data.test_limit", "dead_units.samples", "train.epochs",
                                       "model.0.units", "model.2.units", "data.validation",
                                       "model.0.bias_init"};
    char text[2048];
    size_t len = (size_t)snprintf(text, sizeof text, "{\"base\": \"tiny.json\", \"grid\": {");
    for (int a = 0; a < axes; a++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "%s\"%s\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", a ? ", " : "", keys[a]);
    snprintf(text + len, sizeof text - len, "}}");
    ck_assert_uint_lt(strlen(text), 1024);
    ft_write_text("sw.json", text);
}

/* 10^7 and 10^12 combinations: counted before anything is built, refused at once in little
 * memory (an address-space limit of 200 MB; none under AddressSanitizer, whose shadow
 * memory needs more), with the true count. */
static void huge_grid(const hx_case *c)
{
    static const struct { int axes; const char *count; } grids[] = {
        {7, "10000000 combinations"}, {12, "1000000000000 combinations"}};
    const char *limit = getenv("ASAN_OPTIONS") ? "" : "ulimit -v 200000; ";
    for (size_t g = 0; g < 2; g++) {
        sw_grid_of(grids[g].axes);
        char cmd[PATH_MAX + 100];
        snprintf(cmd, sizeof cmd, "%sexec '%s' sweep sw.json --quiet 2> err.txt", limit,
                 hx_bin());
        double t0 = nn_now();
        int code = th_run(cmd);
        double seconds = nn_now() - t0;
        char *err = th_read_in(".", "err.txt");
        ck_assert_msg(code == 2 && strstr(err, grids[g].count) && th_count_lines(err) == 1,
                      "%s: exit %d: %s", c->name, code, err);
        ck_assert_msg(seconds < 5, "%s: %.1f s", c->name, seconds);
        free(err);
    }
}

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
    /* An empty --out is the root folder to a path join: refused before anything. */
    {"--out \"\"", {"sweep", "sw.json", "--out", "", "--quiet"}, 2, "output folder (--out) is empty",
     0, sw_plain, NULL, NULL},
    {"--out \"\" with --print-jobs", {"sweep", "sw.json", "--out", "", "--print-jobs"}, 2,
     "output folder (--out) is empty", 0, sw_plain, NULL, NULL},
    SWC("out is a plain file", sw_out_file, "plain (the sweep's out folder) is not a folder"),
    {"out is a plain file, --print-jobs", {"sweep", "sw.json", "--print-jobs"}, 2,
     "plain (the sweep's out folder) is not a folder", 0, sw_out_file, NULL, NULL},
    {"out is a plain file, --collect", {"sweep", "sw.json", "--collect"}, 2, "plain is not a folder",
     0, sw_out_file, NULL, NULL},
    {"10^7 and 10^12 combinations", {NULL}, 0, NULL, 0, NULL, NULL, huge_grid},
    {"--collect: damaged runs and a FIFO", {NULL}, 0, NULL, 0, NULL, NULL, collect_damaged},
};

const hx_table hx_sweep_table = {"sweep", sweep_cases, sizeof sweep_cases / sizeof sweep_cases[0]};
