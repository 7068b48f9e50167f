#!/usr/bin/env bash
# bench-load.sh - how long loading the 60,000 MNIST training images takes from an image
# folder of PNGs compared with the IDX .gz file (acceptance: less than 3x).
#
# Exports data/mnist/train-images-idx3-ubyte.gz once as PNGs into a temporary folder,
# then runs `nntrain check-data` (loads the data a config names, trains nothing) on an
# IDX config and on a folder config, alternately, RUNS times each, and prints the median
# of the "train:" load time each reports: for IDX, reading and decompressing the two
# .gz files; for the folder, listing it and decoding every PNG (in parallel, on all
# cores). The test sets are loaded too but not counted.
#
# usage: scripts/bench-load.sh [RUNS]      (default 7; needs data/mnist: make data)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-7}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench-load: RUNS must be a positive integer" >&2; exit 2; }
mnist=data/mnist
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz \
         t10k-labels-idx1-ubyte.gz; do
    [[ -f $mnist/$f ]] || { echo "bench-load: $mnist/$f missing; run make data" >&2; exit 2; }
done
make --no-print-directory nntrain >&2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nntrain-bench-load.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
echo "exporting the training set to $tmp/train ..." >&2
./nntrain export-images "$mnist/train-images-idx3-ubyte.gz" "$mnist/train-labels-idx1-ubyte.gz" \
    "$tmp/train" >&2
./nntrain export-images "$mnist/t10k-images-idx3-ubyte.gz" "$mnist/t10k-labels-idx1-ubyte.gz" \
    "$tmp/test" >&2

model='"model": [{"type": "dense", "units": 10}]'
cat > "$tmp/idx.json" <<JSON
{"data": {"format": "idx",
          "train_images": "$mnist/train-images-idx3-ubyte.gz", "train_labels": "$mnist/train-labels-idx1-ubyte.gz",
          "test_images": "$mnist/t10k-images-idx3-ubyte.gz", "test_labels": "$mnist/t10k-labels-idx1-ubyte.gz"},
 $model}
JSON
cat > "$tmp/folder.json" <<JSON
{"data": {"format": "image_folder", "train_dir": "$tmp/train", "test_dir": "$tmp/test"},
 $model}
JSON

# The seconds in the "train: ... (S s" line of check-data's report.
load_seconds() {
    local out
    out=$(./nntrain check-data "$1" 2>&1) || { printf '%s\n' "$out" >&2; exit 1; }
    printf '%s\n' "$out" | sed -n 's/^train: .*(\([0-9.]*\) s[:)].*/\1/p'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

idx_times=() folder_times=()
for ((i = 1; i <= runs; i++)); do
    idx_times+=("$(load_seconds "$tmp/idx.json")")
    folder_times+=("$(load_seconds "$tmp/folder.json")")
    echo "run $i/$runs: idx ${idx_times[-1]} s, folder ${folder_times[-1]} s" >&2
done
idx=$(printf '%s\n' "${idx_times[@]}" | median)
folder=$(printf '%s\n' "${folder_times[@]}" | median)
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
awk -v i="$idx" -v f="$folder" -v n="$runs" -v c="$cores" 'BEGIN {
    printf "loading the 60000 MNIST training images (median of %d runs, %s cores):\n", n, c
    printf "  IDX .gz (train-images + train-labels): %.3f s\n", i
    printf "  image folder of PNGs (list + decode):  %.3f s\n", f
    printf "  ratio folder / IDX: %.2fx (acceptance: < 3x)\n", f / i
}'
