/* fetch.c - "nntrain fetch mnist [--source DIR|URL] [--dest DIR]": runs the fetch script
 * (scripts/fetch-mnist.sh, installed as $(LIBEXECDIR)/fetch-mnist), which copies or
 * downloads the four files into DIR and verifies them against its SHA-256 list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#if !defined(NNTRAIN_LIBEXECDIR) || !defined(NNTRAIN_PKGDATADIR)
#error "NNTRAIN_LIBEXECDIR and NNTRAIN_PKGDATADIR come from the Makefile (LIBEXECDIR, PKGDATADIR)"
#endif

static const char fetch_usage[] =
    "usage: nntrain fetch mnist [--source DIR|URL] [--dest DIR]\n"
    "\n"
    "Puts the four MNIST files into DIR (default: <data root>/mnist) and verifies their\n"
    "SHA-256. The data root is $NNTRAIN_DATA, else $XDG_DATA_HOME/nntrain, else\n"
    "~/.local/share/nntrain: where a config's data/ paths are looked up when the current\n"
    "directory has no such file, so data/mnist/... then finds them (docs/data.md).\n"
    "\n"
    "  --source DIR|URL  a folder holding the files (copied) or an http(s) base URL;\n"
    "                    default $MNIST_SOURCE, else the public mirrors\n"
    "  --dest DIR        the folder to fill (created when missing)\n"
    "\n"
    "Files already there and verified are kept; a damaged one is fetched again, unless\n"
    "it is the source's own file (--source DIR naming DIR): that one is reported and left\n"
    "as it is. Exit codes: 0 done, 2 usage, 3 a file could not be fetched or failed\n"
    "verification (a bad copy is not kept), 4 system error.\n"
    "The work is done by the script $NNTRAIN_LIBEXEC/fetch-mnist when that is set, else\n"
    "scripts/fetch-mnist.sh of the source tree this program is in (./nntrain or\n"
    "build/nntrain), else " NNTRAIN_LIBEXECDIR "/fetch-mnist.\n";

typedef struct fetch_args {
    const char *source, *dest;
} fetch_args;

/* --name VALUE or --name=VALUE at argv[*i]: 1 and *out set (*i past it), 0 when argv[*i] is
 * not that option, -1 after a message when its value is missing. */
static int take(char **argv, int argc, int *i, const char *name, const char **out)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=' && argv[*i][n + 1]) {
        *out = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc || !argv[*i + 1][0] || strncmp(argv[*i + 1], "--", 2) == 0) {
        cli_usage_error("fetch: '%s' needs a value (see nntrain fetch --help)", name);
        return -1;
    }
    *out = argv[++*i];
    return 1;
}

/* argv[0] is "fetch". -1 to go on, else the exit code. */
static int parse_fetch(int argc, char **argv, fetch_args *a)
{
    int named = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(fetch_usage, stdout);
            return 0;
        }
        int r = take(argv, argc, &i, "--source", &a->source);
        if (r == 0)
            r = take(argv, argc, &i, "--dest", &a->dest);
        if (r < 0)
            return NN_ECONFIG;
        if (r > 0)
            continue;
        if (argv[i][0] == '-' || named || strcmp(argv[i], "mnist") != 0) {
            cli_usage_error("fetch: '%s' is not %s (see nntrain fetch --help)", argv[i],
                            argv[i][0] == '-' ? "an option" : "a data set this fetches (mnist)");
            return NN_ECONFIG;
        }
        named = 1;
    }
    if (!named) {
        fputs("nntrain: fetch: name the data set: nntrain fetch mnist (see --help)\n", stderr);
        return NN_ECONFIG;
    }
    return -1;
}

/* The fetch script: $NNTRAIN_LIBEXEC/fetch-mnist when that is set, else
 * scripts/fetch-mnist.sh of the source tree this program is in (./nntrain, build/nntrain),
 * else the installed one. *installed: 1 for the last (its checksums are then in
 * NNTRAIN_PKGDATADIR). Fills buf; 0 after a message when there is none. */
static int find_script(char *buf, size_t len, int *installed)
{
    const char *env = getenv("NNTRAIN_LIBEXEC");
    *installed = 0;
    if (env && *env) {
        snprintf(buf, len, "%s/fetch-mnist", env);
        if (access(buf, X_OK) == 0)
            return 1;
        cli_usage_error("fetch: %s: %s (NNTRAIN_LIBEXEC names the folder of fetch-mnist)", buf,
                        strerror(errno));
        return 0;
    }
    static const char *const in_tree[] = {"/scripts/fetch-mnist.sh", "/../scripts/fetch-mnist.sh"};
    char self[2048], tried[4096] = "";
    size_t used = 0;
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    for (size_t i = 0; slash && i < sizeof in_tree / sizeof in_tree[0]; i++) {
        *slash = '\0';
        int w = snprintf(buf, len, "%s%s", self, in_tree[i]);
        if (w > 0 && (size_t)w < len && access(buf, X_OK) == 0)
            return 1;
        if (used < sizeof tried)
            used += (size_t)snprintf(tried + used, sizeof tried - used, "%s, ", buf);
    }
    snprintf(buf, len, "%s/fetch-mnist", NNTRAIN_LIBEXECDIR);
    *installed = 1;
    if (access(buf, X_OK) == 0)
        return 1;
    cli_usage_error("fetch: no fetch script (looked for %s%s); reinstall nntrain, or set "
                    "NNTRAIN_LIBEXEC to the folder holding fetch-mnist",
                    tried, buf);
    return 0;
}

int cli_fetch(int argc, char **argv)
{
    fetch_args a = {0};
    int code = parse_fetch(argc, argv, &a);
    if (code >= 0)
        return code;
    char *dest = NULL;
    nn_error err = {0};
    if (!a.dest) {
        nn_data_env env = cli_data_env();
        nn_status st = nn_data_root(&env, &dest, &err);
        if (st != NN_OK) {
            fprintf(stderr, "nntrain: fetch: %s\n", err.msg);
            return (int)st;
        }
        if (!dest) {
            fputs("nntrain: fetch: no data root (NNTRAIN_DATA, XDG_DATA_HOME and HOME are "
                  "unset); give --dest DIR\n",
                  stderr);
            return NN_ECONFIG;
        }
    }
    char script[4096], mnist[4096];
    int installed;
    if (dest)
        snprintf(mnist, sizeof mnist, "%s/mnist", dest);
    free(dest);
    if (!find_script(script, sizeof script, &installed))
        return NN_ESYS;
    const char *args[8] = {script, "--dest", a.dest ? a.dest : mnist};
    size_t n = 3;
    if (a.source) {
        args[n++] = "--source";
        args[n++] = a.source;
    }
    if (installed) {
        args[n++] = "--sums";
        args[n++] = NNTRAIN_PKGDATADIR "/mnist.sha256";
    }
    args[n] = NULL;
    fflush(NULL);
    execv(script, (char *const *)args);
    cli_usage_error("fetch: cannot run %s: %s", script, strerror(errno));
    return NN_ESYS;
}
