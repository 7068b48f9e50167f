#include "sys/log.h"

#include <stdarg.h>
#include <stdio.h>

void nn_logf(nn_log_fn log, void *ctx, const char *fmt, ...)
{
    if (!log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log(ctx, line);
}
