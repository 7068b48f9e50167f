#!/usr/bin/env bash
# setup.sh - everything a fresh Debian/Ubuntu machine needs, then the first run:
# installs the packages (through sudo when not root), fetches and verifies MNIST,
# builds ./nntrain and trains configs/mnist_leaky.json (CSV: runs/mnist_leaky.csv).
# Idempotent: a second run reinstalls and refetches nothing. Needs only bash.
#
# usage: scripts/setup.sh [nntrain options...]     e.g. scripts/setup.sh --epochs 3
# MNIST source: $MNIST_SOURCE (a directory or base URL), else public mirrors.
set -euo pipefail
cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
scripts/fetch-mnist.sh
make --no-print-directory nntrain
./nntrain configs/mnist_leaky.json "$@"
