/* support/ref.c - see ref.h. */
#include "support/ref.h"

#include <stdlib.h>
#include <string.h>

#include "support/fixture.h"
#include "support/helpers.h"

/* Parses one line into row (0), or -1 when it has no tab. */
static int parse_line(char *line, th_ref_row *row)
{
    char *tab = strrchr(line, '\t');
    if (!tab)
        return -1;
    *tab = '\0';
    row->key = strdup(line);
    row->text = strdup(tab + 1);
    size_t cap = 1;
    for (const char *p = tab + 1; *p; p++)
        cap += *p == ',';
    row->v = malloc(cap * sizeof *row->v);
    row->n = 0;
    if (!row->key || !row->text || !row->v)
        return -1;
    for (char *p = tab + 1; *p;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p)
            break;
        row->v[row->n++] = x;
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

int th_ref_load(th_ref *r, const char *path)
{
    memset(r, 0, sizeof *r);
    char *text = th_slurp(path);
    if (!text)
        return -1;
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == '\n';
    r->rows = calloc(cap, sizeof *r->rows);
    int bad = r->rows == NULL;
    for (char *line = text, *next; !bad && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        bad = parse_line(line, &r->rows[r->n++]) != 0;
    }
    free(text);
    if (bad)
        th_ref_free(r);
    return bad ? -1 : 0;
}

void th_ref_free(th_ref *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->rows[i].key);
        free(r->rows[i].v);
        free(r->rows[i].text);
    }
    free(r->rows);
    memset(r, 0, sizeof *r);
}

const th_ref_row *th_ref_find(const th_ref *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->rows[i].key, key) == 0)
            return &r->rows[i];
    return NULL;
}
