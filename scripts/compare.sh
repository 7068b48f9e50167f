#!/usr/bin/env bash
# compare.sh - trains the five configs of a data set (ReLU, Leaky ReLU, PReLU, ELU, SELU:
# configs/<set>_<activation>.json) one after the other and prints a Markdown table of
# final test accuracy and dead units (epoch 0 and last).
#
# usage: scripts/compare.sh [mnist|fashion] [--table-only] [nntrain options...]
#   e.g. scripts/compare.sh --seed 2
#        scripts/compare.sh fashion
#        scripts/compare.sh --set train.epochs=3
#   mnist|fashion  which configs: configs/mnist_*.json (default) or configs/fashion_*.json
#   --table-only   do not train; read the existing runs/<set>_*.csv
set -euo pipefail
cd "$(dirname "$0")/.."

set_name=mnist
case "${1:-}" in
    mnist | fashion) set_name=$1; shift ;;
esac
train=1
if [ "${1:-}" = "--table-only" ]; then
    train=0
    shift
fi
configs=(relu leaky prelu elu selu)

if [ "$train" = 1 ]; then
    make --no-print-directory nntrain >&2
    for c in "${configs[@]}"; do
        echo "== configs/${set_name}_$c.json" >&2
        ./nntrain "configs/${set_name}_$c.json" --quiet "$@"
    done
fi

echo "| config | final test acc | test loss | dead units, epoch 0 | dead units, last epoch | epochs |"
echo "|---|---|---|---|---|---|"
for c in "${configs[@]}"; do
    csv="runs/${set_name}_$c.csv"
    if [ ! -f "$csv" ]; then
        echo "| ${set_name}_$c | (no $csv) | | | | |"
        continue
    fi
    awk -F, -v name="${set_name}_$c" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $col["epoch"] == 0 { dead0 = $col["dead"] }
        { last_acc = $col["test_acc"]; last_loss = $col["test_loss"]; last_dead = $col["dead"]; epoch = $col["epoch"] }
        END {
            printf "| %s | %.2f%% | %.4f | %s | %s | %d |\n", name, 100 * last_acc, last_loss,
                   dead0, last_dead, epoch
        }
    ' "$csv"
done
