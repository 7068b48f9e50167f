/* status.h - the run's status file beside its CSV ("runs/x.csv" -> "runs/x.status.json"),
 * for programs that must know how a run ended without parsing messages:
 *
 *   {"status": "running" | "ok" | "diverged" | "exploded" | "interrupted" | "error",
 *    "epochs_done": N, "epochs": N, "epoch": E, "step": S (diverged, exploded, interrupted),
 *    "reason": "<the error line>" (diverged, exploded, interrupted, error),
 *    "widths": {"<module index>": units, ...} (every activation module), "hidden_units": N,
 *    "constant_output": true | false, "revived": N, "max_dead_frac": F (once an epoch's
 *    probe was recorded: nn_dead_record),
 *    "nntrain_version": "0.1.0", "gemm_kernel": "avx512", "command": ["nntrain", ...],
 *    "config": {the resolved config, with output.csv the CSV's path} (how the run was
 *    made: nn_run_made; each one left out when not known)}
 *
 * epochs_done counts the training epochs whose CSV row was written. constant_output is the
 * last epoch probe's; revived counts the units dead at some epoch's probe and alive at the
 * last; max_dead_frac is the largest dead fraction of the epoch probes. Each write replaces
 * the file atomically (a temporary file in the same folder, then rename). */
#ifndef NN_STATUS_H
#define NN_STATUS_H

#include <stddef.h>

#include "run/dead.h"

/* How a run was made, recorded in its status file (and its checkpoints): what
 * reproduces it. NULL members are left out. */
typedef struct nn_run_made {
    const char *config;  /* the resolved config (JSON text, --set applied) */
    const char *command; /* the command line, a JSON array of strings (nn_config.command) */
    const char *kernel;  /* the GEMM kernel its products ran on (nn_gemm_kernel): the dead
                            counts at high learning rates depend on it */
} nn_run_made;

typedef struct nn_run_status {
    char *path;          /* NULL: the CSV goes to stdout, no status file */
    const char *csv;     /* the CSV's path, which the recorded config names */
    nn_run_made made;
    const nn_dead *dead; /* the layer widths */
    size_t epochs;
    int exploded; /* set before the end: the run stopped with a finite, exploded loss */
} nn_run_status;

/* Writes "running" beside csv (nothing for "-"), with how the run was made (made: NULL,
 * nothing but the version; csv and made's strings must outlive s). NN_ESYS when it cannot
 * be written. */
nn_status nn_run_status_begin(nn_run_status *s, const char *csv, const nn_dead *dead, size_t epochs,
                              const nn_run_made *made, nn_error *err);

/* Writes how the run ended: run_st NN_OK -> "ok", NN_ETRAIN -> "diverged" (or "exploded"
 * when s->exploded is set) at epoch/step, NN_EINTR -> "interrupted" at epoch/step,
 * anything else -> "error"; run_err->msg is the reason. Nothing when begin was not called
 * or wrote nothing. NN_ESYS when the file cannot be written. */
nn_status nn_run_status_end(nn_run_status *s, nn_status run_st, const nn_error *run_err,
                            size_t epochs_done, size_t epoch, size_t step, nn_error *err);

/* Frees the path (the file stays). */
void nn_run_status_free(nn_run_status *s);

/* A command line as one line a shell reads back as the same words (malloc'ed; NULL when
 * out of memory): plain words as they are, others in single quotes, and words holding a
 * control character as $'...' with \n, \t, \xNN. */
char *nn_command_text(size_t argc, const char *const *argv);
/* The same from a recorded command (a JSON array of strings); NULL when json is not one,
 * or out of memory. */
char *nn_command_text_json(const char *json);

#endif
