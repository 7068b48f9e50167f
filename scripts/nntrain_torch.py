"""nntrain_torch.py - what scripts/torch-eval.py and scripts/torch-export.py share: the
safetensors format (read and written with the standard library and numpy, as the
Hugging Face library lays it out), the nn.Sequential of an nntrain config, and the MNIST
test set normalized as nntrain normalizes it. See docs/checkpoints.md."""
import gzip
import json
import struct

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


def build_model(torch, cfg, input_dim):
    """The nn.Sequential of cfg["model"] (module i of the config is module i here)."""
    layers, width = [], input_dim
    for m in cfg["model"]:
        t = m["type"]
        if t == "dense":
            layers.append(torch.nn.Linear(width, m["units"], bias=m.get("bias", True)))
            width = m["units"]
        elif t == "relu":
            layers.append(torch.nn.ReLU())
        elif t == "leaky_relu":
            layers.append(torch.nn.LeakyReLU(m.get("negative_slope", 0.01)))
        elif t == "prelu":
            layers.append(torch.nn.PReLU(m.get("num_parameters", 1), m.get("init", 0.25)))
        elif t == "elu":
            layers.append(torch.nn.ELU(m.get("alpha", 1.0)))
        elif t == "selu":
            layers.append(torch.nn.SELU())
        else:
            raise SystemExit(f"unknown module type {t}")
    return torch.nn.Sequential(*layers)


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
