#!/usr/bin/python3
"""Writes what tests/run/torch_train.c checks nntrain's whole training runs against, and
tests/nn/init_dist.c its weight inits, from PyTorch itself:

  tests/ref/torch_train/                   the training cases
    {train,test}-{images,labels}.idx       a tiny data set (4x4 pixels, 4 classes, 40 + 12
                                           samples; uncompressed IDX)
    <case>.json                            the case's nntrain config (paths from the repo root)
    <case>.init.safetensors                its initial weights (init.from), nn.Sequential names
    <case>.torch.safetensors               PyTorch's weights after each epoch: "<e>/<name>"
    cases.tsv                              per case and epoch: step, lr, train_loss, test_loss
  tests/ref/torch_init.tsv                 per init, activation and layer shape: the
                                           distribution torch.nn.init draws from (the std or
                                           the bound it passes to normal_ / uniform_, recorded
                                           from the call) and calculate_gain

Usage: scripts/torch-train-reference.py [REPO_ROOT]   (default: the current directory)
Needs Debian's python3-torch and numpy (apt-get install python3-torch), hence
/usr/bin/python3. The output is deterministic; after a change here, run it and commit
tests/ref/torch_train/ and tests/ref/torch_init.tsv.

nntrain's conventions, reproduced here: pixels / 255 ("normalize": "unit"); the loss is
softmax cross-entropy, the mean over the batch; the optimizer's torch.optim call from
`nntrain tables`; StepLR and
CosineAnnealingLR(T_max = epochs) stepped once per epoch, so the CSV's lr of epoch e is
the lr of its steps; train_loss is the mean loss over the epoch's samples at the weights
each batch saw; test_loss is the mean over the test set after the epoch (epoch 0: the
initial weights). With "shuffle": true the order is nntrain's (src/math/rng.c, stream 2 of
the seed, one Fisher-Yates pass per epoch over the previous order).

A new case: one entry in CASES, then run this script and commit the files."""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nntrain_torch import build_model, load_tables, write_safetensors  # noqa: E402

DIR = "tests/ref/torch_train"
N_TRAIN, N_TEST, SIDE, CLASSES = 40, 12, 4, 4

# name: (model, optimizer, train). Every case has weight decay with momentum or checks
# a part of the loop's wiring: the schedules over several epochs, Nesterov, dampening,
# PReLU slopes (which decay too), batches that do not divide the set, shuffling.
RELU = [{"type": "dense", "units": 8}, {"type": "relu"}, {"type": "dense", "units": CLASSES}]
CASES = {
    "plain_none": (RELU, {"lr": 0.3}, {"epochs": 3, "batch_size": 40}),
    "decay_step": (
        RELU,
        {"lr": 0.3, "weight_decay": 0.05, "schedule": {"type": "step", "step_size": 1, "gamma": 0.5}},
        {"epochs": 3, "batch_size": 40},
    ),
    "momentum_step": (
        RELU,
        {"lr": 0.2, "momentum": 0.9, "weight_decay": 0.02,
         "schedule": {"type": "step", "step_size": 2, "gamma": 0.5}},
        {"epochs": 5, "batch_size": 40},
    ),
    "momentum_cosine": (
        [{"type": "dense", "units": 8}, {"type": "leaky_relu", "negative_slope": 0.1},
         {"type": "dense", "units": CLASSES}],
        {"lr": 0.3, "momentum": 0.9, "weight_decay": 0.05, "schedule": {"type": "cosine"}},
        {"epochs": 3, "batch_size": 40},
    ),
    "nesterov_prelu": (
        [{"type": "dense", "units": 8}, {"type": "prelu"}, {"type": "dense", "units": CLASSES}],
        {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.02,
         "schedule": {"type": "cosine"}},
        {"epochs": 4, "batch_size": 16},
    ),
    "dampening_prelu": (
        [{"type": "dense", "units": 8}, {"type": "elu"}, {"type": "dense", "units": 6},
         {"type": "prelu", "num_parameters": 6, "init": 0.1}, {"type": "dense", "units": CLASSES}],
        {"lr": 0.2, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.03,
         "schedule": {"type": "step", "step_size": 1, "gamma": 0.8}},
        {"epochs": 3, "batch_size": 12},
    ),
    "shuffle_cosine": (
        [{"type": "dense", "units": 8}, {"type": "selu"}, {"type": "dense", "units": CLASSES}],
        {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01, "schedule": {"type": "cosine"}},
        {"epochs": 4, "batch_size": 16, "shuffle": True},
    ),
}
SEED = 22

# nntrain's generator (src/math/rng.c), for the shuffle order.
M64 = (1 << 64) - 1


class Rng:
    def __init__(self, seed, stream):
        x = (seed ^ ((stream * 0xD1342543DE82EF95 + 0x632BE59BD9B4E019) & M64)) & M64
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        x = (s[1] * 5) & M64
        result = ((((x << 7) | (x >> 57)) & M64) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & M64
        return result

    def below(self, bound):
        threshold = ((1 << 64) - bound) % bound
        while True:
            r = self.next()
            if r >= threshold:
                return r % bound

    def shuffle(self, idx):
        for i in range(len(idx), 1, -1):
            j = self.below(i)
            idx[i - 1], idx[j] = idx[j], idx[i - 1]


def make_data(rng, n):
    """n images: noise, plus a bright bar whose row is the class and a dimmer column."""
    y = np.arange(n) % CLASSES
    rng.shuffle(y)
    x = rng.randint(0, 90, size=(n, SIDE, SIDE))
    for i, c in enumerate(y):
        x[i, c, :] += rng.randint(80, 160, size=SIDE)
        x[i, :, (c + 1) % SIDE] += rng.randint(0, 60, size=SIDE)
    return np.clip(x, 0, 255).astype(np.uint8), y.astype(np.uint8)


def write_idx(path, a):
    code = 0x08  # unsigned byte
    head = bytes([0, 0, code, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
    with open(path, "wb") as f:
        f.write(head + a.tobytes())


def mean_loss(model, x, y):
    """Softmax cross-entropy of float32 logits, summed in double (as nntrain's loss)."""
    with torch.no_grad():
        return F.cross_entropy(model(x).double(), y, reduction="sum").item() / len(y)


def scheduler(opt, sched, epochs):
    t = sched.get("type", "none")
    if t == "step":
        return torch.optim.lr_scheduler.StepLR(opt, sched["step_size"], sched.get("gamma", 0.1))
    if t == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    return None


def run_case(name, model_spec, optim, train, data, out):
    cfg = {"name": name, "seed": SEED,
           "data": {"format": "idx", "normalize": "unit",
                    "train_images": f"{DIR}/train-images.idx", "train_labels": f"{DIR}/train-labels.idx",
                    "test_images": f"{DIR}/test-images.idx", "test_labels": f"{DIR}/test-labels.idx"},
           "model": model_spec,
           "optimizer": dict({"type": "sgd"}, **optim),
           "train": dict({"shuffle": False}, **train),
           "init": {"from": f"{DIR}/{name}.init.safetensors"}}
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")

    torch.manual_seed(sum(map(ord, name)))  # any weights: nntrain reads them from the file
    model = build_model(torch, cfg, SIDE * SIDE)
    write_safetensors(os.path.join(out, f"{name}.init.safetensors"),
                      {k: v.detach().numpy() for k, v in model.state_dict().items()})

    o = cfg["optimizer"]
    opt = load_tables().optimizer(torch, o, list(model.parameters()))  # the table's torch call
    epochs, bs = cfg["train"]["epochs"], cfg["train"]["batch_size"]
    sched = scheduler(opt, o.get("schedule", {}), epochs)
    x, y, xt, yt = data
    order, rng, step = list(range(len(y))), Rng(SEED, 2), 0
    rows = [(name, 0, 0, o["lr"], math.nan, mean_loss(model, xt, yt))]
    weights = {}
    for e in range(1, epochs + 1):
        lr = opt.param_groups[0]["lr"]
        if cfg["train"]["shuffle"]:
            rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), bs):
            idx = torch.tensor(order[start : start + bs])
            logits = model(x[idx])
            total += F.cross_entropy(logits.detach().double(), y[idx], reduction="sum").item()
            opt.zero_grad()
            F.cross_entropy(logits, y[idx]).backward()
            opt.step()
            step += 1
        if sched:
            sched.step()
        rows.append((name, e, step, lr, total / len(order), mean_loss(model, xt, yt)))
        for k, v in model.state_dict().items():
            weights[f"{e}/{k}"] = v.detach().numpy().copy()
    write_safetensors(os.path.join(out, f"{name}.torch.safetensors"), weights,
                      {"torch": torch.__version__})
    return rows


def write_training(root):
    out = os.path.join(root, DIR)
    os.makedirs(out, exist_ok=True)
    rng = np.random.RandomState(SEED)
    tensors = []
    for split, n in (("train", N_TRAIN), ("test", N_TEST)):
        img, lab = make_data(rng, n)
        write_idx(os.path.join(out, f"{split}-images.idx"), img)
        write_idx(os.path.join(out, f"{split}-labels.idx"), lab)
        tensors += [torch.tensor(img.reshape(n, -1), dtype=torch.float32) / 255.0,
                    torch.tensor(lab, dtype=torch.int64)]
    lines = [f"# PyTorch {torch.__version__}, written by scripts/torch-train-reference.py.",
             "# case\tepoch\tstep,lr,train_loss,test_loss (train_loss nan for epoch 0)"]
    for name, (model_spec, optim, train) in CASES.items():
        for r in run_case(name, model_spec, optim, train, tensors, out):
            lines.append(f"{r[0]}\t{r[1]}\t" + ",".join(repr(float(v)) for v in r[2:]))
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


# The inits: nntrain's name -> torch.nn.init's call on a [fan_out, fan_in] weight, given
# calculate_gain's (nonlinearity, param) of the activation after the layer.
INITS = {
    "he_normal": lambda w, nl, a: torch.nn.init.kaiming_normal_(w, a=a, nonlinearity=nl),
    "he_uniform": lambda w, nl, a: torch.nn.init.kaiming_uniform_(w, a=a, nonlinearity=nl),
    "lecun_normal": lambda w, nl, a: torch.nn.init.kaiming_normal_(w, nonlinearity="linear"),
    "xavier_uniform": lambda w, nl, a: torch.nn.init.xavier_uniform_(
        w, gain=torch.nn.init.calculate_gain(nl, a)),
}
# activation (config type, hyperparameters) -> calculate_gain's arguments. ELU: torch has
# no gain for it; nntrain takes ReLU's, as the ELU paper initializes (src/nn/act/elu.c).
ACTS = [
    ("none", {}, ("linear", None)),
    ("relu", {}, ("relu", None)),
    ("leaky_relu", {"negative_slope": 0.01}, ("leaky_relu", 0.01)),
    ("leaky_relu", {"negative_slope": 0.2}, ("leaky_relu", 0.2)),
    ("prelu", {"init": 0.25}, ("leaky_relu", 0.25)),
    ("prelu", {"init": -0.5}, ("leaky_relu", -0.5)),
    ("elu", {}, ("relu", None)),
    ("selu", {}, ("selu", None)),
]
SHAPES = [(512, 784), (256, 16)]


def record_draws(fill):
    """The (kind, a, b) of every normal_(mean=a, std=b) / uniform_(from=a, to=b) call fill
    makes: the distribution torch.nn.init itself chose."""
    calls, normal, uniform = [], torch.Tensor.normal_, torch.Tensor.uniform_

    def rec_normal(t, mean=0.0, std=1.0, **kw):
        calls.append(("normal", float(mean), float(std)))
        return normal(t, mean, std, **kw)

    def rec_uniform(t, a=0.0, b=1.0, **kw):
        calls.append(("uniform", float(a), float(b)))
        return uniform(t, a, b, **kw)

    torch.Tensor.normal_, torch.Tensor.uniform_ = rec_normal, rec_uniform
    try:
        fill()
    finally:
        torch.Tensor.normal_, torch.Tensor.uniform_ = normal, uniform
    return calls


def init_row(init, act, hp, gain_args, fan_out, fan_in):
    nl, a = gain_args
    kind = init
    if init == "auto":  # the activation picks: lecun_normal before SELU, else he_normal
        kind = "lecun_normal" if act == "selu" else "he_normal"
    if kind == "torch_default":
        lin = torch.nn.Linear(fan_in, fan_out)
        calls = record_draws(lin.reset_parameters)
    else:
        w = torch.empty(fan_out, fan_in)
        calls = record_draws(lambda: INITS[kind](w, nl, 0 if a is None else a))
    (dist, lo, param) = calls[0]
    if dist == "uniform":
        assert lo == -param
    bias = calls[1][2] if len(calls) > 1 else 0.0
    hps = ",".join(f"{k}={v!r}" for k, v in hp.items()) or "-"
    gain = torch.nn.init.calculate_gain(nl, a)
    return "\t".join([init, act, hps, str(fan_out), str(fan_in), dist,
                      ",".join(repr(float(v)) for v in (param, bias, gain))])


def write_inits(root):
    lines = [f"# PyTorch {torch.__version__}, written by scripts/torch-train-reference.py.",
             "# The layer [fan_out, fan_in] is followed by the activation (none: another dense",
             "# layer). dist: what torch.nn.init draws the weight from, N(0, param^2) or",
             "# U(-param, param); bias: nn.Linear's bias bound for torch_default, else 0 (the",
             "# bias is bias_init, 0); gain: calculate_gain of the activation.",
             "# init\tactivation\thparams\tfan_out\tfan_in\tdist\tparam,bias,gain"]
    for init in ["auto", "he_normal", "he_uniform", "xavier_uniform", "lecun_normal", "torch_default"]:
        acts = ACTS if init not in ("lecun_normal", "torch_default") else [
            r for r in ACTS if r[0] in ("none", "relu", "selu")]  # no gain: three suffice
        for act, hp, gain_args in acts:
            for fan_out, fan_in in SHAPES:
                lines.append(init_row(init, act, hp, gain_args, fan_out, fan_in))
    with open(os.path.join(root, "tests/ref/torch_init.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    torch.set_num_threads(1)
    write_training(root)
    write_inits(root)


if __name__ == "__main__":
    main()
