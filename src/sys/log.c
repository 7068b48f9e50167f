#include "sys/log.h"

#include <stdarg.h>
#include <stdio.h>

void nn_say(const nn_hooks *h, const char *fmt, ...)
{
    if (!h || !h->log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    h->log(h->ctx, line);
}
