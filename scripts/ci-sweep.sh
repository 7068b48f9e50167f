#!/usr/bin/env bash
# ci-sweep.sh - a small sweep on real MNIST four ways: in this process (twice: the second
# must do nothing), as a job list run by GNU parallel then --collect, one line of the job
# list through scripts/sweep.sbatch as a Slurm array task would run it, and two sweep
# processes started together on one folder. The summaries must agree (seconds aside:
# summary.csv has none). Needs data/mnist and GNU parallel.
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
# Two sweeps started together on one folder share it (docs/sweep.md, "Sharing a folder"):
# both succeed, the runs each did add up to the sweep's, and the summary is the same.
./nntrain sweep "$tmp/sweep.json" --out "$tmp/c" > /dev/null 2> "$tmp/c1.txt" & p1=$!
./nntrain sweep "$tmp/sweep.json" --out "$tmp/c" > /dev/null 2> "$tmp/c2.txt" & p2=$!
wait $p1 && wait $p2 || { cat "$tmp/c1.txt" "$tmp/c2.txt" >&2; exit 1; }
ran() { sed -n 's/^sweep: \([0-9]*\) runs in .*/\1/p' "$1"; }
[ $(( $(ran "$tmp/c1.txt") + $(ran "$tmp/c2.txt") )) -eq 8 ] ||
    { echo "ci-sweep: two sweeps on one folder did not do 8 runs once each" >&2; cat "$tmp/c1.txt" "$tmp/c2.txt" >&2; exit 1; }
cmp "$tmp/a/summary.csv" "$tmp/c/summary.csv"
cmp "$tmp/a/epochs.csv" "$tmp/c/epochs.csv"

echo "ci-sweep: in-process, GNU parallel, the Slurm task script and two sweeps sharing a folder agree:"
cat "$tmp/table.txt"
