/* reference.c - the key tables of docs/config.md, printed from the same rows the walker
 * reads (schema.c) and from nn_activations[], so the reference cannot drift. */
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema.h"

#define DOC_BEGIN "<!-- generated: config keys (make docs) -->"
#define DOC_END "<!-- end generated -->"
#define HEADER "| key | type | allowed | default | meaning |\n|---|---|---|---|---|\n"

/* One table row; '|' inside a cell is escaped. */
static void row(FILE *out, const char *const *cells, size_t n)
{
    fputc('|', out);
    for (size_t i = 0; i < n; i++) {
        fputc(' ', out);
        for (const char *p = cells[i]; *p; p++) {
            if (*p == '|')
                fputc('\\', out);
            fputc(*p, out);
        }
        fputs(" |", out);
    }
    fputc('\n', out);
}

static const char *type_word(const nn_cfg_key *k)
{
    switch (k->type) {
    case NN_CFG_BOOL:
        return "boolean";
    case NN_CFG_INT:
    case NN_CFG_SIZE:
    case NN_CFG_U64:
        return "integer";
    case NN_CFG_NUMBER:
        return (k->flags & NN_CFG_WHOLE) ? "integer" : "number";
    case NN_CFG_SECTION:
        return "object";
    case NN_CFG_MODEL:
        return "array";
    default:
        return "string";
    }
}

/* `"format": "idx"`: the selector value a variant key needs. */
static void variant_text(char *buf, size_t n, const nn_cfg_section *sec, const nn_cfg_key *k)
{
    const char *list[NN_CFG_MAX_CHOICES + 1];
    const nn_cfg_key *s = &sec->keys[sec->selector];
    snprintf(buf, n, "`\"%s\": \"%s\"`", s->name, nn_cfg_choices(s, list)[nn_cfg_first_variant(k)]);
}

static void default_text(char *buf, size_t n, const nn_cfg_section *sec, const nn_cfg_key *k)
{
    const char *list[NN_CFG_MAX_CHOICES + 1];
    char when[64] = "";
    if (k->flags & NN_CFG_REQUIRED) {
        if (k->variants)
            variant_text(when, sizeof when, sec, k);
        snprintf(buf, n, "required%s%s", when[0] ? " with " : "", when);
    } else if (k->def_doc) {
        snprintf(buf, n, "%s", k->def_doc);
    } else if (k->type == NN_CFG_ENUM) {
        snprintf(buf, n, "`\"%s\"`", nn_cfg_choices(k, list)[(int)k->def - k->base]);
    } else if (k->type == NN_CFG_BOOL) {
        snprintf(buf, n, "%s", k->def != 0 ? "true" : "false");
    } else if (k->type == NN_CFG_SECTION) {
        snprintf(buf, n, "`{}`");
    } else {
        snprintf(buf, n, "%.15g", k->def);
    }
}

/* One row per key of sec (prefix: its JSON path), descending into sub-sections. */
static void write_rows(FILE *out, const nn_cfg_section *sec, const char *prefix)
{
    for (size_t i = 0; i < sec->n_keys; i++) {
        const nn_cfg_key *k = &sec->keys[i];
        char path[96], key[100], allowed[512], def[160], doc[600], when[64];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", k->name);
        snprintf(key, sizeof key, "`%s`", path);
        if (k->type == NN_CFG_SECTION)
            snprintf(allowed, sizeof allowed, "an object");
        else
            nn_cfg_expect(k, allowed, sizeof allowed);
        default_text(def, sizeof def, sec, k);
        if (k->variants && !(k->flags & NN_CFG_REQUIRED)) {
            variant_text(when, sizeof when, sec, k);
            snprintf(doc, sizeof doc, "only with %s; %s", when, k->doc);
        } else {
            snprintf(doc, sizeof doc, "%s", k->doc);
        }
        row(out, (const char *[]){key, type_word(k), allowed, def, doc}, 5);
        if (k->type == NN_CFG_SECTION)
            write_rows(out, k->sub, path);
    }
}

/* One row per hyperparameter of each activation (one for an activation without any),
 * with the dense init it picks for the layer in front and its init gain at the defaults. */
static void write_activations(FILE *out)
{
    fputs("| type | key | allowed | default | dense init in front | gain at the defaults |\n"
          "|---|---|---|---|---|---|\n",
          out);
    for (size_t i = 0; nn_activations[i]; i++) {
        const nn_act_def *act = nn_activations[i];
        nn_cfg_key keys[NN_MAX_HPARAMS + 1];
        nn_cfg_section sec;
        double hp[NN_MAX_HPARAMS] = {0};
        char type[64], key[80], allowed[128], def[32], gain[32];
        nn_cfg_activation_section(act, keys, &sec);
        for (size_t k = 1; k < sec.n_keys; k++)
            hp[k - 1] = keys[k].def;
        snprintf(type, sizeof type, "`%s`", act->name);
        snprintf(gain, sizeof gain, "%.6g", act->gain(hp));
        const char *init = act->dense_init ? act->dense_init : "he_normal";
        for (size_t k = 1; k < sec.n_keys || k == 1; k++) {
            int has = k < sec.n_keys;
            snprintf(key, sizeof key, has ? "`%s`" : "(none)", has ? keys[k].name : "");
            allowed[0] = def[0] = '\0';
            if (has) {
                nn_cfg_expect(&keys[k], allowed, sizeof allowed);
                default_text(def, sizeof def, &sec, &keys[k]);
            }
            row(out, (const char *[]){type, key, allowed, def, init, gain}, 6);
        }
    }
}

nn_status nn_config_write_reference(FILE *out, nn_error *err)
{
    fputs("#### Sections and keys\n\n" HEADER, out);
    write_rows(out, &nn_cfg_top, "");
    fputs("\n#### A dense layer: `{\"type\": \"dense\", ...}`\n\n" HEADER, out);
    write_rows(out, &nn_cfg_dense, "");
    fputs("\n#### Activation layers: `{\"type\": \"<name>\", ...}`\n\n", out);
    write_activations(out);
    if (ferror(out))
        return nn_fail(err, NN_ESYS, "cannot write the config reference");
    return NN_OK;
}

nn_status nn_config_splice_reference(const char *doc, const char *name, char **out, nn_error *err)
{
    const char *begin = strstr(doc, DOC_BEGIN);
    const char *end = begin ? strstr(begin, DOC_END) : NULL;
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (!end)
        return nn_fail(err, NN_ECONFIG, "%s: expected the lines %s and, after it, %s", name,
                       DOC_BEGIN, DOC_END);
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return nn_fail(err, NN_ESYS, "out of memory");
    fprintf(f, "%.*s\n\n", (int)(begin + strlen(DOC_BEGIN) - doc), doc);
    nn_status st = nn_config_write_reference(f, err);
    fprintf(f, "\n%s", end);
    if (fclose(f) != 0 && st == NN_OK)
        st = nn_fail(err, NN_ESYS, "out of memory");
    if (st != NN_OK) {
        free(text);
        return st;
    }
    *out = text;
    return NN_OK;
}
