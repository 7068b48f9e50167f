"""nntrain_torch.py - what the scripts that rebuild nntrain's models in PyTorch share
(torch-eval.py, torch-export.py, born-dead-torch.py, bench-torch.py): the safetensors
format (read and written with the standard library and numpy, as the Hugging Face library
lays it out); nntrain's tables (`nntrain tables`: each layer type's, activation's and
optimizer's keys and PyTorch call), from which a config's nn.Sequential, nntrain's init of
it and its optimizer are built, so that no script keeps a list of its own; and the MNIST
test set normalized as nntrain normalizes it. See docs/checkpoints.md."""
import gzip
import json
import math
import os
import re
import struct
import subprocess

import numpy as np


# The safetensors dtypes nntrain reads and writes, as numpy dtypes (the data is little-endian).
DTYPES = {"F32": "<f4", "I64": "<i8", "F64": "<f8", "I32": "<i4", "U8": "u1", "BOOL": "?"}
_BY_KIND = {(np.dtype(v).kind, np.dtype(v).itemsize): k for k, v in DTYPES.items()}


def read_safetensors(path):
    """(tensors as a dict of numpy arrays of the DTYPES, metadata dict)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = blob[8 + n :]
    tensors = {}
    for name, t in header.items():
        if t["dtype"] not in DTYPES:
            raise SystemExit(f"{path}: tensor {name}: dtype {t['dtype']} is not supported "
                             f"(supported: {', '.join(DTYPES)})")
        b, e = t["data_offsets"]
        if t["dtype"] == "BOOL" and any(x > 1 for x in data[b:e]):
            raise SystemExit(f"{path}: tensor {name}: a BOOL byte is neither 0 nor 1")
        raw = np.frombuffer(data[b:e], dtype=DTYPES[t["dtype"]])
        tensors[name] = raw.reshape(t["shape"]).copy()
    return tensors, meta


def write_safetensors(path, tensors, meta=None):
    """tensors: a dict name -> numpy array of float32, int64, float64, int32, uint8 or bool
    (any byte order), written in the dict's order, little-endian."""
    header, offset, chunks = {}, 0, []
    for name, a in tensors.items():
        a = np.asarray(a)
        dtype = _BY_KIND.get((a.dtype.kind, a.dtype.itemsize))
        if dtype is None:
            raise SystemExit(f"{path}: tensor {name}: numpy dtype {a.dtype} is not one of "
                             f"{', '.join(DTYPES)}")
        a = np.asarray(a, dtype=DTYPES[dtype])  # not ascontiguousarray: it makes 0-d 1-d
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        chunks.append(a.tobytes())
    if meta:
        header["__metadata__"] = meta
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)  # the data starts on an 8-byte boundary
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


# The format of `nntrain tables` (src/config/tables.c) this file reads.
TABLES_FORMAT = "nntrain-tables-1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# nntrain's dense inits that scale by the gain of the activation after the layer.
_GAINED = ("he_normal", "he_uniform", "xavier_uniform")


def _run_tables(argv):
    """(the tables argv prints, None), or (None, why not)."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, check=False)
    except OSError as e:
        return None, e.strerror
    if p.returncode != 0:
        why = (p.stderr.strip().splitlines() or [""])[0]
        return None, f"exit {p.returncode}" + (f" ({why})" if why else "")
    try:
        data = json.loads(p.stdout)
    except ValueError:
        return None, "it printed no JSON"
    if not isinstance(data, dict) or data.get("format") != TABLES_FORMAT:
        return None, f"it printed no {TABLES_FORMAT} tables"
    return data, None


def load_tables(binary=None, args=("tables",)):
    """The Tables `binary args` prints. binary: else $NNTRAIN, else this tree's nntrain,
    else its build/nntrain (the first that runs). The test binary prints its test-only
    entries too: load_tables("build/test_nntrain", ["--tables"])."""
    binary = binary or os.environ.get("NNTRAIN")
    tried = [binary] if binary else [os.path.join(ROOT, "nntrain"),
                                      os.path.join(ROOT, "build", "nntrain")]
    whys = []
    for b in tried:
        data, why = _run_tables([b, *args])
        if data is not None:
            return Tables(data, " ".join([b, *args]))
        whys.append(f"{b}: {why}")
    raise SystemExit("cannot read nntrain's tables (`make nntrain`, or $NNTRAIN=the binary): "
                     + "; ".join(whys))


def _values(entry, spec, where):
    """spec's value of each of entry's keys (checked), the key's default where spec has
    none."""
    out = {}
    for k in entry["keys"]:
        if k["name"] in spec:
            _literal(k, spec[k["name"]], where)
            out[k["name"]] = spec[k["name"]]
        elif k["required"]:
            raise SystemExit(f"{where}: {entry['type']} needs \"{k['name']}\"")
        else:
            out[k["name"]] = k["default"]
    return out


def _literal(key, value, where):
    """value of key as a Python literal: True/False, an int, a float, a string or None."""
    def bad(expected):
        return SystemExit(f"{where}: \"{key['name']}\": {json.dumps(value)} is not {expected}")

    if key["kind"] == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return repr(value)
    if key["kind"] == "enum":
        if value is not None and value not in key["choices"]:
            raise bad("one of " + ", ".join(key["choices"]))
        return repr(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad("a number")
    if key["integer"]:
        if value != int(value):
            raise bad("an integer")
        return repr(int(value))
    return repr(float(value))


def _fill(template, entry, values, extra, where):
    """template with {name} replaced by extra[name] or the literal of key name's value."""
    keys = {k["name"]: k for k in entry["keys"]}

    def one(m):
        name = m.group(1)
        if name in extra:
            return extra[name]
        if name not in keys:
            raise SystemExit(f"{where}: {template}: {{{name}}} is not a key of {entry['type']}")
        return _literal(keys[name], values[name], where)

    return _PLACEHOLDER.sub(one, template)


def _call(expr, torch, namespace, where, **names):
    """expr evaluated with torch and the namespace's modules (and names) in scope."""
    try:
        return eval(expr, {"torch": torch, **(namespace or {})}, names)
    except Exception as e:  # the table's call failed: say which and why, as a script error
        raise SystemExit(f"{where}: {expr}: {type(e).__name__}: {e}") from e


def _out_width(torch, module, width, where):
    """The width of module's output on width inputs: one row of zeros in eval mode (no
    state changes, no random draws)."""
    training = module.training
    module.eval()
    try:
        with torch.no_grad():
            out = module(torch.zeros(1, width))
    except RuntimeError as e:
        raise SystemExit(f"{where} on {width} inputs: {e}") from e
    finally:
        module.train(training)
    return int(out.shape[-1])


def _init_dense(torch, w, b, kind, gain, bias_init, bias_init_given):
    """nntrain's init of a weight [fan_out, fan_in] and bias b (src/nn/init.c), drawn
    from torch's generator, weight first."""
    fan_out, fan_in = w.shape
    with torch.no_grad():
        if kind in ("he_normal", "lecun_normal"):
            std = (1.0 if kind == "lecun_normal" else gain) / math.sqrt(fan_in)
            torch.nn.init.normal_(w, 0.0, std)
        elif kind in ("he_uniform", "xavier_uniform", "torch_default"):
            bound = (gain * math.sqrt(3.0 / fan_in) if kind == "he_uniform"
                     else gain * math.sqrt(6.0 / (fan_in + fan_out)) if kind == "xavier_uniform"
                     else 1.0 / math.sqrt(fan_in))
            torch.nn.init.uniform_(w, -bound, bound)
        else:
            raise SystemExit(f"init \"{kind}\": not one of src/nn/init.c's that "
                             "scripts/nntrain_torch.py draws")
        if b is None:
            return
        if kind == "torch_default" and not bias_init_given:
            torch.nn.init.uniform_(b, -1.0 / math.sqrt(fan_in), 1.0 / math.sqrt(fan_in))
        else:
            b.fill_(bias_init)


class Tables:
    """nntrain's layer types, activations and optimizers by config "type", as `nntrain
    tables` prints them, and the PyTorch modules built from them."""

    def __init__(self, data, source):
        self.data, self.source = data, source
        self.layers = {e["type"]: e for e in data["layers"]}
        self.optimizers = {e["type"]: e for e in data["optimizers"]}

    def probed(self):
        """The types whose pre-activations the dead-unit probe counts (the activations)."""
        return [t for t, e in self.layers.items() if e["probed"]]

    def layer(self, type_, where="model"):
        if type_ not in self.layers:
            raise SystemExit(f"{where}: unknown module type \"{type_}\" (the types of "
                             f"{self.source}: {', '.join(self.layers)})")
        return self.layers[type_]

    def module(self, torch, spec, width, namespace=None, where="module"):
        """The torch module of one model entry spec ({"type", keys...}) on width inputs:
        its type's "torch" call with spec's values, defaults where spec has none."""
        entry = self.layer(spec["type"], where)
        expr = _fill(entry["torch"], entry, _values(entry, spec, where), {"in": str(width)},
                     where)
        return _call(expr, torch, namespace, where)

    def build_model(self, torch, model, input_dim, namespace=None):
        """The nn.Sequential of a config's "model" list (module i of the config is module i
        here), with PyTorch's default init. namespace: modules the calls may name besides
        torch (e.g. {"nntrain_test": nntrain_test} for the test binary's entries)."""
        layers, width = [], input_dim
        for i, spec in enumerate(model):
            m = self.module(torch, spec, width, namespace, f"model[{i}]")
            width = _out_width(torch, m, width, f"model[{i}] ({spec['type']})")
            layers.append(m)
        return torch.nn.Sequential(*layers)

    def init_model(self, torch, seq, model):
        """Redraws the weights and biases of seq (built from model) as nntrain draws them,
        from torch's generator, module by module: each product layer (dense) with its
        "init", else the "dense_init" of the activation after it (he_normal without one),
        with that activation's gain (1 without one); its bias at bias_init (default 0), or
        drawn by torch_default (src/nn/layer/dense.c). Other modules keep what their
        constructor gave them (PReLU's slope at its init, as in nntrain)."""
        for i, spec in enumerate(model):
            entry = self.layer(spec["type"], f"model[{i}]")
            if not entry["product"]:
                continue
            after = self.layer(model[i + 1]["type"]) if i + 1 < len(model) else None
            act = after if after is not None and "dense_init" in after else None
            v = _values(entry, spec, f"model[{i}]")
            kind = v.get("init") or (act["dense_init"] if act else "he_normal")
            if act and kind in _GAINED and _values(act, model[i + 1], f"model[{i + 1}]") != {
                    k["name"]: k["default"] for k in act["keys"]}:
                raise SystemExit(f"model[{i + 1}]: the tables give {act['type']}'s init gain "
                                 f"at its default keys only; give model[{i}] an init without "
                                 "a gain (lecun_normal, torch_default)")
            _init_dense(torch, seq[i].weight, seq[i].bias, kind, act["gain"] if act else 1.0,
                        v.get("bias_init", 0.0), "bias_init" in spec)

    def optimizer(self, torch, spec, params, namespace=None):
        """The torch.optim optimizer of an optimizer section ({"type", "lr", keys...})
        over params: its type's "torch" call with spec's values."""
        t = spec.get("type")
        if t not in self.optimizers:
            raise SystemExit(f"optimizer: unknown type \"{t}\" (the types of {self.source}: "
                             f"{', '.join(self.optimizers)})")
        entry = self.optimizers[t]
        if "lr" not in spec:
            raise SystemExit("optimizer: needs \"lr\"")
        lr = _literal({"name": "lr", "kind": "number", "integer": False}, spec["lr"],
                      "optimizer")
        expr = _fill(entry["torch"], entry, _values(entry, spec, "optimizer"), {"lr": lr},
                     "optimizer")
        return _call(expr, torch, namespace, "optimizer", params=params)


def build_model(torch, cfg, input_dim, tables=None, namespace=None):
    """The nn.Sequential of cfg["model"], PyTorch's default init, from tables (default:
    load_tables())."""
    return (tables or load_tables()).build_model(torch, cfg["model"], input_dim, namespace)


def read_idx(path):
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        blob = f.read()
    ndim = blob[3]
    dims = struct.unpack(">" + "I" * ndim, blob[4 : 4 + 4 * ndim])
    return np.frombuffer(blob[4 + 4 * ndim :], dtype=np.uint8).reshape(dims)


def test_set(cfg):
    """(x float32 [n, 784] normalized as the config says, y int64), test_limit applied."""
    d = cfg["data"]
    if d.get("format", "idx") != "idx":
        raise SystemExit("only IDX data sets (data.format idx) are supported here")
    x = read_idx(d["test_images"]).reshape(len(read_idx(d["test_labels"])), -1).astype(np.float32) / 255.0
    y = read_idx(d["test_labels"]).astype(np.int64)
    limit = d.get("test_limit", 0)
    if limit:
        x, y = x[:limit], y[:limit]
    if d.get("normalize", "unit") == "standard":
        tr = read_idx(d["train_images"]).astype(np.float64) / 255.0
        tl = d.get("train_limit", 0)
        tr = tr[:tl] if tl else tr
        mean, std = tr.mean(), tr.std()
        x = ((x - np.float32(mean)) / np.float32(std)).astype(np.float32)
    return x, y
