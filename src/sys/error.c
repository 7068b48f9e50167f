/* error.c - the one-line error message. Whatever a message quotes (a file name, a JSON key,
 * an option) may come from the user or from a hostile file: after formatting, control
 * characters become visible escapes (\n, \t, \x1b) and bytes that are not valid UTF-8
 * become \xNN, so a message is always one line and never drives the terminal. */
#include "sys/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || len > n || s[0] >= 0xF8)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((len == 3 && s[0] == 0xE0 && s[1] < 0xA0) || (len == 4 && s[0] == 0xF0 && s[1] < 0x90) ||
        (len == 4 && s[0] == 0xF4 && s[1] >= 0x90) || (len == 3 && s[0] == 0xED && s[1] >= 0xA0))
        return 0; /* overlong, past U+10FFFF, or a surrogate */
    return len;
}

/* raw, escaped into out (size n, always terminated, cut at a whole escape). */
static void escape_line(const char *raw, char *out, size_t n)
{
    const unsigned char *s = (const unsigned char *)raw;
    size_t len = strlen(raw), o = 0;
    for (size_t i = 0; i < len;) {
        char piece[8];
        size_t k, take = 1;
        if (s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
            k = (size_t)snprintf(piece, sizeof piece, "\\%c", s[i] == '\n' ? 'n' : s[i] == '\t' ? 't' : 'r');
        } else if (s[i] < 0x20 || s[i] == 0x7F) {
            k = (size_t)snprintf(piece, sizeof piece, "\\x%02x", s[i]);
        } else if (s[i] < 0x80) {
            piece[0] = (char)s[i], k = 1;
        } else if ((take = utf8_len(s + i, len - i)) > 0) {
            memcpy(piece, s + i, take), k = take;
        } else {
            take = 1;
            k = (size_t)snprintf(piece, sizeof piece, "\\x%02x", s[i]);
        }
        if (o + k + 1 > n)
            break;
        memcpy(out + o, piece, k);
        o += k;
        i += take;
    }
    out[o] = '\0';
}

nn_status nn_vfail(nn_error *err, nn_status code, const char *fmt, va_list ap)
{
    if (err) {
        char raw[sizeof err->msg];
        vsnprintf(raw, sizeof raw, fmt, ap);
        escape_line(raw, err->msg, sizeof err->msg);
        err->code = code;
    }
    return code;
}

nn_status nn_fail(nn_error *err, nn_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    nn_vfail(err, code, fmt, ap);
    va_end(ap);
    return code;
}
