/* fuzz_sweep.c - libFuzzer harness for sweep files: the input is the sweep file, whose
 * "base" may name the small valid config this harness writes (/tmp/nntrain-fuzz-base.json).
 * Loading expands
 * and validates every combination; nothing runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sweep/sweep.h"

static const char base_json[] =
    "{\"seed\": 1, \"data\": {\"format\": \"idx\", \"train_images\": \"a\", \"train_labels\": "
    "\"b\", \"test_images\": \"c\", \"test_labels\": \"d\"}, \"model\": [{\"type\": \"dense\", "
    "\"units\": 4}, {\"type\": \"relu\"}, {\"type\": \"dense\", \"units\": 2}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The base config the corpus names by this absolute path (libFuzzer reads its corpus
     * by relative paths: no chdir here). */
    const char *base = "/tmp/nntrain-fuzz-base.json";
    if (access(base, F_OK) != 0) {
        FILE *b = fopen(base, "w");
        if (!b || fputs(base_json, b) == EOF || fclose(b) != 0)
            return 0;
    }
    char path[96], out[96];
    snprintf(path, sizeof path, "/tmp/nntrain-fuzz-sweep-%ld.json", (long)getpid());
    snprintf(out, sizeof out, "/tmp/nntrain-fuzz-sweep-%ld.out", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0 || !ok)
        return 0;
    nn_sweep s;
    nn_error err;
    if (nn_sweep_load(&s, path, out, 0, &err) == NN_OK)
        nn_sweep_free(&s);
    return 0;
}
