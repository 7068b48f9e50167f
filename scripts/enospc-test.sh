#!/usr/bin/env bash
# enospc-test.sh - a run whose disk fills up mid-run: it exits 4 and its CSV keeps whole
# rows only (the half-written row is cut off). Needs root (a 64 KB tmpfs is mounted);
# says "skipped" and exits 0 without. Needs data/mnist.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
if ! mount -t tmpfs -o size=64k tmpfs "$dir" 2> /dev/null; then
    rmdir "$dir"
    echo "enospc-test: skipped: cannot mount a tmpfs (needs root)"
    exit 0
fi
trap 'umount "$dir"; rmdir "$dir"' EXIT
dd if=/dev/zero of="$dir/fill" bs=1k count=56 2> /dev/null # 8 KB left: room for 2 pages
code=0
./nntrain configs/mnist_relu.json --epochs 80 --set data.train_limit=200 --set data.test_limit=100 \
    --csv "$dir/run.csv" --quiet 2> "$dir/../enospc.err" || code=$?
msg=$(cat "$dir/../enospc.err")
rm -f "$dir/../enospc.err"
[ "$code" -eq 4 ] || { echo "enospc-test: expected exit 4, got $code: $msg" >&2; exit 1; }
awk -F, 'NR == 1 { n = NF } NF != n { exit 1 }' "$dir/run.csv" && [ -z "$(tail -c 1 "$dir/run.csv")" ] ||
    { echo "enospc-test: a torn row in the CSV" >&2; exit 1; }
echo "enospc-test: exit 4 on a full disk, $(($(wc -l < "$dir/run.csv") - 1)) whole rows kept: $msg"
