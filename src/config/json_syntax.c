/* json_syntax.c - cJSON parses; this file explains its failures.
 *
 * Why a second recognizer beside cJSON: on a syntax error cJSON reports only where it
 * stopped, which can lie past the real spot (after a trailing comma it points behind the
 * '}'), and not what it expected there or which bracket was left open. The strict
 * recognizer below runs only after cJSON failed, to say that; it builds nothing. */
#include "config/json_syntax.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The text at p, up to one line and ~24 bytes, with non-printable ASCII as '?' and no
 * cut UTF-8 sequence at the end. */
static void excerpt(char *buf, size_t n, const char *p)
{
    size_t k = 0;
    while (p[k] && p[k] != '\n' && p[k] != '\r' && k < 24 && k + 1 < n) {
        unsigned char ch = (unsigned char)p[k];
        buf[k] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
        k++;
    }
    size_t j = k;
    while (j > 0 && ((unsigned char)buf[j - 1] & 0xC0) == 0x80)
        j--;
    if (j > 0 && ((unsigned char)buf[j - 1] & 0x80)) {
        unsigned char lead = (unsigned char)buf[j - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (k - (j - 1) < need)
            k = j - 1;
    }
    buf[k] = '\0';
}

/* A hint for common mistakes at the error position. */
static const char *syntax_hint(const char *json, size_t off)
{
    size_t j = off;
    if (json[off] == '/' && (json[off + 1] == '/' || json[off + 1] == '*'))
        return " (JSON has no comments)";
    while (j > 0 && isspace((unsigned char)json[j - 1]))
        j--;
    if (j > 0 && json[j - 1] == ',' && (json[off] == '}' || json[off] == ']'))
        return " (trailing comma?)";
    if (json[off] == '\'')
        return " (JSON strings use double quotes)";
    return "";
}

typedef struct scan {
    const char *s;
    size_t i;
    const char *why; /* set at the first error; s + i is where */
    size_t open;     /* offset of the innermost unclosed string, { or [ */
} scan;

enum { SCAN_MAX_DEPTH = 1000 };

static int scan_fail(scan *sc, const char *why)
{
    if (!sc->why)
        sc->why = why;
    return 0;
}

static void scan_ws(scan *sc)
{
    sc->i += strspn(sc->s + sc->i, " \t\r\n");
}

static int scan_string(scan *sc)
{
    size_t start = sc->i++;
    for (;;) {
        unsigned char ch = (unsigned char)sc->s[sc->i];
        if (ch == '"') {
            sc->i++;
            return 1;
        }
        if (ch == '\0') {
            sc->open = start;
            return scan_fail(sc, "unexpected end of text inside a string");
        }
        if (ch < 0x20)
            return scan_fail(sc, "control character inside a string (write \\n, \\t, ...)");
        if (ch == '\\') {
            char e = sc->s[sc->i + 1];
            size_t hex = e == 'u' ? strspn(sc->s + sc->i + 2, "0123456789abcdefABCDEF") : 0;
            if (!e || !strchr("\"\\/bfnrtu", e) || (e == 'u' && hex < 4))
                return scan_fail(sc, "invalid escape in a string");
            sc->i += e == 'u' ? 6 : 2;
            continue;
        }
        sc->i++;
    }
}

static int scan_number(scan *sc)
{
    const char *p = sc->s + sc->i, *q = p;
    q += *q == '-';
    if (*q == '0')
        q++;
    else if (isdigit((unsigned char)*q))
        q += strspn(q, "0123456789");
    else
        return scan_fail(sc, "expected a value");
    if (*q == '.') {
        if (!isdigit((unsigned char)q[1]))
            return sc->i = (size_t)(q + 1 - sc->s), scan_fail(sc, "expected a digit after '.'");
        q += 1 + strspn(q + 1, "0123456789");
    }
    if (*q == 'e' || *q == 'E') {
        q += 1 + (q[1] == '+' || q[1] == '-');
        if (!isdigit((unsigned char)*q))
            return sc->i = (size_t)(q - sc->s), scan_fail(sc, "expected a digit in the exponent");
        q += strspn(q, "0123456789");
    }
    sc->i = (size_t)(q - sc->s);
    return 1;
}

static int scan_value(scan *sc, int depth);

/* The members of an object or the items of an array, after the opening bracket. */
static int scan_container(scan *sc, int depth, char close)
{
    scan_ws(sc);
    if (sc->s[sc->i] == close) {
        sc->i++;
        return 1;
    }
    for (;;) {
        if (close == '}') {
            if (sc->s[sc->i] != '"')
                return scan_fail(sc, "expected a key in double quotes");
            if (!scan_string(sc))
                return 0;
            scan_ws(sc);
            if (sc->s[sc->i] != ':')
                return scan_fail(sc, "expected ':' after the key");
            sc->i++;
        }
        if (!scan_value(sc, depth + 1))
            return 0;
        scan_ws(sc);
        char ch = sc->s[sc->i];
        if (ch == close) {
            sc->i++;
            return 1;
        }
        if (ch != ',')
            return scan_fail(sc, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        sc->i++;
        scan_ws(sc);
    }
}

static int scan_value(scan *sc, int depth)
{
    static const char *const lits[] = {"true", "false", "null"};
    scan_ws(sc);
    char ch = sc->s[sc->i];
    if (depth > SCAN_MAX_DEPTH)
        return scan_fail(sc, "nested too deeply");
    if (ch == '\0')
        return scan_fail(sc, "unexpected end of text");
    if (ch == '{' || ch == '[') {
        size_t start = sc->i++;
        if (scan_container(sc, depth, ch == '{' ? '}' : ']'))
            return 1;
        if (!sc->s[sc->i] && sc->open == SIZE_MAX)
            sc->open = start; /* the innermost bracket left open at the end */
        return 0;
    }
    if (ch == '"')
        return scan_string(sc);
    for (size_t k = 0; k < 3; k++)
        if (strncmp(sc->s + sc->i, lits[k], strlen(lits[k])) == 0) {
            sc->i += strlen(lits[k]);
            return 1;
        }
    return scan_number(sc);
}

/* 1-based line and column (in bytes) of offset off. */
static void line_col(const char *s, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++, (*col)++)
        if (s[i] == '\n') {
            (*line)++;
            *col = 0;
        }
}

/* Fills sc with the first syntax error of s; 0 when s is valid JSON. */
static int scan_json(scan *sc, const char *s)
{
    memset(sc, 0, sizeof *sc);
    sc->s = s;
    sc->open = SIZE_MAX;
    if (strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        sc->i = 3;
    if (scan_value(sc, 0)) {
        scan_ws(sc);
        if (!sc->s[sc->i])
            return 0;
        scan_fail(sc, "unexpected text after the JSON value");
    }
    return 1;
}

static nn_status syntax_error(const nn_cfg_ctx *c, const char *json, const char *cjson_end)
{
    scan sc;
    size_t len = strlen(json), line, col;
    if (!scan_json(&sc, json)) { /* cJSON failed where the recognizer did not */
        sc.i = cjson_end && cjson_end >= json ? (size_t)(cjson_end - json) : 0;
        sc.why = NULL;
    }
    if (sc.i > len)
        sc.i = len;
    line_col(json, sc.i, &line, &col);
    char where[96], near[32], opened[64] = "";
    snprintf(where, sizeof where, "%zu:%zu (byte %zu)", line, col, sc.i);
    if (strspn(json, " \t\r\n") == len)
        return nn_fail(c->err, NN_ECONFIG, "%s:%s: invalid JSON: the text is empty", c->src, where);
    if (sc.open != SIZE_MAX) {
        size_t ol, oc;
        line_col(json, sc.open, &ol, &oc);
        snprintf(opened, sizeof opened, " (the '%c' at %zu:%zu is not closed)", json[sc.open], ol,
                 oc);
    }
    if (sc.i >= len)
        return nn_fail(c->err, NN_ECONFIG, "%s:%s: invalid JSON: unexpected end of text%s", c->src,
                       where, opened);
    excerpt(near, sizeof near, json + sc.i);
    return nn_fail(c->err, NN_ECONFIG, "%s:%s: invalid JSON near '%s'%s%s%s", c->src, where, near,
                   sc.why ? ": " : "", sc.why ? sc.why : "", syntax_hint(json, sc.i));
}

long nn_cfg_nul_escape(const char *s)
{
    for (const char *p = s; (p = strchr(p, '\\')) != NULL; p += 2) {
        if (p[1] == '\0')
            break;
        if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0)
            return (long)(p - s);
    }
    return -1;
}

nn_status nn_cfg_parse_json(const nn_cfg_ctx *c, const char *json, cJSON **out)
{
    const char *end = NULL;
    long nul = nn_cfg_nul_escape(json);
    *out = NULL;
    if (nul >= 0) {
        size_t line, col;
        line_col(json, (size_t)nul, &line, &col);
        return nn_fail(c->err, NN_ECONFIG,
                       "%s:%zu:%zu (byte %ld): a string contains \\u0000 (a NUL character), "
                       "which no key or value may hold",
                       c->src, line, col, nul);
    }
    *out = cJSON_ParseWithOpts(json, &end, 1);
    return *out ? NN_OK : syntax_error(c, json, end);
}
