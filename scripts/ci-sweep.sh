#!/usr/bin/env bash
# ci-sweep.sh - a small sweep on real MNIST three ways: in this process (twice: the second
# must do nothing), as a job list run by GNU parallel then --collect, and one line of the
# job list through scripts/sweep.sbatch as a Slurm array task would run it. The summaries
# must agree (seconds aside: summary.csv has none). Needs data/mnist and GNU parallel.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/sweep.json" <<JSON
{"base": "configs/mnist_relu.json",
 "activations": ["relu", "elu"],
 "grid": {"optimizer.lr": [0.05, 3.0]},
 "set": {"data.train_limit": 2000, "data.test_limit": 1000, "train.epochs": 2,
         "optimizer.schedule.type": "none"},
 "seeds": [1, 2], "jobs": 2, "out": "$tmp/a"}
JSON

./nntrain sweep "$tmp/sweep.json" > "$tmp/table.txt"
test -s "$tmp/a/summary.csv"
n=$(ls "$tmp"/a/*.status.json | wc -l)
[ "$n" -eq 8 ] || { echo "ci-sweep: expected 8 runs, found $n" >&2; exit 1; }
./nntrain sweep "$tmp/sweep.json" 2> "$tmp/again.txt"
grep -q "nothing to do" "$tmp/again.txt" || { cat "$tmp/again.txt" >&2; exit 1; }

./nntrain sweep "$tmp/sweep.json" --out "$tmp/b" --print-jobs > "$tmp/jobs.txt"
[ "$(wc -l < "$tmp/jobs.txt")" -eq 8 ]
# Line 1 as Slurm task 1 would run it; the rest through GNU parallel (runs that diverge
# exit 1: parallel reports them, the sweep records them).
SLURM_ARRAY_TASK_ID=1 scripts/sweep.sbatch "$tmp/jobs.txt"
tail -n +2 "$tmp/jobs.txt" | parallel -j2 2> /dev/null || true
./nntrain sweep "$tmp/sweep.json" --out "$tmp/b" --collect > /dev/null
cmp "$tmp/a/summary.csv" "$tmp/b/summary.csv"
cmp "$tmp/a/epochs.csv" "$tmp/b/epochs.csv"
echo "ci-sweep: in-process, GNU parallel and the Slurm task script agree:"
cat "$tmp/table.txt"
