/* fuzz_safetensors.c - libFuzzer harness for the safetensors reader (checkpoints,
 * init.from; every dtype): the input is a file's bytes, written to one temporary file per
 * process. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ckpt/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/nntrain-fuzz-st-%ld.safetensors", (long)getpid());
    /* A new file each time: truncating the old one costs a flush on ext4 (auto_da_alloc),
     * which held the harness to a few hundred inputs a second. */
    unlink(path);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0 || !ok)
        return 0;
    nn_st_file st;
    nn_error err;
    if (nn_st_read(path, &st, &err) == NN_OK)
        nn_st_free(&st);
    return 0;
}
