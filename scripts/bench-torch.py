#!/usr/bin/python3
"""bench-torch.py - nntrain's benchmark workloads in PyTorch, for comparison.

The same three training workloads as `make bench` (tests/bench/bench.c), on the same
data (real MNIST from data/mnist/, or generated data of the same shape), the same model
(the same dense and leaky_relu modules, each the PyTorch call `nntrain tables` gives it:
Linear and LeakyReLU), loss (cross-entropy), optimizer (SGD, lr 0.01, momentum 0.9) and
batch size; only the training loop is timed, per epoch:

  net256  784-256-256-10, batch 64
  wide    784-1024-1024-10, batch 128
  deep    784, 10 hidden layers of 32, 10; batch 32

`--process N` times N whole runs of one net256 epoch (import, loading and all), from
outside, with their peak RSS.

Run it in PyTorch's fastest setting on a small machine: one intra-op thread (set here)
and OpenBLAS on the cores, with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for this
command only (scripts/bench-compare.sh does that). Uses Debian's python3-torch.
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import time


def mlp(hidden):
    """The model list of tests/bench/bench.c's configs: dense+leaky_relu per hidden width,
    then dense(10)."""
    return [m for u in hidden for m in ({"type": "dense", "units": u}, {"type": "leaky_relu"})] \
        + [{"type": "dense", "units": 10}]


# name: (the config's model list on 784 inputs, batch size)
WORKLOADS = {
    "net256": (mlp([256, 256]), 64),
    "wide": (mlp([1024, 1024]), 128),
    "deep": (mlp([32] * 10), 32),
}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nntrain_torch as nt  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndims = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndims, data[4:4 + 4 * ndims])
    return data[4 + 4 * ndims:], dims


def load_data(torch):
    """MNIST training set as (float images / 255, int64 labels), or generated data."""
    mnist = os.path.join(ROOT, "data", "mnist")
    try:
        pixels, dims = read_idx(os.path.join(mnist, "train-images-idx3-ubyte.gz"))
        labels, _ = read_idx(os.path.join(mnist, "train-labels-idx1-ubyte.gz"))
        x = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).reshape(dims[0], -1)
        y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    except OSError:
        g = torch.Generator().manual_seed(1)
        x = torch.randint(0, 256, (60000, 784), generator=g, dtype=torch.uint8)
        y = torch.arange(60000) % 10
    return x.float().div_(255.0), y


def train_epochs(torch, tables, name, x, y, epochs):
    spec, batch = WORKLOADS[name]
    torch.manual_seed(1)
    model = tables.build_model(torch, spec, x.shape[1])
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1)
    n = x.shape[0]
    times = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=g)
        t0 = time.perf_counter()
        # PyTorch's fastest idiomatic loop: the data permuted once per epoch (counted in
        # the epoch), then contiguous slices, not an index gather per batch.
        xs, ys = x[order], y[order]
        for start in range(0, n, batch):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xs[start:start + batch]), ys[start:start + batch])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    return times


def one_process_epoch(tables_path):
    """One net256 epoch; the tables come from the file the parent wrote, so that the
    process timed is PyTorch's alone."""
    import torch
    torch.set_num_threads(1)
    with open(tables_path) as f:
        tables = nt.Tables(json.load(f), tables_path)
    x, y = load_data(torch)
    train_epochs(torch, tables, "net256", x, y, 1)


def run_processes(reps, tsv):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(nt.load_tables().data, f)
        f.flush()
        results = []
        for _ in range(reps):
            t0 = time.perf_counter()
            proc = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                                     "--one-epoch", f.name])
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            if status != 0:
                sys.exit("bench-torch: the one-epoch process failed")
            results.append((wall, usage.ru_maxrss / 1024.0))
    for wall, rss in results:
        if tsv:
            print(f"process\t{wall:.6f}\t{rss:.1f}")
        else:
            print(f"process  {wall:.3f} s whole process, peak RSS {rss:.0f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", action="append", choices=sorted(WORKLOADS) + ["process"])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--process", type=int, default=3, help="whole-process runs")
    ap.add_argument("--tsv", action="store_true", help="one 'workload<TAB>seconds' line per epoch")
    ap.add_argument("--one-epoch", metavar="TABLES", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one_epoch:
        one_process_epoch(args.one_epoch)
        return
    chosen = args.workload or sorted(WORKLOADS) + ["process"]
    if any(w != "process" for w in chosen):
        import torch
        torch.set_num_threads(1)
        tables = nt.load_tables()
        x, y = load_data(torch)
        for name in [w for w in ("net256", "wide", "deep") if w in chosen]:
            times = train_epochs(torch, tables, name, x, y, args.epochs)
            for t in times:
                if args.tsv:
                    print(f"{name}\t{t:.6f}")
            if not args.tsv:
                med = sorted(times)[len(times) // 2]
                print(f"{name:8s} {med:.3f} s/epoch median, {min(times):.3f} min (of {len(times)}: "
                      + " ".join(f"{t:.3f}" for t in times) + ")")
            sys.stdout.flush()
    if "process" in chosen:
        run_processes(args.process, args.tsv)


if __name__ == "__main__":
    main()
