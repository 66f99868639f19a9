"""Exports a train-time MobileOne (models/mobileone.py) to ONNX the way a practitioner would.

Usage: python3 models/export_onnx_fixture.py SPEC.json OUT.onnx [SEED]

The spec is the engine's JSON spec (validated, so every field is present). BatchNorm statistics
and affine terms are drawn at random so that the exporter's Conv+BN folding, the standalone skip
BN and the graph pass all have real numbers to work on. Eval mode, opset 17, weights inside the
file; the batch dimension is dynamic and named N.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mobileone import MobileOne  # noqa: E402


def main() -> None:
    torch.set_num_threads(1)
    spec = json.loads(Path(sys.argv[1]).read_text())
    out = sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.manual_seed(seed)
    model = MobileOne(spec)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.normal_(1.0, 0.25)
                m.bias.normal_(0.0, 0.1)
                m.running_mean.normal_(0.0, 0.2)
                m.running_var.copy_(torch.exp(0.5 * torch.randn_like(m.running_var)))
    model.eval()
    size = spec["inputSize"]
    x = torch.randn(1, spec.get("inChannels", 3), size, size)
    torch.onnx.export(model, x, out, opset_version=17, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True)


if __name__ == "__main__":
    main()
