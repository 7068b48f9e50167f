/* reference_fmt.c - the config reference as man(7) roff (the key part of
 * man/nntrain-config.5) and as the bash completion's key lists (completions/nntrain),
 * from the rows nn_ref_rows and nn_ref_activations walk (reference.c). */
#include <stdio.h>
#include <string.h>

#include "config/reference.h"

/* Writes n bytes of s (Markdown: `code`, [text](link)) as roff text: code in bold, a
 * link as its text; backslash, '^', '~' escaped, and in code '-' and '\'' as the ASCII
 * characters (groff would print a hyphen and a right quote). *code: inside `...`. */
static void roff_span(FILE *out, const char *s, size_t n, int *code)
{
    for (size_t i = 0; i < n; i++) {
        const char *close = s[i] == '[' && !*code ? strstr(s + i, "](") : NULL;
        const char *rp = close && close < s + n ? strchr(close, ')') : NULL;
        if (rp && rp < s + n) { /* [text](link): the text */
            roff_span(out, s + i + 1, (size_t)(close - s - i - 1), code);
            i = (size_t)(rp - s);
            continue;
        }
        switch (s[i]) {
        case '`':
            fputs(*code ? "\\fR" : "\\fB\\%", out);
            *code = !*code;
            break;
        case '\\':
            fputs("\\e", out);
            break;
        case '^':
            fputs("\\(ha", out);
            break;
        case '~':
            fputs("\\(ti", out);
            break;
        case '-':
            fputs(*code ? "\\-" : "-", out);
            break;
        case '\'':
            fputs(*code ? "\\(aq" : "'", out);
            break;
        default:
            fputc(s[i], out);
        }
    }
}

/* A whole cell, code closed at its end. */
static void roff_cell(FILE *out, const char *s)
{
    int code = 0;
    roff_span(out, s, strlen(s), &code);
    if (code)
        fputs("\\fR", out);
}

/* .TP, the key in bold; then its type, what it takes and its default; then its meaning. */
/* .TP, the key in bold; then its type, what it takes and its default; then its meaning.
 * A text line starts with "\&", so it never starts with a control character. */
static void roff_key(FILE *out, const nn_cfg_key *k, const char *path, const char *const *cells)
{
    (void)k;
    fprintf(out, ".TP\n.B %s\n\\&", path);
    roff_cell(out, cells[1]);
    fputs(": ", out);
    roff_cell(out, cells[2]);
    fputs(strncmp(cells[3], "required", 8) == 0 ? "; " : "; default: ", out);
    roff_cell(out, cells[3]);
    fputs(".\n.br\n\\&", out);
    roff_cell(out, cells[4]);
    fputs(".\n", out);
}

static void roff_act(FILE *out, const nn_cfg_key *k, const char *path, const char *const *cells)
{
    fprintf(out, ".TP\n\\fB%s\\fR", path);
    if (k) {
        fprintf(out, " \\fB%s\\fR\n\\&", k->name);
        roff_cell(out, cells[2]);
        fputs("; default: ", out);
        roff_cell(out, cells[3]);
        fputs(".\n.br\n", out);
    } else {
        fputs(" (no keys)\n", out);
    }
    fprintf(out, "\\&Dense init in front: %s; gain at the defaults: %s.\n", cells[4], cells[5]);
}

static void roff_layer(FILE *out, const nn_layer_def *def, const nn_cfg_section *sec)
{
    fprintf(out,
            ".SS \"A %s layer\"\n"
            "Keys of a layer \\fB{\"type\": \"%s\", ...}\\fR in \\fBmodel\\fR:\n",
            def->name, def->name);
    nn_ref_rows(out, sec, "", roff_key);
}

void nn_ref_write_roff(FILE *out)
{
    fputs(".SS \"Sections and keys\"\n", out);
    nn_ref_rows(out, &nn_cfg_top, "", roff_key);
    nn_ref_layers(out, roff_layer);
    fputs(".SS \"Activation layers\"\n"
          "Keys of a layer \\fB{\"type\": \"\\fINAME\\fB\", ...}\\fR in \\fBmodel\\fR, with the\n"
          "init the dense layer in front takes when its \\fBinit\\fR is not given and the\n"
          "init gain at the defaults:\n",
          out);
    nn_ref_activations(out, roff_act);
}

/* The key's path, one a line (bash array elements). */
static void bash_key(FILE *out, const nn_cfg_key *k, const char *path, const char *const *cells)
{
    (void)k;
    (void)cells;
    fprintf(out, "    %s\n", path);
}

/* A case branch with the key's allowed values, for a key that has a list of them. */
static void bash_values(FILE *out, const nn_cfg_key *k, const char *path, const char *const *cells)
{
    const char *list[NN_CFG_MAX_CHOICES + 1];
    (void)cells;
    if (k->type == NN_CFG_BOOL) {
        fprintf(out, "    %s) REPLY='true false' ;;\n", path);
    } else if (k->type == NN_CFG_ENUM || k->type == NN_CFG_LAYER) {
        const char *const *c = nn_cfg_choices(k, list);
        fprintf(out, "    %s) REPLY='", path);
        for (size_t i = 0; c[i]; i++)
            fprintf(out, "%s%s", i ? " " : "", c[i]);
        fputs("' ;;\n", out);
    }
}

/* The keys of a layer: "type", then each layer type's rows not named yet, in table order. */
static void bash_layer_keys(FILE *out)
{
    const char *seen[NN_CFG_MAX_CHOICES], *types[NN_CFG_MAX_CHOICES + 1];
    size_t n = 0;
    seen[n++] = "type";
    nn_layer_types(types, NN_CFG_MAX_CHOICES + 1);
    for (size_t t = 0; types[t]; t++) {
        const nn_layer_def *def;
        const nn_act_def *act;
        int nk;
        nn_layer_find(types[t], &def, &act);
        const nn_hparam_spec *keys = nn_layer_keys(def, act, &nk);
        for (int h = 0; h < nk && n < NN_CFG_MAX_CHOICES; h++) {
            size_t j = 0;
            while (j < n && strcmp(seen[j], keys[h].name) != 0)
                j++;
            if (j == n)
                seen[n++] = keys[h].name;
        }
    }
    fputs("_nntrain_layer_keys=(", out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? " " : "", seen[i]);
    fputs(")\n", out);
}

/* The allowed values of the layers' keys: "type" once, then each layer type's own. */
static void bash_layer_values(FILE *out, const nn_layer_def *def, const nn_cfg_section *sec)
{
    nn_cfg_section rest = *sec;
    if (def != nn_layer_at(0)) { /* "type" is the first layer type's */
        rest.keys++;
        rest.n_keys--;
    }
    nn_ref_rows(out, &rest, "model.*", bash_values);
}

void nn_ref_write_bash(FILE *out)
{
    fputs("# The keys --set takes (a layer's keys follow model.I.).\n_nntrain_keys=(\n", out);
    nn_ref_rows(out, &nn_cfg_top, "", bash_key);
    fputs(")\n", out);
    bash_layer_keys(out);
    fputs("# The allowed values of key $1 in REPLY (empty: any value).\n"
          "_nntrain_values()\n{\n    case $1 in\n",
          out);
    nn_ref_rows(out, &nn_cfg_top, "", bash_values);
    nn_ref_layers(out, bash_layer_values);
    fputs("    *) REPLY='' ;;\n    esac\n}\n", out);
}
