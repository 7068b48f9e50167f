#!/usr/bin/env bash
# install-test.sh - make install into a temporary DESTDIR (PREFIX=/usr), run the installed
# nntrain from an empty directory, make uninstall, and check that nothing is left. Run
# with --help for usage.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    cat <<EOF2
usage: scripts/install-test.sh [--no-run]

Installs nntrain with make install DESTDIR=TMP PREFIX=/usr, then, from an empty
directory and with NNTRAIN_DATA set (default: ../shared/data when it holds mnist/,
else data/ of this tree, as an absolute path), runs the installed binary: --version,
--help, one epoch of TMP/usr/share/nntrain/configs/mnist_leaky.json, and --print-jobs
of the installed sweep configs/study/activations.json (its base found next to it).
Then make uninstall DESTDIR=TMP PREFIX=/usr must leave no file, and no directory
under share/nntrain or lib/nntrain. --no-run: install and uninstall only.
EOF2
}

run=1
for arg in "$@"; do
    case $arg in
        -h | --help) usage; exit 0 ;;
        --no-run) run=0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

say() { printf 'install-test: %s\n' "$*"; }
die() { printf 'install-test: error: %s\n' "$*" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
make --no-print-directory install DESTDIR="$dest" PREFIX=/usr >/dev/null
say "installed $(find "$dest" -type f | wc -l) files under DESTDIR=$dest, PREFIX=/usr"
bin=$dest/usr/bin/nntrain
share=$dest/usr/share/nntrain
for f in "$bin" "$dest/usr/lib/nntrain/fetch-mnist" "$share/mnist.sha256" \
    "$share/configs/mnist_leaky.json" "$share/configs/study/activations.json" \
    "$dest/usr/share/man/man1/nntrain.1" "$dest/usr/share/man/man5/nntrain-config.5" \
    "$dest/usr/share/bash-completion/completions/nntrain"; do
    [[ -f $f ]] || die "make install did not install ${f#"$dest"}"
done

if [[ $run -eq 1 ]]; then
    if [[ -z ${NNTRAIN_DATA:-} ]]; then
        if [[ -d ../shared/data/mnist ]]; then
            NNTRAIN_DATA=$(cd ../shared/data && pwd)
        else
            NNTRAIN_DATA=$PWD/data
        fi
    fi
    export NNTRAIN_DATA
    mkdir "$tmp/empty"
    (
        cd "$tmp/empty"
        "$bin" --version
        "$bin" --help >/dev/null
        say "NNTRAIN_DATA=$NNTRAIN_DATA: one epoch of the installed mnist_leaky.json"
        "$bin" "$share/configs/mnist_leaky.json" --epochs 1 --csv run.csv --quiet
        [[ $(wc -l <run.csv) -eq 3 ]] || die "expected 3 CSV lines (header, epochs 0 and 1)"
        tail -n 1 run.csv
        "$bin" sweep "$share/configs/study/activations.json" --print-jobs --out sweep >jobs.txt
        say "installed sweep: $(wc -l <jobs.txt) jobs printed"
    )
    rm -rf "$tmp/empty"
fi

make --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null
left=$(find "$dest" -type f -o -type l; find "$dest" -depth -type d \( -path '*/share/nntrain*' -o -path '*/lib/nntrain*' \))
[[ -z $left ]] || die "make uninstall left: $left"
say "make uninstall: nothing left"
