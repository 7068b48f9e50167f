#!/usr/bin/python3
"""born-dead-torch.py - the born-dead study (configs/study/born_dead.json) in PyTorch.

An independent check of `nntrain sweep configs/study/born_dead.json`: for every activation
(relu, leaky_relu, prelu, elu, selu), hidden width (2, 4, 8, 16), depth (2, 5, 10, 20, 50
hidden dense+activation layers) and seed (1..N), the untrained MLP
784 -> [Linear(width) -> act] x depth -> Linear(10), initialized as nntrain does
(docs/config.md "Dense init"): weights kaiming_normal_ (fan_in) with the gain of the
activation that follows (relu and elu sqrt(2), leaky_relu sqrt(2 / (1 + 0.01^2)), prelu
sqrt(2 / (1 + 0.25^2)) from its initial slope), normal_(0, 1 / sqrt(fan_in)) (LeCun) in
front of selu, gain 1 for the output layer, biases 0; PReLU one slope started at 0.25.
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

Usage: scripts/born-dead-torch.py [--seeds N] [--out CSV] [--compare SUMMARY_CSV]
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

ACTIVATIONS = ["relu", "leaky_relu", "prelu", "elu", "selu"]
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


def make_act(name):
    return {"relu": lambda: torch.nn.ReLU(),
            "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
            "prelu": lambda: torch.nn.PReLU(1, 0.25),
            "elu": lambda: torch.nn.ELU(1.0),
            "selu": lambda: torch.nn.SELU()}[name]()


def init_dense(lin, act):
    """nntrain's default init of a dense layer followed by activation act (None: output)."""
    w = lin.weight
    if act == "selu":
        torch.nn.init.normal_(w, 0.0, 1.0 / math.sqrt(w.shape[1]))  # lecun_normal
    elif act in ("relu", "elu"):  # elu: ReLU's gain, sqrt(2) (src/nn/act/elu.c)
        torch.nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu")
    elif act in ("leaky_relu", "prelu"):  # prelu: the gain of its initial slope
        slope = 0.01 if act == "leaky_relu" else 0.25
        torch.nn.init.kaiming_normal_(w, a=slope, mode="fan_in", nonlinearity="leaky_relu")
    else:  # no activation after it: gain 1
        torch.nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="linear")
    torch.nn.init.zeros_(lin.bias)


def build(act, width, depth, seed):
    layers, sizes = [], [784] + [width] * depth
    for i in range(depth):  # skip_init: no default init, which init_dense replaces anyway
        layers += [torch.nn.utils.skip_init(torch.nn.Linear, sizes[i], width), make_act(act)]
    layers.append(torch.nn.utils.skip_init(torch.nn.Linear, width, 10))
    model = torch.nn.Sequential(*layers)
    torch.manual_seed(seed)
    for i in range(depth):
        init_dense(model[2 * i], act)
    init_dense(model[2 * depth], None)
    return model


def probe(model, x):
    """(status, dead units, dead layers, constant output) of one forward pass over x."""
    dead = dead_layers = 0
    for m in model:
        if not isinstance(m, torch.nn.Linear):  # x is an activation's pre-activation
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


def run_cell(act, width, depth, seeds, x):
    ok = diverged = 0
    born = const = 0
    fracs = []
    for seed in range(1, seeds + 1):
        status, dead, dead_layers, constant = probe(build(act, width, depth, seed), x)
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
    ap.add_argument("--out", help="write the summary CSV here")
    ap.add_argument("--compare", metavar="PATH", help="nntrain's summary.csv to compare with")
    args = ap.parse_args()
    torch.set_num_threads(2)
    x = load_images(SAMPLES)
    rows = []
    t0 = time.perf_counter()
    with torch.no_grad():
        for width in WIDTHS:  # nntrain's summary order: activation varies fastest
            for depth in DEPTHS:
                for act in ACTIVATIONS:
                    rows.append(run_cell(act, width, depth, args.seeds, x))
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
