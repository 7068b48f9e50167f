/* fuzz_config.c - libFuzzer harness for the config parser and --set overrides: the input
 * is JSON text, optionally followed by a line "--set" and one override per line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

enum { MAX_OVERRIDES = 16 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *sets[MAX_OVERRIDES];
    size_t n = 0;
    char *mark = strstr(text, "\n--set\n");
    if (mark) {
        *mark = '\0';
        for (char *line = mark + 7; line && *line && n < MAX_OVERRIDES;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            sets[n++] = line;
            line = nl ? nl + 1 : NULL;
        }
    }
    nn_config cfg;
    nn_error err;
    if (nn_config_parse(&cfg, text, "fuzz.json", sets, n, &err) == NN_OK)
        nn_config_free(&cfg);
    free(text);
    return 0;
}
