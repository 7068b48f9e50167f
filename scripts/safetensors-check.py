#!/usr/bin/python3
"""nntrain's safetensors files against an independent writer and reader (python3 stdlib and
numpy only), following the layout of Hugging Face's library (huggingface/safetensors).

Usage: scripts/safetensors-check.py write PATH   the reference tensors, written as the Python
                                                 library writes them: by dtype (I64, F64, F32,
                                                 I32, U8, BOOL), then by name, compact JSON,
                                                 spaces up to a multiple of 8 bytes
       scripts/safetensors-check.py check PATH   PATH (nntrain's nn_st_write of the same
                                                 tensors) read strictly, every value compared
                                                 bit for bit
       scripts/safetensors-check.py scripts PATH OUT
                                                 PATH (the same) read with
                                                 scripts/nntrain_torch.py's read_safetensors and
                                                 compared bit for bit, then written to OUT with
                                                 its write_safetensors
Exit status 0 when all is well, else 1 with one line on stderr.

tests/ckpt/safetensors.c (python_cross_check) holds the same reference tensors: change both."""
import json
import os
import struct
import sys

import numpy as np

FLT_MAX = float(np.finfo(np.float32).max)
FLT_TRUE_MIN = 2.0**-149

# safetensors dtype -> numpy dtype, in the order the Python library lays tensors out.
DTYPES = {"I64": "<i8", "F64": "<f8", "F32": "<f4", "I32": "<i4", "U8": "u1", "BOOL": "?"}
NAMES = {np.dtype(v).str: k for k, v in DTYPES.items()}


def bits(words, unsigned, dtype):
    """An array of dtype holding exactly the bit patterns words (NaN payloads kept)."""
    return np.array(words, dtype=unsigned).view(dtype)


def reference():
    """name -> numpy array (one of DTYPES); and the metadata."""
    f32 = {
        "0.weight": np.array([((i * 7) % 11 - 5) / 4 for i in range(12)]).reshape(3, 4),
        "0.bias": np.array([-0.0, 1.5, FLT_TRUE_MIN, FLT_MAX]),
        "step": np.array(42.0),
        "empty": np.zeros((0,)),
    }
    tensors = {k: v.astype("<f4") for k, v in f32.items()}
    tensors.update({
        "nan": bits([0x7FC00001, 0xFF800001], "<u4", "<f4"),
        "count": np.array([-2**63, -1, 0, 2**63 - 1], dtype="<i8"),
        "1.num_batches_tracked": np.array(937, dtype="<i8"),
        "f64": bits([0x8000000000000000, 1, 0x7FF0000000000001, 0xFFF8000000000ABC],
                    "<u8", "<f8").reshape(2, 2),
        "i32": np.array([-2**31, -7, 2**31 - 1], dtype="<i4"),
        "u8": np.array([0, 1, 127, 128, 255], dtype="u1"),
        "mask": np.array([1, 0, 0, 1, 1, 0], dtype="?").reshape(2, 3),
    })
    return tensors, {"format": "nntrain", "epoch": "12"}


def write(path):
    tensors, meta = reference()
    header, data, offset = {"__metadata__": meta}, b"", 0
    rank = {name: i for i, name in enumerate(DTYPES)}
    for name in sorted(tensors, key=lambda k: (rank[NAMES[tensors[k].dtype.str]], k)):
        raw = tensors[name].tobytes()
        header[name] = {"dtype": NAMES[tensors[name].dtype.str], "shape": list(tensors[name].shape),
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
        if set(e) != {"dtype", "shape", "data_offsets"} or e["dtype"] not in DTYPES:
            raise ValueError(f"tensor {name}: fields or dtype {e}")
        if not all(type(d) is int and d >= 0 for d in e["shape"] + e["data_offsets"]):
            raise ValueError(f"tensor {name}: shape or offsets not integers {e}")
        begin, stop = e["data_offsets"]
        size = np.dtype(DTYPES[e["dtype"]]).itemsize
        if begin != end or stop - begin != size * int(np.prod(e["shape"], dtype=np.int64)):
            raise ValueError(f"tensor {name}: data_offsets {e['data_offsets']} after {end}")
        if begin % size:
            raise ValueError(f"tensor {name}: data at {begin}, not aligned to {size} bytes")
        if e["dtype"] == "BOOL" and any(b > 1 for b in data[begin:stop]):
            raise ValueError(f"tensor {name}: a BOOL byte is neither 0 nor 1")
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
        e = header[name]
        if e["dtype"] != NAMES[want.dtype.str]:
            raise ValueError(f"tensor {name}: dtype {e['dtype']}, not {NAMES[want.dtype.str]}")
        begin, stop = e["data_offsets"]
        got = np.frombuffer(data[begin:stop], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        if got.shape != want.shape or got.tobytes() != want.tobytes():
            raise ValueError(f"tensor {name}: {got!r} is not {want!r}")


def through_scripts(path, out):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import nntrain_torch as nt

    tensors, meta = nt.read_safetensors(path)
    want, want_meta = reference()
    if meta != want_meta or set(tensors) != set(want):
        raise ValueError(f"metadata {meta} or names {sorted(tensors)} differ from the reference")
    for name, w in want.items():
        got = tensors[name]
        if got.dtype != w.dtype or got.shape != w.shape or got.tobytes() != w.tobytes():
            raise ValueError(f"tensor {name}: {got!r} is not {w!r}")
    nt.write_safetensors(out, tensors, meta)


def main():
    args = sys.argv[1:]
    if args[:1] not in (["write"], ["check"], ["scripts"]) or len(args) != 2 + (args[0] == "scripts"):
        sys.exit(__doc__.split("\n\n")[1])
    try:
        if args[0] == "scripts":
            through_scripts(args[1], args[2])
        else:
            (write if args[0] == "write" else check)(args[1])
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"{sys.argv[2]}: {e}")


if __name__ == "__main__":
    main()
