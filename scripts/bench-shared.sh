#!/usr/bin/env bash
# bench-shared.sh - nntrain when other processes share the cores: k = 1, 2, 3 net256 runs
# (default threads) at once against the same runs one after another, and one run beside a
# busy loop (yes > /dev/null) against the same run alone; prints the ratios and the targets
# (docs/performance.md). Wall times are medians over ROUNDS (default 3), alternating.
#
# usage: scripts/bench-shared.sh [BENCH_BINARY]     (part of make bench and bench-compare)
#   EPOCHS (default 2) net256 epochs per run.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${1:-build/bench}
rounds=${ROUNDS:-3}
epochs=${EPOCHS:-2}
run=("$bench" --workload net256 --epochs "$epochs" --tsv)
tmp=$(mktemp -d)
busy=""
trap '[ -n "$busy" ] && kill "$busy" 2>/dev/null; rm -rf "$tmp"' EXIT

# wall seconds of: k runs one after another (seq) or at once (conc)
wall() {
    local how=$1 k=$2 t0 t1 pids=()
    t0=$(date +%s.%N)
    for _ in $(seq "$k"); do
        if [ "$how" = seq ]; then
            "${run[@]}" > /dev/null
        else
            "${run[@]}" > /dev/null &
            pids+=($!)
        fi
    done
    [ "$how" = seq ] || wait "${pids[@]}"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

for r in $(seq "$rounds"); do
    echo "round $r/$rounds" >&2
    for k in 1 2 3; do
        echo "seq $k $(wall seq "$k")" >> "$tmp/t"
        echo "conc $k $(wall conc "$k")" >> "$tmp/t"
    done
    echo "alone 1 $(wall seq 1)" >> "$tmp/t"
    yes > /dev/null &
    busy=$!
    echo "busy 1 $(wall seq 1)" >> "$tmp/t"
    kill "$busy"
    wait "$busy" 2>/dev/null || true
    busy=""
done

med() {
    awk -v h="$1" -v k="$2" '$1 == h && $2 == k { print $3 }' "$tmp/t" | sort -g |
        awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
printf '\n| %d net256 epoch(s) per run, default threads | alone / one after another | shared | ratio | target | fair share x | met |\n' "$epochs"
printf '|---|---|---|---|---|---|---|\n'
for k in 1 2 3; do
    awk -v k="$k" -v s="$(med seq "$k")" -v c="$(med conc "$k")" 'BEGIN {
        r = c / s; tg = k == 1 ? "" : "<= 1.15"; ok = k == 1 || r <= 1.15
        printf "| %d at once vs in a row | %.3f s | %.3f s | %.2fx | %s | %.2f | %s |\n", k, s, c, r, tg, r, ok && r <= 2.5 ? "yes" : "no"
    }'
done
# Beside one busy process a two-thread run's fair share is half the cores: 2x its time alone.
awk -v s="$(med alone 1)" -v c="$(med busy 1)" 'BEGIN {
    r = c / s
    printf "| beside yes > /dev/null vs alone | %.3f s | %.3f s | %.2fx | <= 2.3 | %.2f | %s |\n", s, c, r, r / 2, r <= 2.3 ? "yes" : "no"
}'
printf '\n(medians of %s rounds; "fair share x": the ratio over the time a fair share of the cores would give, target <= 2.5)\n' "$rounds"
