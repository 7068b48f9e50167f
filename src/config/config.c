/* config.c - the public face of the config layer: file -> JSON tree (json_syntax.c) ->
 * "--set" overrides (override.c) -> the walk over the tables (schema.c, walk.c, model.c)
 * -> the rules between keys (rules.c). Also the checks that need the loaded data. */
#include "config/config.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/json_syntax.h"
#include "config/override.h"
#include "config/schema.h"
#include "sys/fs.h"

#define MAX_FILE_BYTES ((size_t)16 << 20)

static nn_status parse_tree(const nn_cfg_ctx *c, cJSON *root, const char *source,
                            const char *const *overrides, size_t n_overrides, nn_config *cfg)
{
    if (!cJSON_IsObject(root)) {
        char found[NN_CFG_FOUND_MAX + 8];
        return nn_fail(c->err, NN_ECONFIG, "%s: expected a JSON object at the top level, found %s",
                       c->src, nn_cfg_found_text(root, found, sizeof found));
    }
    NN_CFG_TRY(nn_cfg_apply_overrides(c, root, overrides, n_overrides));
    if (!(cfg->source = strdup(c->src)))
        return nn_cfg_oom(c);
    NN_CFG_TRY(nn_cfg_walk(c, &nn_cfg_top, root, "", NULL, cfg));
    NN_CFG_TRY(nn_cfg_rules(c, root, source, cfg));
    /* What a checkpoint keeps, so that it alone can resume or evaluate. */
    if (!(cfg->resolved = cJSON_PrintUnformatted(root)))
        return nn_cfg_oom(c);
    return NN_OK;
}

nn_status nn_config_parse(nn_config *cfg, const char *json, const char *source,
                          const char *const *overrides, size_t n_overrides, nn_error *err)
{
    nn_cfg_ctx c = {source ? source : "<config>", err};
    nn_config tmp;
    cJSON *root = NULL;
    memset(&tmp, 0, sizeof tmp);
    memset(cfg, 0, sizeof *cfg);
    if (!json)
        return nn_fail(err, NN_ECONFIG, "%s: no JSON text", c.src);
    nn_status st = nn_cfg_parse_json(&c, json, &root);
    if (st == NN_OK)
        st = parse_tree(&c, root, source, overrides, n_overrides, &tmp);
    cJSON_Delete(root);
    if (st != NN_OK) {
        nn_config_free(&tmp);
        return st;
    }
    *cfg = tmp;
    return NN_OK;
}

/* Reads at most MAX_FILE_BYTES of f into a NUL-terminated buffer. */
static nn_status read_text(const nn_cfg_ctx *c, FILE *f, char **out)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode))
        return nn_fail(c->err, NN_ECONFIG, "%s: cannot read the config: %s", c->src,
                       strerror(EISDIR));
    size_t cap = 0, n = 0, got;
    char *buf = NULL;
    do {
        if (cap - n < 2) {
            size_t ncap = cap ? 2 * cap : 65536;
            char *nb = realloc(buf, ncap < MAX_FILE_BYTES + 2 ? ncap : MAX_FILE_BYTES + 2);
            if (!nb) {
                free(buf);
                return nn_cfg_oom(c);
            }
            buf = nb;
            cap = ncap < MAX_FILE_BYTES + 2 ? ncap : MAX_FILE_BYTES + 2;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0 && n <= MAX_FILE_BYTES);
    int e = ferror(f) ? errno : 0;
    buf[n] = '\0';
    *out = buf;
    if (e)
        return nn_fail(c->err, NN_ECONFIG, "%s: cannot read the config: %s", c->src, strerror(e));
    if (n > MAX_FILE_BYTES)
        return nn_fail(c->err, NN_ECONFIG,
                       "%s: the config is larger than %zu MiB; is it the right file?", c->src,
                       MAX_FILE_BYTES >> 20);
    if (strlen(buf) != n)
        return nn_fail(c->err, NN_ECONFIG, "%s: NUL byte at byte %zu; a config must be JSON text",
                       c->src, strlen(buf));
    return NN_OK;
}

nn_status nn_config_load(nn_config *cfg, const char *path, const char *const *overrides,
                         size_t n_overrides, nn_error *err)
{
    nn_cfg_ctx c = {path ? path : "(null)", err};
    char *text = NULL;
    memset(cfg, 0, sizeof *cfg);
    if (!path || !path[0])
        return nn_fail(err, NN_ECONFIG, "no config file given");
    FILE *f = nn_fopen_read(path);
    if (!f)
        return nn_fail(err, NN_ECONFIG, "%s: cannot open the config: %s", path, strerror(errno));
    nn_status st = read_text(&c, f, &text);
    fclose(f);
    if (st == NN_OK)
        st = nn_config_parse(cfg, text, path, overrides, n_overrides, err);
    free(text);
    return st;
}

nn_status nn_config_check_data(const nn_config *cfg, size_t input_dim, size_t n_classes,
                               nn_error *err)
{
    nn_cfg_ctx c = {cfg->source ? cfg->source : "<config>", err};
    NN_CFG_TRY(nn_cfg_check_widths(&c, cfg->modules, cfg->n_modules, input_dim));
    return nn_cfg_check_classes(&c, cfg, n_classes);
}

nn_status nn_config_check_validation(const nn_config *cfg, size_t n_train, nn_error *err)
{
    nn_cfg_ctx c = {cfg->source ? cfg->source : "<config>", err};
    if (cfg->data.validation < n_train)
        return NN_OK;
    return nn_cfg_fail_at(&c, "data", "validation",
                          "holding out %zu samples leaves none to train on: %s has %zu training "
                          "samples%s; expected a number < %zu",
                          cfg->data.validation, nn_config_train_source(cfg), n_train,
                          cfg->data.train_limit ? " (after data.train_limit)" : "", n_train);
}

const char *nn_config_train_source(const nn_config *cfg)
{
    const char *s = cfg->data.kind == NN_DATA_IMAGE_FOLDER ? cfg->data.train_dir
                                                            : cfg->data.train_images;
    return s ? s : "the training data";
}

const char *nn_config_test_source(const nn_config *cfg)
{
    const char *s = cfg->data.kind == NN_DATA_IMAGE_FOLDER ? cfg->data.test_dir
                                                            : cfg->data.test_images;
    return s ? s : "the test data";
}

nn_status nn_config_set_csv(nn_config *cfg, const char *path, nn_error *err)
{
    if (!path || !path[0])
        return nn_fail(err, NN_ECONFIG, "--csv: expected a non-empty path (\"-\" for stdout)");
    char *copy = strdup(path);
    if (!copy)
        return nn_fail(err, NN_ESYS, "out of memory");
    free(cfg->csv);
    cfg->csv = copy;
    return NN_OK;
}

nn_status nn_config_set_resume(nn_config *cfg, const char *path, nn_error *err)
{
    if (!path || !path[0])
        return nn_fail(err, NN_ECONFIG, "--resume: expected the path of a checkpoint");
    char *copy = strdup(path);
    if (!copy)
        return nn_fail(err, NN_ESYS, "out of memory");
    free(cfg->resume);
    cfg->resume = copy;
    return NN_OK;
}

nn_status nn_config_set_command(nn_config *cfg, int argc, char *const *argv, nn_error *err)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < argc; i++) {
        cJSON *w = cJSON_CreateString(argv[i]);
        if (!w || !cJSON_AddItemToArray(a, w)) {
            cJSON_Delete(w);
            cJSON_Delete(a);
            a = NULL;
        }
    }
    char *text = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    if (!text)
        return nn_fail(err, NN_ESYS, "out of memory");
    free(cfg->command);
    cfg->command = text;
    return NN_OK;
}

void nn_config_free(nn_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->source);
    free(cfg->name);
    free(cfg->data.format);
    free(cfg->data.train_images);
    free(cfg->data.train_labels);
    free(cfg->data.test_images);
    free(cfg->data.test_labels);
    free(cfg->data.train_dir);
    free(cfg->data.test_dir);
    free(cfg->modules);
    free(cfg->csv);
    free(cfg->units);
    free(cfg->checkpoint);
    free(cfg->init_from);
    free(cfg->resolved);
    free(cfg->resume);
    free(cfg->command);
    memset(cfg, 0, sizeof *cfg);
}
