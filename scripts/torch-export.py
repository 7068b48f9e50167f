#!/usr/bin/python3
"""torch-export.py - weights from PyTorch for nntrain: builds the nn.Sequential of an
nntrain config (each module from `nntrain tables`, run from $NNTRAIN, else this tree's
nntrain or build/nntrain), initializes it with PyTorch's own defaults
(torch.manual_seed(SEED)), optionally trains it for N epochs with plain SGD (the sgd
entry's call at its defaults), prints its test accuracy and loss, and writes its
state_dict as safetensors. `nntrain CONFIG --set init.from=OUT --epochs 0` then
evaluates the same weights (docs/checkpoints.md).

Usage: scripts/torch-export.py CONFIG.json OUT.safetensors [--seed S] [--epochs N] [--lr LR]
Needs Debian's python3-torch and numpy (/usr/bin/python3)."""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nntrain_torch as nt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=0)
    ap.add_argument("--lr", type=float, default=0.05)
    a = ap.parse_args()
    with open(a.config) as f:
        cfg = json.load(f)
    torch.manual_seed(a.seed)
    x, y = nt.test_set(cfg)
    tables = nt.load_tables()
    model = tables.build_model(torch, cfg["model"], x.shape[1])
    if a.epochs:
        d = dict(cfg["data"], test_images=cfg["data"]["train_images"],
                 test_labels=cfg["data"]["train_labels"], test_limit=cfg["data"].get("train_limit", 0))
        tx, ty = nt.test_set(dict(cfg, data=d))
        opt = tables.optimizer(torch, {"type": "sgd", "lr": a.lr}, model.parameters())
        txt, tyt = torch.from_numpy(tx), torch.from_numpy(ty)
        for _ in range(a.epochs):
            perm = torch.randperm(len(ty))
            for i in range(0, len(ty), 64):
                idx = perm[i : i + 64]
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(txt[idx]), tyt[idx]).backward()
                opt.step()
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(logits.double(), torch.from_numpy(y)).item()
        acc = (logits.argmax(1).numpy() == y).mean()
    nt.write_safetensors(a.out, {k: v.detach().numpy().astype(np.float32)
                                 for k, v in model.state_dict().items()})
    print(f"test_acc {acc:.6f} test_loss {loss:.6f} samples {len(y)}; wrote {a.out}")


if __name__ == "__main__":
    main()
