#!/usr/bin/python3
"""Writes tests/ref/torch_activations.tsv: PyTorch's values and derivatives (float64) of
every activation in nntrain's table, which tests/nn/activation.c checks the C code
against (and requires one default-hyperparameter block per activation).

Usage: scripts/torch-reference.py [OUT]   (default: tests/ref/torch_activations.tsv)
Needs Debian's python3-torch (apt-get install python3-torch), hence /usr/bin/python3.

A new activation: one line in ACTIVATIONS (its torch module and hyperparameters, the
first setting being nntrain's defaults), then run this script and commit the file."""
import sys

import torch

# x = -1, 0, 1 (the conventions at the kink) and points out in both tails.
POINTS = [-30.0, -2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5, 30.0]

# name: (make the module from a hyperparameter dict, [settings]); settings[0] = defaults.
ACTIVATIONS = {
    "relu": (lambda hp: torch.nn.ReLU(), [{}]),
    "leaky_relu": (
        lambda hp: torch.nn.LeakyReLU(hp["negative_slope"]),
        [{"negative_slope": 0.01}, {"negative_slope": 0.2}],
    ),
    "prelu": (
        lambda hp: torch.nn.PReLU(int(hp["num_parameters"]), hp["init"]),
        [{"num_parameters": 1, "init": 0.25}, {"num_parameters": 1, "init": -0.5}],
    ),
    "elu": (lambda hp: torch.nn.ELU(hp["alpha"]), [{"alpha": 1.0}, {"alpha": 2.0}]),
    "selu": (lambda hp: torch.nn.SELU(), [{}]),
}


def fmt(v):
    return repr(float(v))


def rows(name, make, hp):
    """One row per point: y, dy/dx and dy/dp (every learnable parameter, "," between)."""
    hps = ",".join(f"{k}={fmt(v) if k != 'num_parameters' else int(v)}" for k, v in hp.items())
    for x0 in POINTS:
        m = make(hp).double()
        x = torch.tensor([x0], dtype=torch.float64, requires_grad=True)
        y = m(x.view(1, 1)).sum() if list(m.parameters()) else m(x).sum()
        y.backward()
        params = [g for p in m.parameters() for g in p.grad.reshape(-1).tolist()]
        dp = ",".join(fmt(g) for g in params) if params else "-"
        yield "\t".join([name, hps or "-", fmt(x0), fmt(y.item()), fmt(x.grad.item()), dp])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/ref/torch_activations.tsv"
    lines = [
        f"# PyTorch {torch.__version__} (float64), written by scripts/torch-reference.py.",
        "# activation\thparams\tx\ty\tdy/dx\tdy/dp",
    ]
    for name, (make, settings) in ACTIVATIONS.items():
        for hp in settings:
            lines.extend(rows(name, make, hp))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
