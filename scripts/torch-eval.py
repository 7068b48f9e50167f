#!/usr/bin/python3
"""torch-eval.py - evaluates an nntrain checkpoint in PyTorch: builds the nn.Sequential of
the checkpoint's config (each module from `nntrain tables`, run from $NNTRAIN, else this
tree's nntrain or build/nntrain), loads its tensors with load_state_dict (strict: every
model tensor, no other than the "nntrain." ones), and prints the test accuracy and loss
on the config's test set. `nntrain CONFIG --set init.from=CKPT --epochs 0` gives the
same figures for the same weights (docs/checkpoints.md).

Usage: scripts/torch-eval.py CHECKPOINT [--config CONFIG.json]
Needs Debian's python3-torch and numpy (/usr/bin/python3)."""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nntrain_torch as nt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--config", help="the config (default: the one in the checkpoint)")
    a = ap.parse_args()
    tensors, meta = nt.read_safetensors(a.checkpoint)
    if a.config:
        with open(a.config) as f:
            cfg = json.load(f)
    elif "config" in meta:
        cfg = json.loads(meta["config"])
    else:
        raise SystemExit(f"{a.checkpoint}: no config in the file; give --config")
    x, y = nt.test_set(cfg)
    model = nt.build_model(torch, cfg, x.shape[1])
    state = {k: torch.from_numpy(v) for k, v in tensors.items() if not k.startswith("nntrain.")}
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(logits.double(), torch.from_numpy(y)).item()
        acc = (logits.argmax(1).numpy() == y).mean()
    print(f"test_acc {acc:.6f} test_loss {loss:.6f} samples {len(y)} epoch {meta.get('epoch', '?')}")


if __name__ == "__main__":
    main()
