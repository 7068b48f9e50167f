#!/usr/bin/env bash
# interop-check.sh - weights both ways between nntrain and PyTorch on MNIST: a checkpoint
# nntrain wrote evaluates in PyTorch (scripts/torch-eval.py) to nntrain eval's accuracy,
# and weights PyTorch wrote (scripts/torch-export.py, one epoch of SGD) load through
# init.from and evaluate in nntrain to PyTorch's accuracy, both to 4 decimals. Skips (exit
# 0, saying so) without Debian's python3-torch. Needs data/mnist.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import torch, numpy' 2> /dev/null; then
    echo "interop-check: skipped: /usr/bin/python3 has no torch or numpy (apt-get install python3-torch)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
acc() { sed -n 's/^accuracy *\([0-9.]*\)$/\1/p'; }
four() { printf '%.4f' "$1"; }

./nntrain configs/mnist_prelu.json --epochs 2 --quiet --csv "$tmp/p.csv" \
    --set output.checkpoint="$tmp/p.safetensors"
ours=$(./nntrain eval "$tmp/p.safetensors" 2> /dev/null | acc)
theirs=$(/usr/bin/python3 scripts/torch-eval.py "$tmp/p.safetensors" | sed 's/^test_acc \([0-9.]*\) .*/\1/')
echo "nntrain -> PyTorch: nntrain eval $ours, PyTorch $theirs"
[ "$(four "$ours")" = "$(four "$theirs")" ]

theirs=$(/usr/bin/python3 scripts/torch-export.py configs/mnist_relu.json "$tmp/t.safetensors" \
    --seed 3 --epochs 1 | sed 's/^test_acc \([0-9.]*\) .*/\1/')
ours=$(./nntrain eval "$tmp/t.safetensors" --config configs/mnist_relu.json 2> /dev/null | acc)
echo "PyTorch -> nntrain: PyTorch $theirs, nntrain eval $ours"
[ "$(four "$ours")" = "$(four "$theirs")" ]
echo "interop-check: both ways agree to 4 decimals"
