/* hostile/outputs.c - outputs that would land on inputs (exit 2, every input
 * byte-identical: the case's folder is unchanged), runs stopped by signals, kill -9 and
 * failing writes (whole CSV rows only), permissions (skipped as root) and real MNIST. */
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "support/helpers.h"
#include "hostile.h"

static void links(void)
{
    hx_sh("ln -s train-images.gz link.csv && ln train-images.gz hard.csv && "
          "cp tiny.json x.status.json && ln -s nowhere dangling");
}
/* A first run of folder.json: its CSV and class list exist before the case's run. */
static void folder_run(void)
{
    hx_sh("cp tiny.json base.json && mkdir cfgs && cp tiny.json cfgs/base.json");
    const char *argv[] = {"folder.json", "--quiet"};
    hx_result r;
    hx_exec(argv, 2, 0, &r);
    ck_assert_msg(r.code == 0, "%s", r.err);
    free(r.err);
    ft_write_text("sw.json",
                  "{\"base\": \"cfgs/base.json\", \"out\": \"cfgs\", \"seeds\": [1, 2]}\n");
}

#define O(name, needle, ...)                                                                       \
    {                                                                                              \
        name, {__VA_ARGS__}, 2, needle, 0, links, NULL, NULL                                       \
    }
#define OF(name, needle, ...)                                                                      \
    {                                                                                              \
        name, {__VA_ARGS__}, 2, needle, HX_FOLDERS, folder_run, NULL, NULL                         \
    }
#define OC(name, needle, ...)                                                                      \
    {                                                                                              \
        name, {__VA_ARGS__}, 2, needle, HX_CKPT, links, NULL, NULL                                 \
    }

static const hx_case outputs_cases[] = {
    O("--csv is the config", "tiny.json (output.csv) would overwrite the config file", "tiny.json",
      "--quiet", "--csv", "tiny.json"),
    O("--csv is a label file", "would overwrite the training labels train-labels.gz", "tiny.json",
      "--quiet", "--csv", "train-labels.gz"),
    O("--csv is the gzipped test set", "would overwrite the test images test-images.gz",
      "tiny.json", "--quiet", "--set", "data.test_images=test-images.gz", "--set",
      "data.test_labels=test-labels.gz", "--csv", "test-images.gz"),
    O("--csv a symlink to the training images", "link.csv (output.csv) would overwrite",
      "tiny.json", "--quiet", "--csv", "link.csv"),
    O("--csv a hard link to the training images", "hard.csv (output.csv) would overwrite",
      "tiny.json", "--quiet", "--csv", "hard.csv"),
    O("output.units is the config", "tiny.json (output.units)", "tiny.json", "--quiet", "--set",
      "output.units=tiny.json"),
    O("output.checkpoint is the test images", "test-images (output.checkpoint)", "tiny.json",
      "--quiet", "--set", "output.checkpoint=test-images"),
    O("output.checkpoint is the CSV",
      "x.csv (output.checkpoint) would overwrite x.csv (output.csv)", "tiny.json", "--quiet", "--csv", "x.csv", "--set", "output.checkpoint=x.csv"),
    O("output.checkpoint is the status file", "(output.checkpoint) would overwrite x.status.json",
      "tiny.json", "--quiet", "--csv", "x.csv", "--set", "output.checkpoint=x.status.json"),
    O("output.units is the checkpoint", "u.csv (output.checkpoint) would overwrite u.csv",
      "tiny.json", "--quiet", "--set", "output.units=u.csv", "--set", "output.checkpoint=u.csv"),
    O("output.units a symlink to where the CSV goes",
      "dangling (output.units) would overwrite nowhere", "tiny.json", "--quiet", "--csv", "nowhere", "--set", "output.units=dangling"),
    O("the status sibling is the config", "x.status.json (the run's status file)", "x.status.json",
      "--quiet", "--csv", "x.csv"),
    O("check-data --csv the config (the run's check)", "tiny.json (output.csv) would overwrite",
      "check-data", "tiny.json", "--quiet", "--csv", "tiny.json"),
    O("export into a dangling symlink", "dangling: a symlink to a folder that does not exist",
      "export-images", "train-images.gz", "train-labels.gz", "dangling"),
    O("export into the folder of its images", ". would hold", "export-images", "train-images.gz",
      "train-labels.gz", "."),
    O("export onto the label file", "train-labels.gz would hold", "export-images",
      "train-images.gz", "train-labels.gz", "train-labels.gz"),
    OC("--csv is --resume's checkpoint", "--resume's checkpoint ck.safetensors", "tiny.json",
       "--quiet", "--resume", "ck.safetensors", "--csv", "ck.safetensors"),
    OC("eval --csv is its checkpoint", "would overwrite the checkpoint ck.safetensors", "eval",
       "ck.safetensors", "--quiet", "--csv", "ck.safetensors"),
    OC("eval --csv is the test images", "would overwrite the test images test-images", "eval",
       "ck.safetensors", "--quiet", "--csv", "test-images"),
    OF("--csv a PNG inside the image folder", "inside the training image folder png/train",
       "folder.json", "--quiet", "--csv", "png/train/0/00000.png"),
    OF("--csv a new file inside the test folder", "inside the test image folder png/test",
       "folder.json", "--quiet", "--csv", "png/test/new/x.csv"),
    OF("class list kept when validation then fails", "data.validation", "folder.json", "--quiet",
       "--set", "data.validation=100000"),
    OF("sweep out folder holds the base", "would hold", "sweep", "sw.json", "--quiet"),
    OF("sweep --out . holds the sweep file", "would hold", "sweep", "sw.json", "--out", ".",
       "--quiet"),
};

const hx_table hx_outputs_table = {"outputs", outputs_cases,
                                   sizeof outputs_cases / sizeof outputs_cases[0]};

static void sleep_ms(long ms)
{
    const struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* A long run (tiny.json, a million epochs) stopped by sig once its CSV has 3 rows. */
static void stop_by(const hx_case *c, int sig)
{
    const char *argv[] = {"tiny.json", "--quiet", "--epochs", "1000000", NULL};
    pid_t pid = hx_start(argv);
    for (int t = 0; t < 3000 && hx_whole_rows("out/tiny.csv") < 3; t++)
        sleep_ms(10);
    ck_assert_int_eq(kill(pid, sig), 0);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 130, "%s: status %#x", c->name,
                  status);
    ck_assert_uint_ge(hx_whole_rows("out/tiny.csv"), 3);
    size_t n;
    char *json = th_read_bytes("out/tiny.status.json", &n);
    ck_assert_msg(json && strstr(json, "\"interrupted\""), "%s: %s", c->name, json);
    free(json);
}
static void sigint(const hx_case *c)
{
    stop_by(c, SIGINT);
}
static void sigterm(const hx_case *c)
{
    stop_by(c, SIGTERM);
}

/* kill -9 at 20 moments of a run of config (a fixed-seed schedule over its first 300 ms),
 * each restarting the run: the CSV only ever holds whole rows. */
static void kill9_at_20(const char *config, const char *csv, unsigned seed)
{
    const char *argv[] = {config, "--quiet", "--epochs", "1000000", NULL};
    for (int k = 0; k < 20; k++) {
        seed = seed * 1103515245u + 12345u;
        pid_t pid = hx_start(argv);
        sleep_ms((long)(seed >> 16) % 300);
        kill(pid, SIGKILL);
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        hx_whole_rows(csv);
    }
}

static void kill9(const hx_case *c)
{
    kill9_at_20("tiny.json", "out/tiny.csv", 20240601);
    (void)c;
}

/* The same with a header of about 24 KB (500 activation modules, as the example):
 * the header and each row go out in one write, so no kill leaves half a line. */
static void kill9_wide(const hx_case *c)
{
    FILE *f = fopen("wide.json", "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"name\": \"wide\", \"seed\": 1, \"data\": {\"format\": \"idx\", "
          "\"train_images\": \"train-images.gz\", \"train_labels\": \"train-labels.gz\", "
          "\"test_images\": \"test-images\", \"test_labels\": \"test-labels\"}, "
          "\"model\": [",
          f);
    for (int i = 0; i < 500; i++)
        fputs("{\"type\": \"dense\", \"units\": 4}, {\"type\": \"leaky_relu\"}, ", f);
    fputs("{\"type\": \"dense\", \"units\": 4}], \"train\": {\"batch_size\": 64, "
          "\"threads\": 1}, \"output\": {\"csv\": \"out/wide.csv\"}}\n",
          f);
    ck_assert_int_eq(fclose(f), 0);
    kill9_at_20("wide.json", "out/wide.csv", 20241129);
    (void)c;
}

/* Writes fail with EFBIG past 3000 bytes (RLIMIT_FSIZE, SIGXFSZ ignored): exit 4, one
 * line, and the CSV cut back to whole rows. */
static void fsize(const hx_case *c)
{
    const char *argv[] = {"tiny.json", "--quiet", "--epochs", "1000"};
    hx_result r;
    hx_exec(argv, 4, 3000, &r);
    hx_assert_line(c->name, &r, 4, "out/tiny");
    ck_assert_uint_ge(hx_whole_rows("out/tiny.csv"), 1);
    free(r.err);
}

static const hx_case signal_cases[] = {
    {"SIGINT during a run", {NULL}, 130, NULL, 0, NULL, NULL, sigint},
    {"SIGTERM during a run", {NULL}, 130, NULL, 0, NULL, NULL, sigterm},
    {"kill -9 at 20 moments", {NULL}, 0, NULL, 0, NULL, NULL, kill9},
    {"kill -9 at 20 moments, 24 KB header", {NULL}, 0, NULL, 0, NULL, NULL, kill9_wide},
    {"writes fail (RLIMIT_FSIZE)", {NULL}, 4, NULL, 0, NULL, NULL, fsize},
    {"--csv /dev/full",
     {"tiny.json", "--quiet", "--csv", "/dev/full"},
     4,
     "/dev/full",
     0,
     NULL,
     NULL,
     NULL},
};

const hx_table hx_signal_table = {"signal", signal_cases,
                                  sizeof signal_cases / sizeof signal_cases[0]};

static void unreadable(void)
{
    hx_sh("cp tiny.json locked.json && chmod 000 locked.json test-labels && mkdir ro && "
          "chmod 555 ro");
}

static const hx_case perm_cases[] = {
    {"unreadable config",
     {"locked.json", "--quiet"},
     2,
     "Permission denied",
     0,
     unreadable,
     NULL,
     NULL},
    {"unreadable labels",
     {"tiny.json", "--quiet"},
     3,
     "Permission denied",
     0,
     unreadable,
     NULL,
     NULL},
    {"CSV in a read-only folder",
     {"tiny.json", "--quiet", "--csv", "ro/x.csv"},
     4,
     "Permission denied",
     0,
     unreadable,
     NULL,
     NULL},
};

const hx_table hx_perm_table = {"perm", perm_cases, sizeof perm_cases / sizeof perm_cases[0]};

static void mnist_link(void)
{
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "ln -s '%s' mn", hx_mnist());
    hx_sh(cmd);
}

#define MN                                                                                         \
    "--set", "data.test_images=mn/t10k-images-idx3-ubyte.gz", "--set",                             \
        "data.test_labels=mn/t10k-labels-idx1-ubyte.gz"

static const hx_case mnist_cases[] = {
    {"--csv is the MNIST test set",
     {"tiny.json", "--quiet", MN, "--csv", "mn/t10k-images-idx3-ubyte.gz"},
     2,
     "would overwrite the test images",
     0,
     mnist_link,
     NULL,
     NULL},
    {"MNIST test set against 8x8 training images",
     {"tiny.json", "--quiet", MN},
     3,
     "784 features",
     0,
     mnist_link,
     NULL,
     NULL},
};

const hx_table hx_mnist_table = {"mnist", mnist_cases, sizeof mnist_cases / sizeof mnist_cases[0]};
