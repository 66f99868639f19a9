"""Minimal safetensors writer/reader for float32 and int64 tensors.

Debian ships no python3-safetensors, and the format is an 8-byte little-endian header length, a
JSON header, then raw little-endian bytes; writing it here keeps training free of pip installs.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import torch

_DTYPES = {torch.float32: ("F32", np.float32), torch.int64: ("I64", np.int64)}


def write_safetensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    header: dict = {"__metadata__": metadata}
    chunks, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name]
        code, np_type = _DTYPES[t.dtype]
        data = t.numpy().astype(np_type, copy=False).tobytes(order="C")
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)  # the spec allows space padding; 8-byte alignment helps readers
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for c in chunks:
            f.write(c)


def read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    buf = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = buf[8 + n:]
    out = {}
    for name, info in header.items():
        np_type = {"F32": np.float32, "I64": np.int64}[info["dtype"]]
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype=np_type).reshape(info["shape"]).copy())
    return out, meta


def load_mobileone(path: Path):
    """A train-time MobileOne from one of our safetensors files (spec in its metadata), in eval mode.

    Refuses a state dict that does not match the spec; `num_batches_tracked` is optional in our files.
    """
    import json

    from mobileone import MobileOne

    tensors, meta = read_safetensors(path)
    spec = json.loads(meta["spec"])
    model = MobileOne(spec)
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"state dict mismatch: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return model.eval(), spec
