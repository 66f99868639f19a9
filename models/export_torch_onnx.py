#!/usr/bin/python3
"""PyTorch's own ONNX export of a MobileOne checkpoint, the reference the latency benchmark
holds our multi-branch graph against (`npm run bench:latency`).

    /usr/bin/python3 models/export_torch_onnx.py WEIGHTS.safetensors OUT.onnx [--opset 17]

WEIGHTS is one of our unfused safetensors files (spec in its metadata): the trained
`models/mobileone-cifar10.safetensors`, or a synthetic S0-S4 written by the engine. The network is
exported as it is, unfused, in eval mode, with a dynamic batch and the same input/output names as
our builder's graphs ("input", "logits"), so both run on the same feeds. What the exporter does
to it on its own (eval-mode BatchNorm folding, constant folding) is part of the reference.
"""
import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from safetensors_io import load_mobileone  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--opset", type=int, default=17)
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, spec = load_mobileone(args.weights)
    size = spec["inputSize"]
    x = torch.zeros(1, spec.get("inChannels", 3), size, size)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (x,),
            str(args.out),
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
            opset_version=args.opset,
            training=torch.onnx.TrainingMode.EVAL,
            do_constant_folding=True,
        )
    print(f"torch {torch.__version__}: wrote {args.out}")


if __name__ == "__main__":
    main()
