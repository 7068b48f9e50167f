/* locate.c - a data spec's paths found in the current directory or under the data root
 * (locate.h). */
#include "data/locate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/fs.h"

static const char data_prefix[] = "data/";

static int is_set(const char *s)
{
    return s && *s;
}

/* a + "/" + b (a's trailing slashes dropped; b empty: a alone), malloc'ed; NULL when out of
 * memory. */
static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/')
        la--;
    char *s = malloc(la + lb + 2);
    if (s)
        snprintf(s, la + lb + 2, "%.*s%s%s", (int)la, a, lb ? "/" : "", b);
    return s;
}


nn_status nn_data_root(const nn_data_env *env, char **root, nn_error *err)
{
    *root = NULL;
    if (is_set(env->nntrain_data))
        *root = join(env->nntrain_data, "");
    else if (is_set(env->xdg_data_home) && env->xdg_data_home[0] == '/') /* XDG: absolute only */
        *root = join(env->xdg_data_home, "nntrain");
    else if (is_set(env->home))
        *root = join(env->home, ".local/share/nntrain");
    else
        return NN_OK;
    return *root ? NN_OK : nn_fail(err, NN_ESYS, "out of memory");
}

/* The one line for a data/ path found nowhere; cand: where the root would have it (NULL:
 * no root set). */
static nn_status not_found(const char *what, const char *path, const char *cand, nn_error *err)
{
    const char *rest = path + strlen(data_prefix);
    int mnist = strncmp(rest, "mnist/", 6) == 0;
    return nn_fail(err, NN_EDATA, "%s: %s not found (looked in ./%s%s%s); %s", what, path, path,
                   cand ? ", " : "; no data root: NNTRAIN_DATA and HOME are unset",
                   cand ? cand : "",
                   mnist ? "run 'nntrain fetch mnist' or set NNTRAIN_DATA"
                         : "put it there or set NNTRAIN_DATA (docs/data.md)");
}

nn_status nn_data_locate(const char *what, const char *path, const nn_data_env *env, char **out,
                         nn_error *err)
{
    *out = NULL;
    /* A path that is there, or there but unusable (a symlink loop), is kept as given: its
     * loader says what is wrong with it. */
    if (path[0] == '/' || strncmp(path, data_prefix, strlen(data_prefix)) != 0 ||
        !nn_path_missing(path)) {
        *out = strdup(path);
        return *out ? NN_OK : nn_fail(err, NN_ESYS, "out of memory");
    }
    char *root;
    nn_status st = nn_data_root(env, &root, err);
    if (st != NN_OK)
        return st;
    char *cand = root ? join(root, path + strlen(data_prefix)) : NULL;
    free(root);
    if (root && !cand)
        return nn_fail(err, NN_ESYS, "out of memory");
    if (cand && !nn_path_missing(cand)) {
        *out = cand;
        return NN_OK;
    }
    st = not_found(what, path, cand, err);
    free(cand);
    return st;
}

nn_status nn_data_locate_spec(nn_data_spec *d, const char *source, const nn_data_env *env,
                              nn_error *err)
{
    struct {
        char **path;
        const char *key;
    } paths[] = {
        {&d->train_images, "data.train_images"}, {&d->train_labels, "data.train_labels"},
        {&d->test_images, "data.test_images"},   {&d->test_labels, "data.test_labels"},
        {&d->train_dir, "data.train_dir"},       {&d->test_dir, "data.test_dir"},
    };
    nn_status first = NN_OK;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (!*paths[i].path)
            continue;
        char what[512], *found;
        snprintf(what, sizeof what, "%s: %s", source ? source : "config", paths[i].key);
        nn_error e = {0};
        nn_status st = nn_data_locate(what, *paths[i].path, env, &found, &e);
        if (st == NN_OK) {
            free(*paths[i].path);
            *paths[i].path = found;
        } else if (first == NN_OK) {
            first = st;
            if (err)
                *err = e;
        }
    }
    return first;
}
