#!/usr/bin/python3
"""Writes PyTorch's reference values for every entry of nntrain's tables, which the
contract tests check the C code against:
  tests/ref/torch_activations.tsv  each activation at points including its kink: y, dy/dx,
                                   dy/dp (float64)
  tests/ref/torch_layers.tsv       each layer case of the contract tests: forward in eval
                                   and train mode, dx and the parameter gradients of
                                   sum(y * w), the buffers after each pass, the tensors'
                                   names and shapes (float64)
  tests/ref/torch_optims.tsv       each optimizer case: the parameters after each of the
                                   steps on the cases' gradients, the state at the end
                                   (float32, as torch.optim computes)

Usage: scripts/torch-reference.py [TEST_BINARY]   (default: build/test_nntrain)
Needs Debian's python3-torch (apt-get install python3-torch), hence /usr/bin/python3.

The entries, their torch modules and optimizers come from the program: TEST_BINARY
--tables (every table entry, the test-only ones included, with its "torch" call) and
--cases (the contract tests' settings; the inputs are the formulas of
tests/support/cases.h). The test-only entries' twins are tests/ref/nntrain_test.py.
A new entry needs nothing here: run this script and commit the files."""
import json
import math
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "ref"))
sys.path.insert(0, HERE)
import nntrain_test  # noqa: E402  (the test-only entries' twins)
import nntrain_torch  # noqa: E402  (the tables' loader and the torch calls built from them)

# x = -1, 0, 1 (the conventions at the kink) and points out in both tails.
POINTS = [-30.0, -2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5, 30.0]
NAMES = {"nntrain_test": nntrain_test}


def fmt(v):
    return repr(float(v))


def f32(v):
    return float(np.float32(v))


def activation_settings(entry):
    """The defaults, then each non-integer number at twice its default (0.5 if 0)."""
    base = {k["name"]: k["default"] for k in entry["keys"]}
    moved = dict(base)
    for k in entry["keys"]:
        if k["kind"] == "number" and not k["integer"]:
            v = 2 * k["default"] if k["default"] else 0.5
            moved[k["name"]] = min(k["max"], max(k["min"], v))
    return [base] + ([moved] if moved != base else [])


def activation_rows(tables, entry, hp):
    """One row per point: y, dy/dx and dy/dp (every learnable parameter, "," between)."""
    keys = entry["keys"]
    hps = ",".join(f"{k['name']}={fmt(hp[k['name']]) if not k['integer'] else int(hp[k['name']])}"
                   for k in keys)
    for x0 in POINTS:
        m = tables.module(torch, {"type": entry["type"], **hp}, 1, NAMES).double()
        x = torch.tensor([x0], dtype=torch.float64, requires_grad=True)
        y = m(x.view(1, 1)).sum() if list(m.parameters()) else m(x).sum()
        y.backward()
        params = [g for p in m.parameters() for g in p.grad.reshape(-1).tolist()]
        dp = ",".join(fmt(g) for g in params) if params else "-"
        yield "\t".join([entry["type"], hps or "-", fmt(x0), fmt(y.item()), fmt(x.grad.item()), dp])


def numbers(values):
    return ",".join(fmt(v) for v in values)


def layer_rows(tables, case, n_in, rows):
    """The rows of one layer case (tests/nn/contract.c)."""
    label = case["label"]
    m = tables.module(torch, {"type": case["type"], **case["hp"]}, n_in, NAMES).double()
    k = 0
    with torch.no_grad():
        for p in m.parameters():
            flat = p.view(-1)
            for i in range(flat.numel()):
                flat[i] = f32(0.5 * math.cos(0.37 * k + 0.5))
                k += 1
        b = 0
        for buf in m.buffers():
            if buf.is_floating_point():
                flat = buf.view(-1)
                for i in range(flat.numel()):
                    flat[i] = f32(0.05 * (b + 1))
                    b += 1
            else:
                buf.fill_(3)
    names = [f"{n}[{';'.join(str(d) for d in t.shape)}]" for n, t in m.state_dict().items()]
    yield f"{label}\ttensors\t{','.join(names)}"
    x = torch.tensor([f32(2 * math.sin(1.3 * i + 0.1)) for i in range(rows * n_in)],
                     dtype=torch.float64).view(rows, n_in)

    def buffers():
        fl = [v for t in m.buffers() if t.is_floating_point() for v in t.reshape(-1).tolist()]
        ints = [v for t in m.buffers() if not t.is_floating_point() for v in t.reshape(-1).tolist()]
        return fl + ints

    m.eval()
    with torch.no_grad():
        y = m(x)
    yield f"{label}\teval\ty\t{numbers(y.reshape(-1).tolist())}"
    yield f"{label}\teval\tbuffers\t{numbers(buffers())}"
    m.train()
    xg = x.clone().requires_grad_(True)
    y = m(xg)
    w = torch.tensor([f32(math.cos(0.9 * i + 0.3)) for i in range(y.numel())],
                     dtype=torch.float64).view(y.shape)
    (y * w).sum().backward()
    yield f"{label}\ttrain\ty\t{numbers(y.detach().reshape(-1).tolist())}"
    yield f"{label}\ttrain\tbuffers\t{numbers(buffers())}"
    yield f"{label}\ttrain\tdx\t{numbers(xg.grad.reshape(-1).tolist())}"
    dp = [v for p in m.parameters() for v in p.grad.reshape(-1).tolist()]
    yield f"{label}\ttrain\tdp\t{numbers(dp)}"


def optim_rows(tables, case, n, steps):
    """The rows of one optimizer case (tests/nn/contract_optim.c)."""
    label = case["label"]
    p = torch.nn.Parameter(torch.tensor([0.5 * math.cos(0.37 * k + 0.5) for k in range(n)],
                                        dtype=torch.float32))
    spec = {"type": case["type"], "lr": case["lr"], **case["hp"]}
    opt = tables.optimizer(torch, spec, [p], NAMES)
    for t in range(steps):
        a = torch.tensor(np.float32(0.3 + 0.1 * t))
        c = torch.tensor([np.float32(0.2 * math.sin(0.7 * k + t)) for k in range(n)])
        p.grad = p.detach() * a + c
        opt.step()
        yield f"{label}\tstep {t + 1}\t{numbers(p.detach().tolist())}"
    for s in tables.optimizers[case["type"]]["state"]:
        v = opt.state[p].get(s["torch"])
        if isinstance(v, torch.Tensor) and v.numel() == n:
            yield f"{label}\t{s['torch']}\t{numbers(v.tolist())}"


def write(path, header, lines):
    with open(path, "w") as f:
        f.write(f"# PyTorch {torch.__version__}, written by scripts/torch-reference.py.\n")
        f.write(header + "\n" + "\n".join(lines) + "\n")
    print(f"{path}: {len(lines)} rows")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/test_nntrain"
    tables = nntrain_torch.load_tables(binary, ["--tables"])
    cases = json.loads(subprocess.run([binary, "--cases"], check=True, capture_output=True).stdout)
    acts = [tables.layers[t] for t in tables.probed()]
    write("tests/ref/torch_activations.tsv", "# activation\thparams\tx\ty\tdy/dx\tdy/dp (float64)",
          [r for e in acts for hp in activation_settings(e) for r in activation_rows(tables, e, hp)])
    write("tests/ref/torch_layers.tsv", "# case\tmode\twhat\tvalues (float64)",
          [r for c in cases["layers"] for r in layer_rows(tables, c, cases["in"], cases["rows"])])
    write("tests/ref/torch_optims.tsv", "# case\tstep or state\tvalues (float32)",
          [r for c in cases["optimizers"] for r in optim_rows(tables, c, cases["np"], cases["steps"])])


if __name__ == "__main__":
    main()
