/* support/images.h - what the image-folder suites share: image files of every format
 * built from deterministic pixels, in the folder of the fixture (fixture.h), and scan +
 * decode with their expectations. */
#ifndef NN_TEST_IMAGES_H
#define NN_TEST_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#include "data/export.h"
#include "data/folder_decode.h"
#include "support/fixture.h"

/* Cuts the file to fraction of its size. */
void ft_truncate_to(const char *path, double fraction);

/* Deterministic test pixels: w x h x comp bytes from a seed (caller frees). */
uint8_t *ft_pattern(int w, int h, int comp, unsigned seed);
/* ft_pattern as a PNG; as a binary PGM (comp 1) or PPM (comp 3) with a header comment. */
void ft_put_png(const char *path, int w, int h, int comp, unsigned seed);
void ft_put_pnm(const char *path, int w, int h, int comp, unsigned seed);
/* stb_image's own conversion (the one documented): gray = (77 R + 150 G + 29 B) >> 8. */
uint8_t ft_luma(const uint8_t *rgb);
/* got holds ft_pattern(w, h, comp, seed) as loaded with `channels` channels. */
void ft_expect_pixels(const uint8_t *got, int w, int h, int comp, unsigned seed, size_t channels,
                      const char *what);

/* A 1x1 GIF (no extensions) whose one pixel is palette entry 0, white. */
enum { FT_GIF_1x1_LEN = 35 };
extern const uint8_t FT_GIF_1x1[FT_GIF_1x1_LEN];

/* A 4x4 folder: class a has 0..3.png, class b has 0..2.png. */
void ft_make_base(const char *root);

nn_folder_options ft_opts(size_t channels, nn_bad_file on_bad, size_t threads);
/* Scans and decodes root; expects success. */
void ft_load_ok(const char *root, nn_folder_options o, nn_dataset *ds, nn_folder *f,
                nn_folder_report *rep);
/* Scans and decodes root; expects NN_EDATA with one line containing every needle
 * (needle2 may be NULL). */
void ft_load_fails(const char *root, nn_folder_options o, const char *needle1, const char *needle2);

/* root, written by nn_export_png from src, loads back (1 channel) as src's samples sorted by
 * (label, index), with the export's class folder names ("0".."9", or "00".."11", ...). */
void ft_assert_round_trip(const char *root, const nn_dataset *src);

#endif
