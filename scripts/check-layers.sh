#!/usr/bin/env bash
# check-layers.sh - includes point one way (docs/design.md, "Which folder may include
# which"), and every name libnntrain.a exports carries the nn_ prefix. Prints each
# offender and exits 1 when there is one.
# usage: scripts/check-layers.sh [--root DIR] [--lib ARCHIVE]   (defaults: . and build/libnntrain.a)
#        scripts/check-layers.sh --self-test
#
# A file in src/<folder>/ may include "<folder>/..." and the folders below it in the order;
# the public header include/nntrain.h (included as "nntrain.h") only from src/sweep/ and
# src/cli/ (and tests/, which this script does not read); include/nntrain.h itself only
# what is at most run/. An include without a folder must name a file beside the includer.
set -euo pipefail
cd "$(dirname "$0")/.."

# The folders of src/, bottom to top; the folders of one entry share a level.
order=(sys "math math/gemm" ckpt nn nn/act nn/layer nn/optim data config run plot sweep cli)
public_users="sweep cli" # the folders that may include the public header
public_max=run           # the highest folder the public header may include

# Files whose upward includes are excused, each one printed (none: keep it so).
exceptions=()

# --self-test: the rules on made-up trees and archives, one case per way an include or a
# name could slip through, and a clean tree that must pass.
if [[ ${1:-} == --self-test ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    put() { mkdir -p "$(dirname "$1")"; printf '%s\n' "${@:2}" > "$1"; }
    lib() { # lib ARCHIVE C-SOURCE: the archive of one object compiled from the source
        printf '%s\n' "$2" > "$tmp/lib.c"
        "${CC:-cc}" -fopenmp -c -o "$tmp/lib.o" "$tmp/lib.c" && ar rcs "$1" "$tmp/lib.o"
    }
    clean=$tmp/clean bad=$tmp/bad
    put "$clean/src/sys/error.h" '#include <stddef.h>'
    put "$clean/src/math/gemm/gemm.h" '#include "math/rng.h"' '#include "sys/error.h"'
    put "$clean/src/math/rng.h" '#include "math/gemm/gemm.h"'
    put "$clean/src/nn/act/relu.c" '#include "nn/act/act.h"' '#include "nn/hparam.h"'
    put "$clean/src/nn/layer/model.h" '#include "nn/act/act.h"' '#include "nn/init.h"'
    put "$clean/src/data/load.h" '#include "data/spec.h"' '  #  include "nn/layer/model.h"'
    put "$clean/src/data/spec.h" '/* #include "cli/cli.h" in a comment is no include */'
    put "$clean/src/run/train.c" '#include "config/config.h"' '#include "local.h"'
    put "$clean/src/run/local.h" '#include <nntrain.h>'
    put "$clean/src/sweep/sweep.h" '#include "nntrain.h"' '#include "plot/plot.h"'
    put "$clean/src/cli/main.c" '#include "nntrain.h"' '#include "sweep/sweep.h"'
    put "$clean/include/nntrain.h" '#include "run/report.h"' '#include "sys/error.h"'
    lib "$clean/lib.a" 'int nn_f(void); int nn_f(void) { int r; _Pragma("omp critical(nn_lock)") r = 1; return r; }
static int helper(void) { return 2; } int nn_g = 3; int nn_h(void); int nn_h(void) { return helper(); }'
    put "$bad/src/data/load.h" '#include "data/spec.h"' '#include "cli/cli.h"'
    put "$bad/src/data/locate.h" '#include "config/config.h"'
    put "$bad/src/nn/act/relu.c" '#include "nn/layer/model.h"'
    put "$bad/src/run/csv.h" '#include "nntrain.h"'
    put "$bad/src/plot/plot.c" '# include "nntrain.h"' '#include "run/csv.h"'
    put "$bad/src/ckpt/checkpoint.h" '#include "run/dead.h"' '#include "nn/layer/model.h"'
    put "$bad/src/ckpt/safetensors.c" '#include "nn/init.h"'
    put "$bad/src/math/vec.h" '#include "vec_avx2.h"'
    put "$bad/src/extra/x.c" '#include "sys/error.h"'
    put "$bad/src/sys/fs.c" '#include "../cli/cli.h"'
    put "$bad/include/nntrain.h" '#include "sweep/sweep.h"'
    lib "$bad/lib.a" 'int nn_ok(void); int nn_ok(void) { return 1; }
int sweep_read(void); int sweep_read(void) { return 2; } int table_size = 4;
int locked(void); int locked(void) { int r; _Pragma("omp critical(lock)") r = 1; return r; }'
    want_clean="check-layers: 12 files, 17 includes, none pointing up
check-layers: $clean/lib.a: 4 exported names, all with the nn_ prefix"
    want_bad="src/ckpt/checkpoint.h:1: includes \"run/dead.h\": run/ is above ckpt/
src/ckpt/checkpoint.h:2: includes \"nn/layer/model.h\": nn/layer/ is above ckpt/
src/ckpt/safetensors.c:1: includes \"nn/init.h\": nn/ is above ckpt/
src/data/load.h:2: includes \"cli/cli.h\": cli/ is above data/
src/data/locate.h:1: includes \"config/config.h\": config/ is above data/
src/extra/x.c: src/extra/ is in no layer (add it to the order in scripts/check-layers.sh and docs/design.md)
src/math/vec.h:1: includes \"vec_avx2.h\": no such file beside it (a header of another folder is included as \"folder/name.h\")
src/nn/act/relu.c:1: includes \"nn/layer/model.h\": nn/layer/ is above nn/act/
src/plot/plot.c:1: includes \"nntrain.h\": the public header is for src/sweep/ src/cli/ and tests/ only
src/run/csv.h:1: includes \"nntrain.h\": the public header is for src/sweep/ src/cli/ and tests/ only
src/sys/fs.c:1: includes \"../cli/cli.h\": ../cli is in no layer
include/nntrain.h:1: includes \"sweep/sweep.h\": the public header includes at most run/
check-layers: 11 of 13 includes point up or nowhere; 1 file in no layer
$bad/lib.a: exported without the nn_ prefix: .gomp_critical_user_lock (lib.o: omp critical(lock))
$bad/lib.a: exported without the nn_ prefix: locked (lib.o)
$bad/lib.a: exported without the nn_ prefix: sweep_read (lib.o)
$bad/lib.a: exported without the nn_ prefix: table_size (lib.o)
check-layers: $bad/lib.a: 4 of 5 exported names without the nn_ prefix"
    got_clean=$("$0" --root "$clean" --lib "$clean/lib.a" 2>&1) && rc_clean=0 || rc_clean=$?
    got_bad=$("$0" --root "$bad" --lib "$bad/lib.a" 2>&1) && rc_bad=0 || rc_bad=$?
    ok=1
    for t in clean:0 bad:1; do
        n=${t%:*} w=want_${n} g=got_${n} r=rc_${n}
        if [[ ${!g} != "${!w}" || ${!r} != "${t#*:}" ]]; then
            printf 'check-layers: self-test failed on the %s tree; expected (exit %s):\n%s\ngot (exit %s):\n%s\n' \
                "$n" "${t#*:}" "${!w}" "${!r}" "${!g}" >&2
            ok=0
        fi
    done
    [[ $ok == 1 ]] || exit 1
    echo "check-layers: self-test ok (a clean tree passes; 11 upward includes, 1 unplaced file and 4 names without nn_ fail)"
    exit 0
fi

root=. lib=build/libnntrain.a
while [[ $# -gt 0 ]]; do
    case $1 in
        --root) root=$2; shift 2 ;;
        --lib) lib=$2; shift 2 ;;
        *) echo "usage: scripts/check-layers.sh [--root DIR] [--lib ARCHIVE] | --self-test" >&2; exit 2 ;;
    esac
done
[[ -f $lib ]] || { echo "check-layers: $lib not found (build it first: make)" >&2; exit 2; }

# Includes: one "file<TAB>line<TAB>target" row per #include "...", then one awk over them.
mapfile -t files < <(cd "$root" && find src include -name '*.[ch]' 2>/dev/null | LC_ALL=C sort)
[[ ${#files[@]} -gt 0 ]] || { echo "check-layers: no C files in $root/src" >&2; exit 2; }
status=0
(cd "$root" && awk '
    FNR == 1 { print FILENAME "\t0\t" }   # every file, even one without includes
    /^[ \t]*#[ \t]*include[ \t]*"/ {
        t = $0; sub(/^[^"]*"/, "", t); sub(/".*/, "", t); print FILENAME "\t" FNR "\t" t
    }' "${files[@]}") |
awk -F '\t' -v levels="$(printf '%s\n' "${order[@]}" | tr '\n' '|')" \
    -v except="${exceptions[*]}" -v users="$public_users" -v pubmax="$public_max" -v root="$root" '
BEGIN {
    n = split(levels, lv, "|")
    for (i = 1; i <= n; i++) { k = split(lv[i], fs, " "); for (j = 1; j <= k; j++) level[fs[j]] = i }
    k = split(except, ex, " "); for (i = 1; i <= k; i++) excepted[ex[i]] = 1
    k = split(users, us, " "); for (i = 1; i <= k; i++) { user[us[i]] = 1; userlist = userlist "src/" us[i] "/ " }
}
function dir(p) { return p ~ /\// ? substr(p, 1, match(p, /\/[^\/]*$/) - 1) : "" }
function up(file, line, msg) {
    if (file in excepted) {
        excused[file] = excused[file] "check-layers: excused (on the exception list): " file ":" line ": " msg "\n"
        nexcused++
    } else { bad[++nbad] = file ":" line ": " msg }
}
$2 == 0 {
    nfiles++; f = $1
    if (f != "include/nntrain.h" && !((folder[f] = substr(dir(f), 5)) in level))
        unplaced[++nunplaced] = f ": src/" folder[f] "/ is in no layer (add it to the order in scripts/check-layers.sh and docs/design.md)"
    next
}
{
    nincludes++; f = $1; t = $3; tdir = dir(t)
    if (f == "include/nntrain.h") {
        if (!(tdir in level) || level[tdir] > level[pubmax])
            up(f, $2, "includes \"" t "\": the public header includes at most " pubmax "/")
    } else if (!(folder[f] in level)) {
        nincludes--     # reported once, as an unplaced file
    } else if (t == "nntrain.h") {
        if (!(folder[f] in user))
            up(f, $2, "includes \"nntrain.h\": the public header is for " userlist "and tests/ only")
    } else if (tdir == "") {
        if (system("test -f \"" root "/" dir(f) "/" t "\"") != 0)
            up(f, $2, "includes \"" t "\": no such file beside it (a header of another folder is included as \"folder/name.h\")")
    } else if (!(tdir in level)) {
        up(f, $2, "includes \"" t "\": " tdir " is in no layer")
    } else if (level[tdir] > level[folder[f]]) {
        up(f, $2, "includes \"" t "\": " tdir "/ is above " folder[f] "/")
    }
}
END {
    k = split(except, ex, " ")
    for (i = 1; i <= k; i++) {
        if (ex[i] in excused) printf "%s", excused[ex[i]]
        else if (system("test -f \"" root "/" ex[i] "\"") != 0) print "check-layers: not in this tree: " ex[i] " (on the exception list)"
        else print "check-layers: on the exception list, includes nothing upward: " ex[i]
    }
    # Offenders sorted by file, the public header last (as its own kind).
    m = 0
    for (i = 1; i <= nbad; i++) if (bad[i] !~ /^include\//) out[++m] = bad[i]
    for (i = 1; i <= nunplaced; i++) out[++m] = unplaced[i]
    for (i = 2; i <= m; i++) { v = out[i]; for (j = i - 1; j >= 1 && out[j] > v; j--) out[j + 1] = out[j]; out[j + 1] = v }
    for (i = 1; i <= nbad; i++) if (bad[i] ~ /^include\//) out[++m] = bad[i]
    for (i = 1; i <= m; i++) print out[i]
    if (m) {
        printf "check-layers: %d of %d includes point up or nowhere", nbad, nincludes
        if (nunplaced) printf "; %d file%s in no layer", nunplaced, (nunplaced > 1 ? "s" : "")
        printf "\n"; exit 1
    }
    printf "check-layers: %d files, %d includes, none pointing up%s\n", nfiles, nincludes,
        nexcused ? " (" nexcused " excused by the exception list)" : ""
}' || status=1

# Exported names: every global symbol the archive defines. An "omp critical(name)" lock is
# a common symbol .gomp_critical_user_<name>: the name given is what must carry the prefix.
names=$(nm -A -g --defined-only "$lib") || { echo "check-layers: nm failed on $lib" >&2; exit 2; }
awk -v lib="$lib" '
NF >= 3 {
    total++; sym = $NF; obj = $1; sub(/:[0-9a-fA-F]*$/, "", obj); sub(/^.*:/, "", obj)
    name = sym; how = ""
    if (sub(/^\.gomp_critical_user_/, "", name)) how = ": omp critical(" name ")"
    if (name !~ /^nn_/) { bad++; print lib ": exported without the nn_ prefix: " sym " (" obj how ")" }
}
END {
    if (bad) { printf "check-layers: %s: %d of %d exported names without the nn_ prefix\n", lib, bad, total; exit 1 }
    printf "check-layers: %s: %d exported names, all with the nn_ prefix\n", lib, total
}' <<<"$names" || status=1
exit $status
