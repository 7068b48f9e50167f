/* load.h - the training and test sets a data spec names, whatever their format (IDX files
 * or image folders).
 *
 * The library never prints: summaries (counts, classes, ignored and skipped files, load
 * times) go to the log hook, decoding progress to the load hook. */
#ifndef NN_LOAD_H
#define NN_LOAD_H

#include <stddef.h>

#include "data/dataset.h"
#include "data/spec.h"
#include "sys/error.h"
#include "sys/log.h"

/* Loads both sets named by d (limits applied; image folders: same class names required,
 * decoded in parallel, bad files handled per on_bad_file). source names where d comes
 * from in messages (the config file; NULL: "<config>"). threads is the run's thread count
 * (0: all cores): IDX sets load on two threads unless it is 1. On failure both data sets
 * are zeroed. NN_EDATA for bad data, NN_ECONFIG for a limit that does not fit the data,
 * NN_ESYS when out of memory, NN_EINTR once *hooks->stop is set (an IDX file that is a
 * pipe or FIFO stops waiting for its data then). */
nn_status nn_data_load(const nn_data_spec *d, const char *source, int threads,
                       const nn_hooks *hooks, nn_dataset *train, nn_dataset *test, nn_error *err);

/* Work on the test set alone, done by the thread that loaded it while the other still
 * loads the training set (IDX sets on two threads only; it gets the loaded test set). */
typedef void (*nn_beside_fn)(void *ctx, const nn_dataset *test);

/* nn_data_load, with beside(ctx, test) run as soon as the test set has loaded, beside the
 * training set's load, when both load on threads of their own (IDX files, more than one
 * thread); not called otherwise, nor when the test set fails to load. */
nn_status nn_data_load_beside(const nn_data_spec *d, const char *source, int threads,
                              const nn_hooks *hooks, nn_dataset *train, nn_dataset *test,
                              nn_beside_fn beside, void *ctx, nn_error *err);

#endif
