/* version.c - the library's version, compiled in from the file VERSION (Makefile). */
#include "sys/version.h"

#ifndef NNTRAIN_VERSION
#error "NNTRAIN_VERSION comes from the file VERSION (the Makefile passes it)"
#endif

const char *nn_version(void)
{
    return NNTRAIN_VERSION;
}
