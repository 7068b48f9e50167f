#!/usr/bin/python3
"""nntrain's safetensors files against an independent writer and reader (python3 stdlib and
numpy only), following the layout of Hugging Face's library (huggingface/safetensors).

Usage: scripts/safetensors-check.py write PATH   the reference tensors, written as the Python
                                                 library writes them: sorted by name, compact
                                                 JSON, spaces up to a multiple of 8 bytes
       scripts/safetensors-check.py check PATH   PATH (nntrain's nn_st_write of the same
                                                 tensors) read strictly, every value compared
                                                 bit for bit
Exit status 0 when all is well, else 1 with one line on stderr.

tests/ckpt/safetensors.c (python_cross_check) holds the same reference tensors: change both."""
import json
import struct
import sys

import numpy as np

FLT_MAX = float(np.finfo(np.float32).max)
FLT_TRUE_MIN = 2.0**-149


def reference():
    """name -> float32 array; and the metadata."""
    tensors = {
        "0.weight": np.array([((i * 7) % 11 - 5) / 4 for i in range(12)]).reshape(3, 4),
        "0.bias": np.array([-0.0, 1.5, FLT_TRUE_MIN, FLT_MAX]),
        "step": np.array(42.0),
        "empty": np.zeros((0,)),
    }
    return {k: v.astype("<f4") for k, v in tensors.items()}, {"format": "nntrain", "epoch": "12"}


def write(path):
    tensors, meta = reference()
    header, data, offset = {"__metadata__": meta}, b"", 0
    for name in sorted(tensors):
        raw = tensors[name].tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"a key appears twice in {keys}")
    return dict(pairs)


def parse(blob):
    """The header (tensors by name), the metadata and the data area, checked as the Python
    library checks them, plus the padding nntrain promises (a multiple of 8, spaces)."""
    if len(blob) < 8:
        raise ValueError("shorter than 8 bytes")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8 or n % 8 != 0:
        raise ValueError(f"header length {n}: past the end or not a multiple of 8")
    text = blob[8:8 + n].decode("utf-8")
    body = text.rstrip(" ")
    if not body.startswith("{") or not body.endswith("}") or len(text) - len(body) >= 8:
        raise ValueError(f"header not one object padded with at most 7 spaces: {text!r}")
    header = json.loads(body, object_pairs_hook=no_duplicates)
    meta = header.pop("__metadata__", {})
    if not all(isinstance(v, str) for v in meta.values()):
        raise ValueError("a metadata value is not a string")
    data = blob[8 + n:]
    end = 0
    for name, e in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        if set(e) != {"dtype", "shape", "data_offsets"} or e["dtype"] != "F32":
            raise ValueError(f"tensor {name}: fields or dtype {e}")
        if not all(type(d) is int and d >= 0 for d in e["shape"] + e["data_offsets"]):
            raise ValueError(f"tensor {name}: shape or offsets not integers {e}")
        begin, stop = e["data_offsets"]
        if begin != end or stop - begin != 4 * int(np.prod(e["shape"], dtype=np.int64)):
            raise ValueError(f"tensor {name}: data_offsets {e['data_offsets']} after {end}")
        end = stop
    if end != len(data):
        raise ValueError(f"the tensors cover {end} of {len(data)} data bytes")
    return header, meta, data


def check(path):
    with open(path, "rb") as f:
        header, meta, data = parse(f.read())
    tensors, want_meta = reference()
    if meta != want_meta or set(header) != set(tensors):
        raise ValueError(f"metadata {meta} or names {sorted(header)} differ from the reference")
    for name, want in tensors.items():
        begin, stop = header[name]["data_offsets"]
        got = np.frombuffer(data[begin:stop], dtype="<f4").reshape(header[name]["shape"])
        if got.shape != want.shape or not np.array_equal(got.view("<u4"), want.view("<u4")):
            raise ValueError(f"tensor {name}: {got!r} is not {want!r}")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        sys.exit(__doc__.split("\n\n")[1])
    try:
        (write if sys.argv[1] == "write" else check)(sys.argv[2])
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"{sys.argv[2]}: {e}")


if __name__ == "__main__":
    main()
