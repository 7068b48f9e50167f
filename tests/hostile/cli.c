/* hostile/cli.c - hostile command lines for every subcommand: unknown options, missing or
 * malformed values, extra or missing arguments, and values holding control characters.
 * All exit 2 (3 when a named file cannot be read) with one escaped line; nothing written. */
#include <check.h>

#include "hostile.h"

static void sweep_file(void)
{
    ft_write_text("sw.json", "{\"base\": \"tiny.json\", \"seeds\": [1, 2], \"out\": \"runs\"}\n");
}

#define T(name, code, needle, ...)                                                                 \
    {                                                                                              \
        name, {__VA_ARGS__}, code, needle, 0, NULL, NULL, NULL                                     \
    }
#define C(name, code, needle, ...)                                                                 \
    {                                                                                              \
        name, {__VA_ARGS__}, code, needle, HX_CKPT, NULL, NULL, NULL                               \
    }
#define S(name, code, needle, ...)                                                                 \
    {                                                                                              \
        name, {__VA_ARGS__}, code, needle, 0, sweep_file, NULL, NULL                               \
    }

static const hx_case cli_cases[] = {
    /* train */
    T("train: no arguments", 2, "no CONFIG given", "--quiet"),
    T("train: unknown long option", 2, "'--bogus' is not an option", "tiny.json", "--bogus"),
    T("train: unknown short option", 2, "'-x' is not an option", "-x", "tiny.json"),
    T("train: option with a newline", 2, "'--x\\ny' is not an option", "tiny.json", "--x\ny"),
    T("train: --csv without a value", 2, "'--csv' needs a value", "tiny.json", "--csv"),
    T("train: --csv followed by an option", 2, "'--csv' needs a value", "tiny.json", "--csv",
      "--quiet"),
    T("train: --threads -1", 2, "--threads: expected an integer", "tiny.json", "--threads", "-1"),
    T("train: --threads huge", 2, "train.threads", "tiny.json", "--threads", "99999999"),
    T("train: --epochs negative", 2, "--epochs: expected an integer", "tiny.json", "--epochs",
      "-3"),
    T("train: --epochs overflow", 2, "found '99999999999999999999'", "tiny.json", "--epochs",
      "99999999999999999999"),
    T("train: --epochs with a newline", 2, "found '1\\n2'", "tiny.json", "--epochs", "1\n2"),
    T("train: --seed empty", 2, "--seed: expected an integer", "tiny.json", "--seed", ""),
    T("train: second CONFIG", 2, "found a second one: 'x\\ny.json'", "tiny.json", "x\ny.json"),
    T("train: empty CONFIG", 2, "no config file given", ""),
    T("train: --resume missing file", 3, "nope.safetensors", "tiny.json", "--quiet", "--resume",
      "nope.safetensors"),
    T("train: --resume a folder", 3, "/: not a regular file", "tiny.json", "--quiet", "--resume",
      "/"),
    T("train: --quiet=1", 2, "'--quiet=1' is not an option", "tiny.json", "--quiet=1"),
    /* check-data */
    T("check-data: no CONFIG", 2, "no CONFIG given", "check-data"),
    T("check-data: unknown option", 2, "is not an option", "check-data", "tiny.json", "--nope"),
    T("check-data: two CONFIGs", 2, "found a second one", "check-data", "tiny.json", "tiny.json"),
    /* export-images */
    T("export-images: two arguments", 2, "three arguments", "export-images", "a", "b"),
    T("export-images: an option", 2, "three arguments", "export-images", "-a", "b", "c"),
    T("export-images: missing images", 3, "nope: cannot open", "export-images", "nope",
      "train-labels.gz", "exp"),
    T("export-images: count mismatch", 3, "count mismatch", "export-images", "train-images.gz",
      "test-labels", "exp"),
    /* sweep */
    T("sweep: no file", 2, "no SWEEP.json given", "sweep"),
    S("sweep: second file", 2, "found a second: 'b\\nc'", "sweep", "sw.json", "b\nc"),
    S("sweep: --jobs 0", 2, "--jobs: at least 1", "sweep", "sw.json", "--jobs", "0"),
    S("sweep: --jobs huge", 2, "--jobs: expected an integer in [0, 256]", "sweep", "sw.json",
      "--jobs", "100000"),
    S("sweep: --jobs negative", 2, "--jobs: expected an integer", "sweep", "sw.json", "--jobs",
      "-1"),
    S("sweep: --combo not a number", 2, "--combo", "sweep", "sw.json", "--combo", "x"),
    S("sweep: --print-jobs with --collect", 2, "go alone", "sweep", "sw.json", "--print-jobs",
      "--collect"),
    S("sweep: --collect from a folder not there", 2, "nope is not a folder", "sweep", "sw.json",
      "--collect", "--out", "nope"),
    S("sweep: unknown option", 2, "'--bogus' is not an option", "sweep", "sw.json", "--bogus"),
    S("sweep: --out without a value", 2, "needs a value", "sweep", "sw.json", "--out"),
    /* eval */
    T("eval: no CHECKPOINT", 2, "no CHECKPOINT given", "eval"),
    C("eval: second CHECKPOINT", 2, "is a second CHECKPOINT", "eval", "ck.safetensors", "x"),
    C("eval: --split bogus", 2, "expected test, train or val", "eval", "ck.safetensors", "--split",
      "a\x1b[2Jb"),
    C("eval: --threads 65", 2, "expected an integer in [0, 64]", "eval", "ck.safetensors",
      "--threads", "65"),
    C("eval: --threads -1", 2, "expected an integer in [0, 64]", "eval", "ck.safetensors",
      "--threads", "-1"),
    C("eval: unknown option", 2, "'--top' is not an option", "eval", "ck.safetensors", "--top",
      "1"),
    C("eval: --csv without a value", 2, "needs a value", "eval", "ck.safetensors", "--csv"),
    C("eval: --config missing", 2, "nope.json", "eval", "ck.safetensors", "--config", "nope.json"),
    /* predict */
    T("predict: no CHECKPOINT", 2, "no CHECKPOINT given", "predict"),
    C("predict: no INPUT", 2, "no INPUT given", "predict", "ck.safetensors"),
    C("predict: --top 0", 2, "expected an integer >= 1", "predict", "ck.safetensors", "--top", "0",
      "test-images"),
    C("predict: --top overflow", 2, "expected an integer >= 1", "predict", "ck.safetensors",
      "--top", "99999999999999999999", "test-images"),
    C("predict: unknown option", 2, "'--split' is not an option", "predict", "ck.safetensors",
      "--split", "test", "test-images"),
    C("predict: missing INPUT", 3, "nope.png", "predict", "ck.safetensors", "nope.png"),
    C("predict: label file as INPUT", 3, "test-labels", "predict", "ck.safetensors", "test-labels"),
    /* plot */
    T("plot: no OUT_DIR", 2, "no OUT_DIR given", "plot"),
    T("plot: two OUT_DIRs", 2, "is a second OUT_DIR", "plot", "a", "b"),
    T("plot: missing folder", 3, "not a folder", "plot", "nope"),
    T("plot: a file", 3, "not a folder", "plot", "tiny.json"),
    T("plot: --module not a number", 2, "is not a module index", "plot", "out", "--module", "x"),
    T("plot: --units without a value", 2, "needs a value", "plot", "out", "--units"),
    T("plot: unknown option", 2, "is not an option", "plot", "out", "--bogus"),
};

const hx_table hx_cli_table = {"cli", cli_cases, sizeof cli_cases / sizeof cli_cases[0]};
