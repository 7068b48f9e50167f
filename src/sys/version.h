/* version.h - the version of nntrain this library is (the file VERSION), for the records a
 * run keeps of how it was made (the status file, checkpoints, eval). */
#ifndef NN_VERSION_H
#define NN_VERSION_H

/* "0.1.0": the Makefile compiles version.c with NNTRAIN_VERSION from the file VERSION. */
const char *nn_version(void);

#endif
