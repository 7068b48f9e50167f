/* locate.h - where a config's data files are: in the current directory, or under the data
 * root (docs/data.md, "Where the data is found").
 *
 * A relative data path is used as given when it exists from the current directory (an
 * in-tree "./nntrain configs/mnist_leaky.json" reads ./data/mnist/...). Otherwise a path
 * that begins with "data/" is looked up under the data root with that prefix dropped:
 * data/mnist/x.gz -> <root>/mnist/x.gz. Absolute paths, and relative ones not under
 * data/, are used as given. The root is $NNTRAIN_DATA, else $XDG_DATA_HOME/nntrain, else
 * $HOME/.local/share/nntrain. The library reads no environment: the caller passes the
 * three values (the command line takes them from getenv). */
#ifndef NN_LOCATE_H
#define NN_LOCATE_H

#include "data/spec.h"
#include "sys/error.h"

/* The environment the data root comes from; NULL or "" = unset. */
typedef struct nn_data_env {
    const char *nntrain_data;  /* $NNTRAIN_DATA: the root itself */
    const char *xdg_data_home; /* $XDG_DATA_HOME: root = it + "/nntrain" (absolute only) */
    const char *home;          /* $HOME: root = it + "/.local/share/nntrain" */
} nn_data_env;

/* *root (malloc'ed): the data root env gives, or NULL when none is set (NN_OK). NN_ESYS
 * when out of memory. */
nn_status nn_data_root(const nn_data_env *env, char **root, nn_error *err);

/* *out (malloc'ed): where path is found by the rule above. A data/ path found in neither
 * place fails with NN_EDATA and one line: "<what>: <path> not found (looked in ./<path>,
 * <root>/<rest>); run 'nntrain fetch mnist' or set NNTRAIN_DATA" (the fetch hint for
 * data/mnist/ paths). what names the path in that line ("configs/x.json:
 * data.train_images"). */
nn_status nn_data_locate(const char *what, const char *path, const nn_data_env *env, char **out,
                         nn_error *err);

/* Replaces each path of d (train_images, train_labels, test_images, test_labels,
 * train_dir, test_dir) with where nn_data_locate finds it, so that loading,
 * nn_check_outputs and the sweep's checks all see the files read. Every path that is
 * found is replaced, even after one that is not; the first failure is returned. source
 * names where d comes from in messages ("configs/x.json: data.train_images"; NULL:
 * "config"). */
nn_status nn_data_locate_spec(nn_data_spec *d, const char *source, const nn_data_env *env,
                              nn_error *err);

#endif
