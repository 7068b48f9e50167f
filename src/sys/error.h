/* error.h - status codes and the one-line error message every fallible call fills.
 *
 * A function that can fail returns an nn_status (0 = NN_OK) and, on failure, writes
 * one human line into an nn_error: what is wrong, where (file, JSON path, byte
 * offset) and what would be right. Libraries never print and never exit(); main()
 * prints err.msg and uses the status as the process exit code. */
#ifndef NN_ERROR_H
#define NN_ERROR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum nn_status {
    NN_OK = 0,
    NN_ETRAIN = 1,  /* training diverged (NaN/Inf loss or activations) */
    NN_ECONFIG = 2, /* bad command line or configuration */
    NN_EDATA = 3,   /* missing, truncated or malformed data file */
    NN_ESYS = 4,    /* out of memory, cannot write an output file */
    NN_EINTR = 130  /* the caller asked the run to stop (nn_hooks.stop); 128 + SIGINT */
} nn_status;

typedef struct nn_error {
    nn_status code;
    char msg[1024];
} nn_error;

/* Formats the message into err (when err is not NULL), stores code, returns code. */
nn_status nn_fail(nn_error *err, nn_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with a va_list. */
nn_status nn_vfail(nn_error *err, nn_status code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
