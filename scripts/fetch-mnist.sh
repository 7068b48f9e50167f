#!/usr/bin/env bash
# fetch-mnist.sh - puts the four MNIST .gz files into data/mnist/ and verifies them
# against data/mnist.sha256. Run with --help for usage.
set -euo pipefail

FILES=(
    train-images-idx3-ubyte.gz
    train-labels-idx1-ubyte.gz
    t10k-images-idx3-ubyte.gz
    t10k-labels-idx1-ubyte.gz
)
MIRRORS=(
    https://ossci-datasets.s3.amazonaws.com/mnist/
    https://storage.googleapis.com/cvdf-datasets/mnist/
    http://yann.lecun.com/exdb/mnist/
)
LOCAL_DEFAULT=../shared/data/mnist
DEST=data/mnist
SUMS=data/mnist.sha256

usage() {
    cat <<EOF
usage: scripts/fetch-mnist.sh [SOURCE]

Puts the four MNIST files (${FILES[*]})
into data/mnist/ of the repository and verifies their SHA-256 against data/mnist.sha256.

SOURCE (or \$MNIST_SOURCE) is a local directory holding the files (they are copied)
or an http(s) base URL (the file names are appended). Without one, the public mirrors
  ${MIRRORS[*]}
in that order, then $LOCAL_DEFAULT (relative to the repository root) when it exists.

Files already present and verified are left alone. A file that fails verification is
removed and the script exits non-zero.
EOF
}

say() { printf 'fetch-mnist: %s\n' "$*"; }
die() { printf 'fetch-mnist: error: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option '$1'" ;;
esac
[[ $# -le 1 ]] || { usage >&2; die "expected at most one SOURCE argument, got $#"; }

repo=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

# Sources are resolved before the cd below, so a relative SOURCE means what the user meant.
# The list of sources to try, in order.
source_arg=${1:-${MNIST_SOURCE:-}}
sources=()
if [[ -n $source_arg ]]; then
    if [[ $source_arg =~ ^https?:// ]]; then
        sources=("${source_arg%/}/")
    elif [[ -d $source_arg ]]; then
        sources=("$(cd -P -- "$source_arg" && pwd)")
    else
        die "source '$source_arg' is neither a directory nor an http(s):// URL"
    fi
else
    # The public mirrors; then, offline, the shared copy beside the repository (the
    # layout of our CI and development machines) when there is one.
    sources=("${MIRRORS[@]}")
    local_default=$repo/$LOCAL_DEFAULT
    if [[ -d $local_default ]]; then
        sources+=("$(cd -P -- "$local_default" && pwd)")
    fi
fi



# Everything below is relative to the repository root (the parent of scripts/).
cd -- "$repo"

[[ -r $SUMS ]] || die "$SUMS not found: it holds the expected SHA-256 of each file"

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum -- "$1" | cut -d' ' -f1
    else
        shasum -a 256 -- "$1" | cut -d' ' -f1
    fi
}

expected_sum() {
    local sum
    sum=$(awk -v f="$1" '$2 == f || $2 == "*" f { print $1; exit }' "$SUMS")
    [[ $sum =~ ^[0-9a-f]{64}$ ]] || die "$SUMS has no SHA-256 line for $1"
    printf '%s\n' "$sum"
}

# verify FILE NAME: 0 when FILE has the checksum listed for NAME.
verify() {
    [[ -f $1 ]] && [[ $(sha256_of "$1") == "$(expected_sum "$2")" ]]
}

# download URL OUT: curl or wget with short connect timeouts, a few retries, and a
# stall timeout (no total limit: the largest file is 9.9 MB).
download() {
    if command -v curl >/dev/null 2>&1; then
        curl --fail --silent --show-error --location --connect-timeout 10 \
            --retry 2 --retry-delay 2 --speed-limit 1024 --speed-time 30 \
            --output "$2" -- "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget --quiet --connect-timeout=10 --read-timeout=30 --tries=3 \
            --output-document="$2" -- "$1"
    else
        printf 'neither curl nor wget is installed\n' >&2
        return 1
    fi
}

mkdir -p -- "$DEST"
tmp=
trap 'if [[ -n $tmp ]]; then rm -f -- "$tmp"; fi' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for f in "${FILES[@]}"; do
    out=$DEST/$f
    expected_sum "$f" >/dev/null
    if [[ -e $out ]]; then
        if verify "$out" "$f"; then
            say "$f: ok (already present)"
            continue
        fi
        rm -f -- "$out"
        say "$f: checksum mismatch, removed the old copy; fetching again"
    fi

    tmp=$DEST/.$f.part.$$
    fetched=
    problems=()
    for src in "${sources[@]}"; do
        rm -f -- "$tmp"
        if [[ $src =~ ^https?:// ]]; then
            from=$src$f
            if ! msg=$(download "$from" "$tmp" 2>&1); then
                msg=${msg%$'\n'}
                problems+=("$from: download failed: ${msg##*$'\n'}")
                continue
            fi
            how="downloaded from $from"
        else
            from=$src/$f
            if [[ ! -f $from ]]; then
                problems+=("$from: no such file")
                continue
            fi
            cp -- "$from" "$tmp"
            chmod u+w -- "$tmp" # a read-only source would give a read-only copy
            how="copied from $src"
        fi
        if ! verify "$tmp" "$f"; then
            got=$(sha256_of "$tmp")
            problems+=("$from: wrong SHA-256 $got, expected $(expected_sum "$f") ($SUMS); removed it")
            continue
        fi
        mv -f -- "$tmp" "$out"
        fetched=1
        # Try the source that worked first for the next files.
        rest=()
        for other in "${sources[@]}"; do
            [[ $other == "$src" ]] || rest+=("$other")
        done
        sources=("$src" "${rest[@]}")
        break
    done
    rm -f -- "$tmp"
    tmp=

    if [[ -z $fetched ]]; then
        for p in "${problems[@]}"; do
            printf 'fetch-mnist:   %s\n' "$p" >&2
        done
        die "could not get a verified $f (tried ${#sources[@]} source(s); see above)"
    fi
    say "$f: ok ($how)"
done
