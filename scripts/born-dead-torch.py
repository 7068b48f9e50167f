#!/usr/bin/python3
"""born-dead-torch.py - the born-dead study (configs/study/born_dead.json) in PyTorch.

An independent check of `nntrain sweep configs/study/born_dead.json`: for every activation
(every entry of `nntrain tables` the dead-unit probe counts: relu, leaky_relu, prelu, elu,
selu, at their defaults; or those --activations names), hidden width (2, 4, 8, 16), depth
(2, 5, 10, 20, 50 hidden dense+activation layers) and seed (1..N), the untrained MLP
784 -> [dense(width) -> act] x depth -> dense(10), each module the PyTorch call its table
entry gives, initialized as nntrain does (docs/config.md "Dense init";
nntrain_torch.Tables.init_model): weights drawn by the activation's "dense_init" with its
"gain" (he_normal: normal_(0, gain / sqrt(fan_in)), as kaiming_normal_; lecun_normal in
front of selu: normal_(0, 1 / sqrt(fan_in))), gain 1 for the output layer, biases 0;
PReLU one slope started at 0.25. The tables come from $NNTRAIN, else this tree's nntrain
or build/nntrain.
It runs the first 1000 MNIST test images (pixel / 255) through each network, without
gradients, and records per network, as src/run/dead.c does:

  dead units       a hidden unit whose pre-activation is <= 0 on all 1000 images
  born dead        some activation layer has every unit dead
  constant output  every logit's max - min <= 1e-6 x (1 + the largest |logit|)

and writes a summary in the columns of nntrain's runs/study/born_dead/summary.csv (a
network with a non-finite pre-activation or logit counts as diverged, as in nntrain).
The random numbers are PyTorch's (torch.manual_seed(seed) per network), not nntrain's,
so the two agree only statistically: `--compare` prints both sides per cell and flags
(*) the cells whose born-dead fractions differ by more than 3 binomial standard errors
sqrt(p (1 - p) (1/n1 + 1/n2)), p pooled.

Usage: scripts/born-dead-torch.py [--seeds N] [--activations A,B,...] [--out CSV]
                                  [--compare SUMMARY_CSV]
  e.g. scripts/born-dead-torch.py --out /tmp/torch_born_dead.csv \\
           --compare runs/study/born_dead/summary.csv
Prints the wall time of the whole study (MNIST loading excluded). Uses Debian's
python3-torch (hence /usr/bin/python3) and numpy, two intra-op threads; that PyTorch
calls BLAS through libblas.so.3, which must point to OpenBLAS
(/etc/alternatives/libblas.so.3-x86_64-linux-gnu; see scripts/bench-torch.py).
"""
import argparse
import csv
import gzip
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nntrain_torch as nt  # noqa: E402

WIDTHS = [2, 4, 8, 16]
DEPTHS = [2, 5, 10, 20, 50]
SAMPLES = 1000
CONSTANT_TOL = 1e-6  # NN_CONSTANT_TOL
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = ["activation", "width", "depth", "seeds", "ok", "diverged", "exploded", "failed",
           "born_dead_frac", "constant_output_frac", "dead_frac_mean", "dead_frac_std"]


def load_images(n):
    """The first n MNIST test images as an n x 784 float32 tensor, pixel / 255."""
    path = os.path.join(ROOT, "data", "mnist", "t10k-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = np.frombuffer(data[:16], dtype=">u4")
    if magic != 0x803 or count < n:
        sys.exit(f"born-dead-torch: {path}: not an IDX image file of at least {n} images")
    pixels = np.frombuffer(data[16:16 + n * rows * cols], dtype=np.uint8)
    return torch.from_numpy(pixels.reshape(n, rows * cols).astype(np.float32) / 255.0)


def network(act, width, depth):
    """The config's model list of the study's network: depth x (dense, act), dense(10)."""
    return [{"type": "dense", "units": width}, {"type": act}] * depth + \
        [{"type": "dense", "units": 10}]


def probe(model, probed, x):
    """(status, dead units, dead layers, constant output) of one forward pass over x;
    probed[i]: module i is one whose pre-activation (its input x) the probe counts."""
    dead = dead_layers = 0
    for m, counted in zip(model, probed):
        if counted:
            if not torch.isfinite(x).all():
                return "diverged", 0, 0, 0
            n = int((~(x > 0).any(dim=0)).sum())
            dead += n
            dead_layers += n == x.shape[1]
        x = m(x)
    if not torch.isfinite(x).all():
        return "diverged", 0, 0, 0
    lo, hi = x.min(dim=0).values.double(), x.max(dim=0).values.double()
    tol = CONSTANT_TOL * (1.0 + float(torch.maximum(lo.abs(), hi.abs()).max()))
    return "ok", dead, dead_layers, int(bool(((hi - lo) <= tol).all()))


def run_cell(tables, act, width, depth, seeds, x):
    """One cell: a network built once, drawn afresh per seed (torch.manual_seed(seed))."""
    ok = diverged = 0
    born = const = 0
    fracs = []
    spec = network(act, width, depth)
    model = tables.build_model(torch, spec, x.shape[1])
    probed = [tables.layer(m["type"])["probed"] for m in spec]
    for seed in range(1, seeds + 1):
        torch.manual_seed(seed)
        tables.init_model(torch, model, spec)
        status, dead, dead_layers, constant = probe(model, probed, x)
        if status != "ok":
            diverged += 1
            continue
        ok += 1
        born += dead_layers > 0
        const += constant
        fracs.append(dead / (width * depth))
    mean = sum(fracs) / ok if ok else 0.0
    std = math.sqrt(sum((f - mean) ** 2 for f in fracs) / (ok - 1)) if ok > 1 else 0.0
    return {"activation": act, "width": width, "depth": depth, "seeds": seeds, "ok": ok,
            "diverged": diverged, "exploded": 0, "failed": 0,
            "born_dead_frac": born / ok if ok else 0.0,
            "constant_output_frac": const / ok if ok else 0.0,
            "dead_frac_mean": mean, "dead_frac_std": std}


def write_summary(rows, path):
    with open(path, "w") as f:
        f.write(",".join(COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(f"{r[c]:.6f}" if isinstance(r[c], float) else str(r[c])
                             for c in COLUMNS) + "\n")


def compare(rows, path):
    """Both sides per cell; * where the born-dead fractions differ beyond 3 binomial SEs."""
    with open(path) as f:
        theirs = {(r["activation"], int(r["width"]), int(r["depth"])): r for r in csv.DictReader(f)}
    print(f"{'cell':18s} {'born_dead nn/torch':>19s} {'z':>6s}  {'constant nn/torch':>17s}"
          f"  {'dead_frac_mean nn/torch (z)':>29s}")
    flagged = 0
    for r in rows:
        key = (r["activation"], r["width"], r["depth"])
        t = theirs.get(key)
        name = f"{key[0]} w{key[1]} d{key[2]}"
        if t is None:
            print(f"{name:18s} missing from {path}")
            continue
        n1, n2 = int(t["ok"]), r["ok"]
        p1, p2 = float(t["born_dead_frac"]), r["born_dead_frac"]
        p = (p1 * n1 + p2 * n2) / (n1 + n2) if n1 + n2 else 0.0
        se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2)) if n1 and n2 else 0.0
        z = abs(p1 - p2) / se if se > 0 else 0.0  # p = 0 or 1 on both sides: they agree
        flag = z > 3
        flagged += flag
        d1, d2 = float(t["dead_frac_mean"]), r["dead_frac_mean"]
        dse = math.sqrt(float(t["dead_frac_std"]) ** 2 / n1 + r["dead_frac_std"] ** 2 / n2)
        dz = f"{abs(d1 - d2) / dse:5.1f}" if dse > 0 else "    -"
        print(f"{name:18s} {p1:9.3f}/{p2:.3f} {z:6.1f}{'*' if flag else ' '} "
              f"{float(t['constant_output_frac']):9.3f}/{r['constant_output_frac']:.3f}"
              f"  {d1:14.4f}/{d2:.4f} ({dz})")
    print(f"{flagged} of {len(rows)} cells flagged (* = born-dead fractions differ by > 3 SE)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=500, help="seeds 1..N per cell")
    ap.add_argument("--activations", metavar="A,B,...",
                    help="these activations (default: every one of `nntrain tables`)")
    ap.add_argument("--out", help="write the summary CSV here")
    ap.add_argument("--compare", metavar="PATH", help="nntrain's summary.csv to compare with")
    args = ap.parse_args()
    tables = nt.load_tables()
    acts = args.activations.split(",") if args.activations else tables.probed()
    for a in acts:
        if a not in tables.probed():
            ap.error(f"--activations: {a} is not one of {', '.join(tables.probed())}")
    torch.set_num_threads(2)
    x = load_images(SAMPLES)
    rows = []
    t0 = time.perf_counter()
    with torch.no_grad():
        for width in WIDTHS:  # nntrain's summary order: activation varies fastest
            for depth in DEPTHS:
                for act in acts:
                    rows.append(run_cell(tables, act, width, depth, args.seeds, x))
    wall = time.perf_counter() - t0
    print(f"PyTorch {torch.__version__}: {len(rows) * args.seeds} networks in {wall:.1f} s "
          f"wall ({torch.get_num_threads()} threads; MNIST loading excluded)")
    sys.stdout.flush()
    if args.out:
        write_summary(rows, args.out)
    if args.compare:
        compare(rows, args.compare)


if __name__ == "__main__":
    main()
