#!/usr/bin/env bash
# check-shape.sh - the tree's size rules: no C file over 600 lines, no function over 80
# (from the first line of its signature to its closing brace). Prints each offender and
# exits 1 when there is one. usage: scripts/check-shape.sh [DIR|FILE...]  (default: src tests)
#
# A function is a top-level "{ ... }" whose opening brace follows a ")" (so START_TEST
# blocks count and table initializers, "= {", do not). Braces are counted outside
# comments, strings and character literals; the signature starts at the first code line
# after the previous top-level declaration or definition.
set -euo pipefail
cd "$(dirname "$0")/.."
max_file=600 max_func=80

# --self-test: the rule on made-up files, one per way a long function could slip through.
if [[ ${1:-} == --self-test ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    body() { for ((k = 0; k < $1; k++)); do echo "    x += $k; /* { not a brace } */ s = \"}\";"; done; }
    { echo "int brace_on_signature(int x) {"; body 85; echo "}"; } > "$tmp/a.c"
    { echo "static int"; echo "commented(int x, /* the count */"; echo "          int y) /* why */"
      echo "{"; body 80; echo "}"; } > "$tmp/b.c"
    { echo "START_TEST(long_test)"; echo "{"; body 79; echo "}"; echo "END_TEST"; } > "$tmp/c.c"
    { echo "static const int table[] = {"; body 120; echo "};"
      echo "int fits(void)"; echo "{"; body 77; echo "}"; } > "$tmp/ok.c"
    { for ((k = 0; k < 601; k++)); do echo "int v$k;"; done; } > "$tmp/long.c"
    want=$(printf '%s\n' "$tmp/a.c:1: a function of 87 lines (at most 80)" \
        "$tmp/b.c:1: a function of 85 lines (at most 80)" \
        "$tmp/c.c:1: a function of 82 lines (at most 80)" \
        "$tmp/long.c: 601 lines (at most 600)")
    got=$("$0" "$tmp" 2>&1 || true)
    if [[ $got != "$want" ]]; then
        printf 'check-shape: self-test failed; expected:\n%s\ngot:\n%s\n' "$want" "$got" >&2
        exit 1
    fi
    echo "check-shape: self-test ok"
    exit 0
fi

args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(src tests)
mapfile -t files < <(find "${args[@]}" -name '*.[ch]' | LC_ALL=C sort)
[[ ${#files[@]} -gt 0 ]] || { echo "check-shape: no C files in ${args[*]}" >&2; exit 2; }
awk -v max_file="$max_file" -v max_func="$max_func" '
function file_done() {
    if (prev != "" && last > max_file) {
        printf "%s: %d lines (at most %d)\n", prev, last, max_file; bad++
    }
}
FNR == 1 { file_done(); prev = FILENAME; depth = 0; incomment = 0; cand = 0; start = 0; isfn = 0; tail = "" }
{
    last = FNR
    # The line without comments, strings and character literals.
    code = ""; s = $0; i = 1; n = length(s)
    while (i <= n) {
        c = substr(s, i, 1); c2 = substr(s, i, 2)
        if (incomment) { if (c2 == "*/") { incomment = 0; i += 2 } else i++; continue }
        if (c2 == "/*") { incomment = 1; i += 2; continue }
        if (c2 == "//") break
        if (c == "\"" || c == "\047") {
            q = c; i++
            while (i <= n && substr(s, i, 1) != q) { if (substr(s, i, 1) == "\\") i++; i++ }
            i++; code = code " "; continue
        }
        code = code c; i++
    }
    if (code ~ /^[ \t]*#/) next                 # preprocessor lines
    if (code ~ /^[ \t]*$/) next                 # blank or comment-only lines
    if (depth == 0 && !cand) cand = FNR
    for (i = 1; i <= length(code); i++) {
        c = substr(code, i, 1)
        if (c == "{") {
            if (depth == 0) {
                t = tail substr(code, 1, i - 1); sub(/[ \t]+$/, "", t)
                isfn = (t ~ /\)$/); start = cand
            }
            depth++
        } else if (c == "}") {
            depth--
            if (depth == 0) {
                if (isfn && FNR - start + 1 > max_func) {
                    printf "%s:%d: a function of %d lines (at most %d)\n", FILENAME, start, FNR - start + 1, max_func; bad++
                }
                isfn = 0; cand = 0; tail = ""
            }
        } else if (c == ";" && depth == 0) { cand = 0; tail = "" }
    }
    if (depth == 0 && cand) tail = tail " " code
}
END { file_done(); if (bad) exit 1 }
' "${files[@]}" && echo "check-shape: ${#files[@]} files, none over $max_file lines, no function over $max_func"
