/* hostile/hostile.h - the hostile-input catalogue (suite "hostile"): one table of cases per
 * input kind (config.c, cli.c, data.c, ckpt.c, outputs.c), each case a command line of the
 * binary under test run in a fresh folder holding a tiny data set, with the exit code and a
 * substring of the one error line it must print. suite.c registers every table; run.c runs
 * a case.
 *
 * Every case also asserts: the process exited (no signal, no hang: a timeout kills it),
 * stderr is exactly one line (one '\n', at the end, no other control byte), and, unless
 * the case says HX_WRITES, that no file of its folder was created, changed or rewritten. */
#ifndef NN_TEST_HOSTILE_H
#define NN_TEST_HOSTILE_H

#include <stddef.h>
#include <sys/types.h>

#include "support/fixture.h"

enum {
    HX_WRITES = 1,   /* the command may create or change files (checked by post instead) */
    HX_CKPT = 2,     /* needs ck.safetensors, a checkpoint of tiny.json, before setup */
    HX_SILENT = 4,   /* exit 0 with nothing on stderr */
    HX_FOLDERS = 8,  /* needs png/train and png/test (exported from the IDX sets) */
    HX_MAX_ARGS = 14 /* arguments of a case's command line */
};

typedef struct hx_case {
    const char *name;
    const char *argv[HX_MAX_ARGS]; /* after the binary; ends at the first NULL */
    int code;                      /* the exit code */
    const char *needle;            /* a substring of the error line (NULL: any line) */
    unsigned flags;
    void (*setup)(void);                  /* more fixture files, in the current folder */
    void (*post)(void);                   /* more checks after the run */
    void (*run)(const struct hx_case *c); /* replaces the command line: a custom case */
} hx_case;

typedef struct hx_table {
    const char *kind;
    const hx_case *cases;
    size_t n;
} hx_table;

/* The tables, by input kind. */
extern const hx_table hx_config_table, hx_set_table, hx_cli_table, hx_idx_table, hx_folder_table,
    hx_ckpt_table, hx_sweep_table, hx_outputs_table, hx_signal_table, hx_perm_table, hx_mnist_table;

/* Checked fixture: a fresh folder holding the tiny run of fixture.h (th_tiny_run, its
 * tiny.json on one thread), made the current folder. */
void hx_setup(void);
void hx_teardown(void);
/* The MNIST folder, absolute ("" when absent). */
const char *hx_mnist(void);
/* The binary under test, absolute. */
const char *hx_bin(void);
/* Runs table t's case i, with its checks. */
void hx_run_case(const hx_table *t, size_t i);

/* What a command did. */
typedef struct hx_result {
    int exited, code, signal, timed_out;
    char *err; /* its stderr (malloc'ed) */
    double seconds;
} hx_result;
/* Runs the binary with argv (argv[0] is the first argument) in the current folder, stdin
 * from /dev/null, stdout discarded; fsize_limit > 0 sets RLIMIT_FSIZE (SIGXFSZ ignored). */
void hx_exec(const char *const *argv, size_t argc, long fsize_limit, hx_result *r);
/* Starts it without waiting (stdout and stderr to files outside the folder). */
pid_t hx_start(const char *const *argv);
/* Asserts r exited with code and one clean line holding needle (NULL: any). */
void hx_assert_line(const char *name, const hx_result *r, int code, const char *needle);

/* Fixture builders (paths relative to the case's folder). */
void hx_sh(const char *cmd); /* a shell command, which must succeed */
/* An IDX image (magic 0x803) or label (0x801) file with the given header dims and
 * payload bytes (pattern), gzipped when gz. */
void hx_idx(const char *path, int labels, unsigned n, unsigned rows, unsigned cols, size_t payload,
            int gz);
/* A PNG of w x h, bit depth 8 or 16, color type 0 (gray) or 2 (RGB), from a pattern. */
void hx_png(const char *path, unsigned w, unsigned h, int depth, int color);
/* A copy of ck.safetensors with the first `from` in its JSON header replaced by `to`. */
void hx_ckpt_edit(const char *out, const char *from, const char *to);
/* Asserts the CSV at path (when it exists) has whole rows only: every line ends in '\n'
 * and has the header's number of commas; returns the number of data rows. */
size_t hx_whole_rows(const char *path);

#endif
