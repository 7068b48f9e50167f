/* config_doc.c - regenerates the key tables of the config reference (make docs).
 *   config_doc FILE   rewrites the part of FILE between its generated-part markers
 *   config_doc        prints the tables to stdout */
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

int main(int argc, char **argv)
{
    nn_error err = {0};
    if (argc < 2)
        return nn_config_write_reference(stdout, &err) == NN_OK ? 0 : 1;
    char *doc = read_all(argv[1]), *text = NULL;
    if (!doc) {
        fprintf(stderr, "config_doc: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    if (nn_config_splice_reference(doc, argv[1], &text, &err) != NN_OK) {
        fprintf(stderr, "config_doc: %s\n", err.msg);
        free(doc);
        return 1;
    }
    int same = strcmp(doc, text) == 0, rc = 0;
    if (!same) {
        FILE *f = fopen(argv[1], "wb");
        int bad = !f || fputs(text, f) == EOF;
        if ((f && fclose(f) != 0) || bad) {
            fprintf(stderr, "config_doc: %s: %s\n", argv[1], strerror(errno));
            rc = 1;
        }
    }
    if (rc == 0)
        printf("%s: %s\n", argv[1], same ? "up to date" : "key tables regenerated");
    free(doc);
    free(text);
    return rc;
}
