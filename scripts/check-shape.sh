#!/usr/bin/env bash
# check-shape.sh - the tree's size rules: no C file over 600 lines, no function over 80
# (from the first line of its signature to its closing brace). Prints each offender and
# exits 1 when there is one. usage: scripts/check-shape.sh [DIR...]   (default: src tests)
set -euo pipefail
cd "$(dirname "$0")/.."
max_file=600 max_func=80
dirs=("$@")
[[ ${#dirs[@]} -gt 0 ]] || dirs=(src tests)
mapfile -t files < <(find "${dirs[@]}" -name '*.[ch]' | LC_ALL=C sort)
awk -v max_file="$max_file" -v max_func="$max_func" '
    FNR == 1 { if (prev != "" && lines > max_file) { printf "%s: %d lines (at most %d)\n", prev, lines, max_file; bad++ }
               prev = FILENAME; start = 0; boundary = 0 }
    { lines = FNR }
    # A signature starts after a blank line, a comment, a preprocessor line or a "}".
    /^[ \t]*$/ || /\*\/[ \t]*$/ || /^#/ || /^}/ || /;[ \t]*$/ { if (!start) boundary = FNR }
    /^\{/ { start = boundary + 1 }
    /^}/ && start { n = FNR - start + 1
                    if (n > max_func) { printf "%s:%d: a function of %d lines (at most %d)\n", FILENAME, start, n, max_func; bad++ }
                    start = 0; boundary = FNR }
    END { if (prev != "" && lines > max_file) { printf "%s: %d lines (at most %d)\n", prev, lines, max_file; bad++ }
          if (bad) exit 1 }
' "${files[@]}" && echo "check-shape: ${#files[@]} files, none over $max_file lines, no function over $max_func"
