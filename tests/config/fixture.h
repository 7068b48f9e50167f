/* config/fixture.h - configs and expectations shared by the config test suites. */
#ifndef NN_TEST_CONFIG_FIXTURE_H
#define NN_TEST_CONFIG_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>

#include "config/config.h"

#define DATA                                                                                       \
    "\"data\": {\"format\": \"idx\", \"train_images\": \"tr-img.gz\", "                            \
    "\"train_labels\": \"tr-lab.gz\", \"test_images\": \"te-img.gz\", "                            \
    "\"test_labels\": \"te-lab.gz\"}"
#define MODEL                                                                                      \
    "[{\"type\": \"dense\", \"units\": 256}, {\"type\": \"leaky_relu\"}, "                         \
    "{\"type\": \"dense\", \"units\": 256}, {\"type\": \"leaky_relu\"}, "                          \
    "{\"type\": \"dense\", \"units\": 10}]"
#define SRC "configs/x.json"

/* A config giving every section, most keys away from their defaults. */
extern const char ct_full[];

/* A config with DATA, the given model and extra top-level members (",\"k\": v" or "");
 * malloc'ed. */
char *ct_json(const char *model, const char *extra);

/* The same with an image-folder data section (plus data_extra members) and MODEL. */
char *ct_folder_json(const char *data_extra, const char *extra);

/* Whether cfg is all zero bytes (as after nn_config_free or a failed parse). */
int ct_is_zero(const nn_config *cfg);

/* Parses json with overrides expecting NN_ECONFIG, a one-line message holding every
 * substring of the NULL-terminated list ap, and cfg left zeroed. */
void ct_fail_v(const char *json, const char *const *ov, size_t n_ov, va_list ap);
void ct_fail(const char *json, ...);
/* ct_json(model, extra), expecting failure. */
void ct_fail_extra(const char *model, const char *extra, ...);
/* ct_json(MODEL, "") plus one override, expecting failure. */
void ct_fail_set(const char *override, ...);
/* ct_folder_json(data_extra, extra), expecting failure naming want1 and want2. */
void ct_folder_fails(const char *data_extra, const char *extra, const char *want1,
                     const char *want2);

/* Parses json with overrides, which must succeed. */
void ct_parse_ok(nn_config *cfg, const char *json, const char *const *ov, size_t n_ov);
/* Parses ct_json(model, extra), which must succeed. */
void ct_parse_extra(nn_config *cfg, const char *model, const char *extra);

/* Writes text to a fresh file dir/name; returns the malloc'ed path. */
char *ct_write_file(const char *dir, const char *name, const char *text, size_t len);

#endif
