#!/usr/bin/python3
"""Logits of a MobileOne checkpoint computed by PyTorch, unfused and after PyTorch's own
reparameterization, for the TypeScript engine to compare against (tests/unit/torch-crosscheck.test.ts).

    /usr/bin/python3 models/crosscheck.py WEIGHTS.safetensors BATCH.safetensors OUT.safetensors

BATCH holds one float32 tensor "input" [N, C, H, W]; OUT gets "unfused" and "fused" logits.
"""
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mobileone import reparameterize_model  # noqa: E402
from safetensors_io import load_mobileone, read_safetensors, write_safetensors  # noqa: E402


def main() -> None:
    weights_path, batch_path, out_path = sys.argv[1:4]
    torch.set_num_threads(os.cpu_count() or 1)
    model, spec = load_mobileone(Path(weights_path))
    x = read_safetensors(Path(batch_path))[0]["input"]
    with torch.no_grad():
        unfused = model(x)
        fused = reparameterize_model(model)(x)
    write_safetensors(Path(out_path), {"unfused": unfused.contiguous(), "fused": fused.contiguous()}, {})


if __name__ == "__main__":
    main()
