/* config_doc.c - regenerates the key tables of the config reference (make docs).
 *   config_doc FILE...  rewrites the part of each FILE between its generated-part markers:
 *                       Markdown for *.md, roff for a man page (*.1 to *.9), else bash
 *                       (the completion's key lists)
 *   config_doc --check FILE...  changes nothing; exit 1 naming each FILE whose generated
 *                       part differs (what make test checks: this program links the
 *                       library alone, so the tables of the test build's extra entries
 *                       are not in it)
 *   config_doc          prints the Markdown tables to stdout */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/* The whole of path, NUL-terminated (NULL on failure, with errno set). */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, got = 0;
    if (!f)
        return NULL;
    do {
        len += got;
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap = 2 * cap + 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
        }
    } while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0);
    int bad = ferror(f) || got > 0;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* The format of path by its name. */
static nn_ref_format format_of(const char *path)
{
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".md") == 0)
        return NN_REF_MARKDOWN;
    if (n > 2 && path[n - 2] == '.' && path[n - 1] >= '1' && path[n - 1] <= '9')
        return NN_REF_ROFF;
    return NN_REF_BASH;
}

/* Rewrites the generated part of path (only compares it when check); 0 when done (or up
 * to date). */
static int update(const char *path, int check)
{
    nn_error err = {0};
    char *doc = read_all(path), *text = NULL;
    if (!doc) {
        fprintf(stderr, "config_doc: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (nn_config_splice_reference(doc, path, format_of(path), &text, &err) != NN_OK) {
        fprintf(stderr, "config_doc: %s\n", err.msg);
        free(doc);
        return 1;
    }
    int same = strcmp(doc, text) == 0, rc = 0;
    if (!same && check) {
        fprintf(stderr, "config_doc: %s's generated part differs from the config's rows: run "
                        "`make docs`\n", path);
        rc = 1;
    } else if (!same) {
        FILE *f = fopen(path, "wb");
        int bad = !f || fputs(text, f) == EOF;
        if ((f && fclose(f) != 0) || bad) {
            fprintf(stderr, "config_doc: %s: %s\n", path, strerror(errno));
            rc = 1;
        }
    }
    if (rc == 0 && !check)
        printf("%s: %s\n", path, same ? "up to date" : "key tables regenerated");
    free(doc);
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    nn_error err = {0};
    int rc = 0;
    if (argc < 2)
        return nn_config_write_reference(stdout, NN_REF_MARKDOWN, &err) == NN_OK ? 0 : 1;
    int check = strcmp(argv[1], "--check") == 0;
    for (int i = 1 + check; i < argc; i++)
        rc |= update(argv[i], check);
    return rc;
}
