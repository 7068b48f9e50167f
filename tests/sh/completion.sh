#!/usr/bin/env bash
# completion.sh - drives completions/nntrain through bash-completion's machinery: sets
# COMP_WORDS / COMP_CWORD / COMP_LINE / COMP_POINT as readline would, calls the function
# `complete -p nntrain` names, and checks COMPREPLY. Run from the repository root (make
# test runs it from the install suite). Exit 0 passed, 1 failed, 77 skipped (no
# bash-completion).
set -uo pipefail

BC=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
if [[ ! -r $BC ]]; then
    echo "completion: $BC not found (Debian: apt-get install bash-completion)" >&2
    exit 77
fi
root=$PWD
# bash_completion reads user files and settings; keep them out of the test
export HOME=$(mktemp -d) BASH_COMPLETION_USER_DIR=/nonexistent XDG_DATA_HOME=/nonexistent
trap 'rm -rf "$HOME"' EXIT
# shellcheck source=/dev/null
. "$BC"
# shellcheck source=completions/nntrain
. "$root/completions/nntrain"
# compopt works only while readline runs a completion: record a nospace request instead
compopt() { [[ $* != *nospace* ]] || COMPOPT="$*"; }
func=$(complete -p nntrain | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
[[ -n $func ]] || { echo "completion: nntrain has no completion function" >&2; exit 1; }

cd "$HOME" || exit 1
mkdir sub
printf '{"model": [{"type": "dense", "units": 4}, {"type": "relu"}, {"type": "dense", "units": 2}],\n "optimizer": {"type": "sgd"}}\n' > net.json
touch other.txt

fails=0
# complete LINE: COMPREPLY for the end of LINE, words split as readline splits them
# (COMP_WORDBREAKS: "=" and ":" end a word too).
complete_line()
{
    local line=$1
    COMP_LINE=$line
    COMP_POINT=${#line}
    read -r -a COMP_WORDS <<<"$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    # readline breaks "a=b" into "a" "=" "b"
    local w split_words=()
    for w in "${COMP_WORDS[@]}"; do
        while [[ $w == *=* ]]; do
            split_words+=("${w%%=*}" "=")
            w=${w#*=}
        done
        split_words+=("$w")
    done
    COMP_WORDS=("${split_words[@]}")
    [[ ${COMP_WORDS[-1]} == "" && $line != *[\ =] ]] && unset 'COMP_WORDS[-1]'
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=() COMPOPT=
    "$func" nntrain "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
    { printf '%s\n' "${COMPREPLY[@]}"; [[ -z $COMPOPT ]] || echo "[compopt $COMPOPT]"; } | sort
}

# expect LINE WORD...: every WORD is among the completions of LINE
expect()
{
    local line=$1 got w
    shift
    got=$(complete_line "$line")
    for w in "$@"; do
        if ! grep -qxF -- "$w" <<<"$got"; then
            printf 'completion: FAIL "%s<TAB>": expected "%s", got: %s\n' "$line" "$w" \
                "$(tr '\n' ' ' <<<"$got")" >&2
            fails=$((fails + 1))
            return
        fi
    done
    printf 'completion: ok   "%s<TAB>" -> %s\n' "$line" "$*"
}

# only LINE WORD...: the completions of LINE are exactly the WORDs
only()
{
    local line=$1 got want
    shift
    got=$(complete_line "$line")
    want=$(printf '%s\n' "$@" | sort)
    if [[ $got != "$want" ]]; then
        printf 'completion: FAIL "%s<TAB>": expected exactly "%s", got: %s\n' "$line" "$*" \
            "$(tr '\n' ' ' <<<"$got")" >&2
        fails=$((fails + 1))
        return
    fi
    printf 'completion: ok   "%s<TAB>" -> %s\n' "$line" "$*"
}

only 'nntrain sw' sweep
only 'nntrain --th' --threads
only 'nntrain net.json --ep' --epochs
only 'nntrain sweep --pr' --print-jobs
only 'nntrain eval x --sp' --split
only 'nntrain eval x --split ' test train val
expect 'nntrain ' sweep eval predict check-data net.json sub
only 'nntrain n' net.json
only 'nntrain --set optimizer.l' optimizer.lr= '[compopt -o nospace]'
expect 'nntrain --set optimizer.' optimizer.lr= optimizer.momentum= optimizer.schedule.type=
expect 'nntrain --set model.' model.0. model.9.
only 'nntrain net.json --set model.' model.0. model.1. model.2. '[compopt -o nospace]'
expect 'nntrain net.json --set model.1.' model.1.type= model.1.units= model.1.negative_slope=
only 'nntrain net.json --set optimizer.schedule.type=co' cosine
only 'nntrain --set model.0.type=leaky' leaky_relu
only 'nntrain fetch ' mnist
expect 'nntrain fetch mnist --' --source --dest
only 'nntrain ta' tables
only 'nntrain tables '
only 'nntrain tables --' --help

if ((fails > 0)); then
    echo "completion: $fails failed" >&2
    exit 1
fi
