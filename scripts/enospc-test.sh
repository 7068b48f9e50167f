#!/usr/bin/env bash
# enospc-test.sh - runs whose disk fills up mid-run: each exits 4 and its CSV, per-unit CSV
# and every-N-steps CSV keep whole rows only (the half-written rows are cut off). Needs root
# (a 64 KB tmpfs is mounted): says "skipped" and exits 0 without. Needs data/mnist.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
if ! mount -t tmpfs -o size=64k tmpfs "$dir" 2> /dev/null; then
    rmdir "$dir"
    echo "enospc-test: skipped: cannot mount a tmpfs (needs root)"
    exit 0
fi
trap 'umount "$dir"; rmdir "$dir"' EXIT
# whole FILE...: every line of each has the header's number of fields and ends in '\n'
whole() {
    for f in "$@"; do
        [ -e "$f" ] || continue
        awk -F, 'NR == 1 { n = NF } NF != n { exit 1 }' "$f" && [ -z "$(tail -c 1 "$f")" ] ||
            { echo "enospc-test: a torn row in $f" >&2; exit 1; }
    done
}
# run NAME FREE_KB ARGS...: fills the 64 KB tmpfs to FREE_KB free, then trains into it;
# expects exit 4 and whole rows in every file it wrote
run() {
    local name=$1 code=0 msg
    rm -f "$dir"/*
    dd if=/dev/zero of="$dir/fill" bs=1k count=$((64 - $2)) 2> /dev/null
    shift 2
    ./nntrain configs/mnist_relu.json --set data.train_limit=200 --set data.test_limit=100 \
        --csv "$dir/run.csv" --quiet "$@" 2> "$dir/../enospc.err" || code=$?
    msg=$(cat "$dir/../enospc.err")
    rm -f "$dir/../enospc.err"
    [ "$code" -eq 4 ] || { echo "enospc-test: $name: expected exit 4, got $code: $msg" >&2; exit 1; }
    whole "$dir/run.csv" "$dir/units.csv" "$dir/run.steps.csv"
    echo "enospc-test: $name: exit 4 on a full disk, whole rows kept ($(wc -l < "$dir/run.csv") lines in the CSV$(
        [ -e "$dir/units.csv" ] && echo ", $(wc -l < "$dir/units.csv") in the per-unit CSV")$(
        [ -e "$dir/run.steps.csv" ] && echo ", $(wc -l < "$dir/run.steps.csv") in the steps CSV")): $msg"
}
run "the CSV" 8 --epochs 80
run "the per-unit and steps CSVs" 40 --epochs 80 --set output.units="$dir/units.csv" \
    --set dead_units.every_steps=1
