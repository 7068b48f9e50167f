#!/usr/bin/env bash
# kill-test.sh - kill -9 at random moments, then resume: the CSV always has whole rows
# only, the last checkpoint always loads, and the run resumed again and again ends exactly
# as the same run done without interruption (CSV without seconds, checkpoint tensors byte
# for byte and its metadata but the command line). Needs data/mnist and /usr/bin/python3.
#
# usage: scripts/kill-test.sh [KILLS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-20}
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The same relative output paths in two folders: the checkpoints' config metadata agree.
args=(--epochs 8 --quiet --csv run.csv --set output.checkpoint=run.st
    --set data.train_limit=10000 --set data.test_limit=2000
    --set data.train_images="$root/data/mnist/train-images-idx3-ubyte.gz"
    --set data.train_labels="$root/data/mnist/train-labels-idx1-ubyte.gz"
    --set data.test_images="$root/data/mnist/t10k-images-idx3-ubyte.gz"
    --set data.test_labels="$root/data/mnist/t10k-labels-idx1-ubyte.gz")
config="$root/configs/mnist_prelu.json"
mkdir "$tmp/ref" "$tmp/run"
t0=$(date +%s%N)
(cd "$tmp/ref" && "$root/nntrain" "$config" "${args[@]}")
ms=$((($(date +%s%N) - t0) / 1000000)) # one whole run: the kills fall anywhere inside it

whole_rows() { # every line ends with a newline and has the header's field count
    awk -F, 'NR == 1 { n = NF } NF != n { exit 1 }' "$1" && [ -z "$(tail -c 1 "$1")" ]
}

cd "$tmp/run"
done_runs=0
for i in $(seq "$kills"); do
    resume=()
    [ -f run.st ] && resume=(--resume run.st)
    "$root/nntrain" "$config" "${args[@]}" "${resume[@]}" 2> /dev/null &
    pid=$!
    wait_ms=$(((RANDOM * 32768 + RANDOM) % (ms / 3 > 0 ? ms / 3 : 1)))
    sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
    if kill -9 "$pid" 2> /dev/null; then wait "$pid" 2> /dev/null || true; else
        wait "$pid" && done_runs=$((done_runs + 1)) || true
    fi
    [ -f run.csv ] && { whole_rows run.csv || { echo "kill-test: torn CSV after kill $i" >&2; cat run.csv >&2; exit 1; }; }
    if [ -f run.st ]; then
        "$root/nntrain" eval run.st > /dev/null 2>&1 ||
            { echo "kill-test: the checkpoint does not load after kill $i" >&2; exit 1; }
    fi
done
# Then to the end.
resume=()
[ -f run.st ] && resume=(--resume run.st)
"$root/nntrain" "$config" "${args[@]}" "${resume[@]}"
strip() { awk -F, 'BEGIN { OFS = "," } { NF = NF - 1; print }' "$1"; }
cmp <(strip "$tmp/ref/run.csv") <(strip run.csv)
# The checkpoints: every tensor byte for byte, and every metadata field but the command
# line that wrote them (the resumed run's has --resume).
/usr/bin/python3 - "$tmp/ref/run.st" run.st <<'PY'
import json, struct, sys
def read(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    meta.pop("command", None)
    data = blob[8 + n:]
    return meta, {k: (v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]])
                  for k, v in header.items()}
a, b = read(sys.argv[1]), read(sys.argv[2])
if a != b:
    sys.exit("kill-test: the resumed run's checkpoint differs from the uninterrupted run's")
PY
echo "kill-test: $kills kills with kill -9 ($done_runs runs finished before theirs): whole rows only, every checkpoint loaded, the result equals the uninterrupted run"
