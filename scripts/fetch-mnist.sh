#!/usr/bin/env bash
# fetch-mnist.sh - puts the four MNIST .gz files into a folder (in a source tree by default
# data/mnist/) and verifies them against the SHA-256 list it ships with. "nntrain fetch
# mnist" runs it (installed as $(LIBEXECDIR)/fetch-mnist). Run with --help for usage.
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

# Where this script really is (symlinks followed): its checksums are found from there.
here=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
# In a source tree (scripts/ beside data/mnist.sha256) the default folder is data/mnist.
repo=
if [[ -r $here/../data/mnist.sha256 ]]; then
    repo=$(cd -P -- "$here/.." && pwd)
fi

usage() {
    cat <<EOF
usage: fetch-mnist [--dest DIR] [--source DIR|URL] [--sums FILE] [SOURCE]

Puts the four MNIST files (${FILES[*]})
into DIR and verifies their SHA-256. DIR defaults to data/mnist of the source tree the
script is in (make data); an installed copy needs --dest ("nntrain fetch mnist" passes
<data root>/mnist).

SOURCE (--source, or \$MNIST_SOURCE) is a local directory holding the files (they are
copied) or an http(s) base URL (the file names are appended). Without one, the public
mirrors
  ${MIRRORS[*]}
in that order, then, in a source tree, $LOCAL_DEFAULT (relative to it) when it exists.

The SHA-256 list (sha256sum format) is --sums FILE, else the first of: mnist.sha256
beside the script, ../data/mnist.sha256 (a source tree), ../../share/nntrain/mnist.sha256
(an install: lib/nntrain/ beside share/nntrain/).

Files already present and verified are left alone. A file in DIR that fails
verification is removed and fetched again, unless it is a source's own file (SOURCE is
DIR, or the file is a link to the source's): the user's file is never removed or
rewritten; it is reported (exit 3) and left as it is. A source file that fails
verification is reported and not copied. Exit status: 0 done, 2 usage, 3 a file could not be fetched and verified, 4 the
folder cannot be created.
EOF
}

# The text with control characters made visible (\n, \t, \r, \xNN), as nntrain's own
# messages are: a path with a newline in it cannot split a message line.
esc() {
    local s=$1 out='' c i
    local LC_ALL=C
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            $'\n') out+='\n' ;;
            $'\t') out+='\t' ;;
            $'\r') out+='\r' ;;
            [[:cntrl:]]) printf -v c '\\x%02x' "'$c" && out+=$c ;;
            *) out+=$c ;;
        esac
    done
    printf '%s' "$out"
}
say() { printf 'fetch-mnist: %s\n' "$(esc "$*")"; }
# die CODE MESSAGE
die() {
    printf 'fetch-mnist: error: %s\n' "$(esc "$2")" >&2
    exit "$1"
}

dest= sums= source_arg=
while [[ $# -gt 0 ]]; do
    case $1 in
        -h | --help)
            usage
            exit 0
            ;;
        --dest | --source | --sums)
            [[ $# -ge 2 && -n $2 ]] || die 2 "$1 needs a value (see --help)"
            case $1 in
                --dest) dest=$2 ;;
                --source) source_arg=$2 ;;
                --sums) sums=$2 ;;
            esac
            shift 2
            ;;
        --dest=?* | --source=?* | --sums=?*)
            case $1 in
                --dest=*) dest=${1#*=} ;;
                --source=*) source_arg=${1#*=} ;;
                --sums=*) sums=${1#*=} ;;
            esac
            shift
            ;;
        -*) die 2 "unknown option '$1' (see --help)" ;;
        *)
            [[ -z $source_arg ]] || die 2 "one SOURCE expected, found a second one: '$1'"
            source_arg=$1
            shift
            ;;
    esac
done

if [[ -z $dest ]]; then
    [[ -n $repo ]] || die 2 "give --dest DIR (the default, data/mnist, is for a source tree)"
    dest=$repo/data/mnist
fi
if [[ -z $sums ]]; then
    for s in "$here/mnist.sha256" "$here/../data/mnist.sha256" \
        "$here/../../share/nntrain/mnist.sha256"; do
        if [[ -r $s ]]; then
            sums=$(readlink -f -- "$s")
            break
        fi
    done
    [[ -n $sums ]] || die 2 "no mnist.sha256 beside $here, in $here/../data or in $here/../../share/nntrain; give --sums FILE"
fi
[[ -r $sums ]] || die 2 "$sums not found: it holds the expected SHA-256 of each file (--sums)"
SUMS=$sums
DEST=$dest

# The list of sources to try, in order.
source_arg=${source_arg:-${MNIST_SOURCE:-}}
sources=()
if [[ -n $source_arg ]]; then
    if [[ $source_arg =~ ^https?:// ]]; then
        sources=("${source_arg%/}/")
    elif [[ -d $source_arg ]]; then
        sources=("$(cd -P -- "$source_arg" && pwd)")
    else
        die 2 "source '$source_arg' is neither a directory nor an http(s):// URL"
    fi
else
    # The public mirrors; then, offline, the shared copy beside a source tree (the layout
    # of our CI and development machines) when there is one.
    sources=("${MIRRORS[@]}")
    if [[ -n $repo && -d $repo/$LOCAL_DEFAULT ]]; then
        sources+=("$(cd -P -- "$repo/$LOCAL_DEFAULT" && pwd)")
    fi
fi

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
    [[ $sum =~ ^[0-9a-f]{64}$ ]] || die 3 "$SUMS has no SHA-256 line for $1"
    printf '%s\n' "$sum"
}

# verify FILE NAME: 0 when FILE has the checksum listed for NAME.
verify() {
    [[ -f $1 ]] && [[ $(sha256_of "$1") == "$(expected_sum "$2")" ]]
}

# source_of OUT NAME: the local source whose file NAME is OUT itself (the same folder, or
# a symlink or hard link either way), printed; 1 when none is.
source_of() {
    local src
    for src in "${sources[@]}"; do
        if [[ ! $src =~ ^https?:// && -e $src/$2 && $src/$2 -ef $1 ]]; then
            printf '%s\n' "$src"
            return 0
        fi
    done
    return 1
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

mkdir -p -- "$DEST" 2>/dev/null || die 4 "cannot create the folder $DEST"
say "into $DEST (checksums: $SUMS)"
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
        if owner=$(source_of "$out" "$f"); then
            die 3 "$out: wrong SHA-256 $(sha256_of "$out"), expected $(expected_sum "$f") ($SUMS); it is the source's own file ($owner/$f), so it is left as it is: replace it with a good copy"
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
            # cp's reason goes into the one line (a full disk: "No space left on device").
            if ! msg=$(cp -- "$from" "$tmp" 2>&1); then
                msg=${msg%$'\n'}
                die 4 "cannot copy $from to $tmp: ${msg##*: }"
            fi
            chmod u+w -- "$tmp" # a read-only source would give a read-only copy
            how="copied from $src"
        fi
        if ! verify "$tmp" "$f"; then
            got=$(sha256_of "$tmp")
            problems+=("$from: wrong SHA-256 $got, expected $(expected_sum "$f") ($SUMS); not kept")
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
        if [[ ${#problems[@]} -eq 1 ]]; then
            die 3 "could not get a verified $f: ${problems[0]}"
        fi
        for p in "${problems[@]}"; do
            printf 'fetch-mnist:   %s\n' "$(esc "$p")" >&2
        done
        die 3 "could not get a verified $f (tried ${#sources[@]} sources; see above); offline, name a copy: --source DIR or MNIST_SOURCE=DIR"
    fi
    say "$f: ok ($how)"
done
