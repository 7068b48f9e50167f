/* image_check.h - what an image file is, judged from its bytes, and whether it is whole. */
#ifndef NN_IMAGE_CHECK_H
#define NN_IMAGE_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* A file's format judged from its first bytes ("PNG", "JPEG", ...), or NULL. */
const char *nn_image_format(const uint8_t *data, size_t len);

/* Checks that an uncompressed BMP, a binary PGM/PPM, a TGA or a GIF holds all the pixel
 * data its header promises (stb_image silently reads zeros past the end of these). 0 when
 * complete or when the format is not one of those; otherwise -1 and a reason in why. */
int nn_image_check_complete(const uint8_t *data, size_t len, char *why, size_t why_len);

#endif
