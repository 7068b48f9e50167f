/* suggest.c - did-you-mean by optimal-string-alignment (Damerau) distance. */
#include "config/suggest.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* Case-insensitive OSA distance; SIZE_MAX when a string is too long to be worth
 * comparing. */
static size_t edit_distance(const char *a, const char *b)
{
    enum { L = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= L || lb >= L)
        return SIZE_MAX;
    size_t prev2[L + 1], prev[L + 1], cur[L + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        memcpy(prev2, prev, sizeof prev);
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

const char *nn_cfg_closest(const char *const *cands, const char *s)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; cands[i]; i++) {
        size_t len = strlen(cands[i]);
        size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
        size_t d = edit_distance(s, cands[i]);
        if (d <= limit && d < best_d && (d < strlen(s) || d == 0)) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}
