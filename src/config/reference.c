/* reference.c - the key tables of docs/config.md (and of the man page nntrain-config(5),
 * and the key lists of the bash completion), printed from the same rows the walker reads
 * (schema.c) and from nn_activations[], so the reference cannot drift. The walk over the
 * rows is shared; one row writer per format (reference_fmt.c for roff and bash). */
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/reference.h"
#include "config/schema.h"

#define HEADER "| key | type | allowed | default | meaning |\n|---|---|---|---|---|\n"

/* One Markdown table row; '|' inside a cell is escaped. */
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

static void md_key(FILE *out, const nn_cfg_key *k, const char *path, const char *const *cells)
{
    (void)k;
    (void)path;
    row(out, cells, 5);
}

static void md_act(FILE *out, const nn_cfg_key *k, const char *path, const char *const *cells)
{
    (void)k;
    (void)path;
    row(out, cells, 6);
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
void nn_ref_rows(FILE *out, const nn_cfg_section *sec, const char *prefix, nn_ref_row *emit)
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
        emit(out, k, path, (const char *[]){key, type_word(k), allowed, def, doc});
        if (k->type == NN_CFG_SECTION) {
            nn_cfg_key keys[NN_CFG_MAX_BUILT];
            nn_cfg_section built;
            nn_ref_rows(out, nn_cfg_sub(k, keys, &built), path, emit);
        }
    }
}

void nn_ref_layers(FILE *out, nn_ref_layer *fn)
{
    for (size_t i = 0; nn_layer_at(i); i++) {
        const nn_layer_def *def = nn_layer_at(i);
        nn_cfg_key keys[NN_MAX_HPARAMS + 1];
        nn_cfg_section sec;
        if (def->acts)
            continue;
        nn_cfg_layer_section(def, NULL, keys, &sec);
        fn(out, def, &sec);
    }
}

/* One row per hyperparameter of each activation (one for an activation without any),
 * with the dense init it picks for the layer in front and its init gain at the defaults. */
void nn_ref_activations(FILE *out, nn_ref_row *emit)
{
    for (size_t i = 0; nn_activations[i]; i++) {
        const nn_act_def *act = nn_activations[i];
        nn_cfg_key keys[NN_MAX_HPARAMS + 1];
        nn_cfg_section sec;
        double hp[NN_MAX_HPARAMS] = {0};
        char type[64], key[80], allowed[128], def[32], gain[32];
        nn_cfg_layer_section(NULL, act, keys, &sec);
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
            emit(out, has ? &keys[k] : NULL, act->name,
                 (const char *[]){type, key, allowed, def, init, gain});
        }
    }
}

static void md_layer(FILE *out, const nn_layer_def *def, const nn_cfg_section *sec)
{
    fprintf(out, "\n#### A %s layer: `{\"type\": \"%s\", ...}`\n\n" HEADER, def->name, def->name);
    nn_ref_rows(out, sec, "", md_key);
}

static void write_markdown(FILE *out)
{
    fputs("#### Sections and keys\n\n" HEADER, out);
    nn_ref_rows(out, &nn_cfg_top, "", md_key);
    nn_ref_layers(out, md_layer);
    fputs("\n#### Activation layers: `{\"type\": \"<name>\", ...}`\n\n"
          "| type | key | allowed | default | dense init in front | gain at the defaults |\n"
          "|---|---|---|---|---|---|\n",
          out);
    nn_ref_activations(out, md_act);
}

/* Each format's marker lines and what separates them from the generated part. */
static const struct {
    const char *begin, *end, *gap_before, *gap_after;
} markers[] = {
    [NN_REF_MARKDOWN] = {"<!-- generated: config keys (make docs) -->", "<!-- end generated -->",
                         "\n\n", "\n"},
    [NN_REF_ROFF] = {".\\\" generated: config keys (make docs)", ".\\\" end generated", "\n", ""},
    [NN_REF_BASH] = {"# generated: config keys (make docs)", "# end generated", "\n", ""},
};

nn_status nn_config_write_reference(FILE *out, nn_ref_format fmt, nn_error *err)
{
    if (fmt == NN_REF_ROFF)
        nn_ref_write_roff(out);
    else if (fmt == NN_REF_BASH)
        nn_ref_write_bash(out);
    else
        write_markdown(out);
    if (ferror(out))
        return nn_fail(err, NN_ESYS, "cannot write the config reference");
    return NN_OK;
}

nn_status nn_config_splice_reference(const char *doc, const char *name, nn_ref_format fmt,
                                     char **out, nn_error *err)
{
    const char *b = markers[fmt].begin, *e = markers[fmt].end;
    const char *begin = strstr(doc, b);
    const char *end = begin ? strstr(begin, e) : NULL;
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    if (!end)
        return nn_fail(err, NN_ECONFIG, "%s: expected the lines %s and, after it, %s", name, b, e);
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return nn_fail(err, NN_ESYS, "out of memory");
    fprintf(f, "%.*s%s", (int)(begin + strlen(b) - doc), doc, markers[fmt].gap_before);
    nn_status st = nn_config_write_reference(f, fmt, err);
    fprintf(f, "%s%s", markers[fmt].gap_after, end);
    if (fclose(f) != 0 && st == NN_OK)
        st = nn_fail(err, NN_ESYS, "out of memory");
    if (st != NN_OK) {
        free(text);
        return st;
    }
    *out = text;
    return NN_OK;
}
