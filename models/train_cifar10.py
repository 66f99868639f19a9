#!/usr/bin/python3
"""Train MobileOne Lab's CIFAR-10 MobileOne (k = 4) on the CPU and write the shipped files.

    /usr/bin/python3 models/train_cifar10.py            # train (resumes from models/checkpoints/last.pt)
    /usr/bin/python3 models/train_cifar10.py --bench    # time a few steps, no training
    /usr/bin/python3 models/train_cifar10.py --k 1 --seed 1 --run k1-seed1
        # an ablation run: same recipe, k branches per block; writes only models/ablation/k1-seed1.json
        # (metrics and training curve, no weights) and resumes from models/checkpoints/k1-seed1.pt

Needs Debian's PyTorch, Pillow and matplotlib (apt-get install -y python3-torch python3-pil
python3-matplotlib). Reads ../shared/datasets/cifar10/{train,test}.tar; decoded arrays are cached
outside the project (never committed). Writes, at the end:
  models/mobileone-cifar10.safetensors   unfused weights, Apple's key names, spec/labels/mean/std in metadata
  models/mobileone-cifar10.metrics.json  every number the model card states
  models/figures/*.png                    training curve and confusion matrix
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mobileone import MobileOne, reparameterize_model  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "datasets" / "cifar10"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mobileone-lab"
LABELS = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
MEAN = [0.4914, 0.4822, 0.4465]
STD = [0.2470, 0.2435, 0.2616]

# Apple-structured, sized for 32x32: a stride-1 stem keeps full resolution for the first conv, and
# stage 4 has stride 1 so the last stage still sees 4x4 pixels (32 -> 32 -> 16 -> 8 -> 4 -> 4).
SPEC = {
    "format": "mobileone-lab.spec/1",
    "name": "mobileone-cifar10",
    "inChannels": 3,
    "inputSize": 32,
    "numClasses": 10,
    "stem": {"width": 64, "stride": 1, "k": 1},
    "stages": [
        {"width": 64, "blocks": 2, "stride": 2, "k": 4, "seBlocks": 0},
        {"width": 128, "blocks": 4, "stride": 2, "k": 4, "seBlocks": 0},
        {"width": 256, "blocks": 4, "stride": 2, "k": 4, "seBlocks": 0},
        {"width": 384, "blocks": 1, "stride": 1, "k": 4, "seBlocks": 0},
    ],
}


def load_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    """All images of a split as uint8 NHWC plus labels, decoded once with Pillow and cached."""
    from PIL import Image

    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"cifar10-{split}.npz"
    if cached.exists():
        z = np.load(cached)
        return z["x"], z["y"]
    xs, ys = [], []
    with tarfile.open(DATA / f"{split}.tar") as tar:
        for m in tar:
            if not m.isfile() or not m.name.endswith(".jpg"):
                continue
            cls = m.name.split("/")[-2]
            img = Image.open(io.BytesIO(tar.extractfile(m).read())).convert("RGB")
            xs.append(np.asarray(img, dtype=np.uint8))
            ys.append(LABELS.index(cls))
    x, y = np.stack(xs), np.asarray(ys, dtype=np.int64)
    np.savez(cached, x=x, y=y)
    return x, y


def to_tensor(x: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(x).permute(0, 3, 1, 2).float().div_(255)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return ((t - mean) / std).contiguous()


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random crop with 4-pixel reflect padding and horizontal flip, on a whole batch at once."""
    n = x.shape[0]
    padded = F.pad(x, [4, 4, 4, 4], mode="reflect")
    dx = torch.randint(0, 9, (n,), generator=gen)
    dy = torch.randint(0, 9, (n,), generator=gen)
    idx = torch.arange(32)
    rows = (dy[:, None] + idx[None, :])[:, None, :, None].expand(n, 3, 32, 40)
    out = torch.gather(padded, 2, rows)
    cols = (dx[:, None] + idx[None, :])[:, None, None, :].expand(n, 3, 32, 32)
    out = torch.gather(out, 3, cols)
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def param_groups(model: nn.Module, wd: float) -> list[dict]:
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, bs: int = 1000) -> torch.Tensor:
    model.eval()
    return torch.cat([model(x[i:i + bs]) for i in range(0, len(x), bs)])


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def git_commit() -> str:
    try:
        return subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True,
                                       stderr=subprocess.DEVNULL).strip()
    except Exception:
        return "uncommitted"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--fp32", action="store_true", help="train in float32 (default: bfloat16 autocast, ~1.5x faster here)")
    ap.add_argument("--bench", action="store_true", help="time 20 training steps and exit")
    ap.add_argument("--checkpoint", type=Path, default=None,
                    help="default: models/checkpoints/last.pt, or models/checkpoints/RUN.pt with --run")
    ap.add_argument("--k", type=int, default=4, help="over-parameterization factor k of every stage (the paper's k)")
    ap.add_argument("--run", default=None,
                    help="ablation run name: write models/ablation/RUN.json instead of the shipped model files")
    args = ap.parse_args()
    if args.checkpoint is None:
        args.checkpoint = HERE / "checkpoints" / (f"{args.run}.pt" if args.run else "last.pt")
    global SPEC
    if args.k != 4 and not args.run:
        ap.error("--k other than 4 trains an ablation: name it with --run so the shipped model is not overwritten")
    SPEC = {**SPEC, "stages": [{**st, "k": args.k} for st in SPEC["stages"]]}

    torch.set_num_threads(args.threads)  # Debian's torch starts with one thread
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    model = MobileOne(SPEC).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(param_groups(model, args.wd), lr=args.lr, momentum=0.9, nesterov=True)
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)

    if args.bench:
        x = torch.randn(args.batch, 3, 32, 32).contiguous(memory_format=torch.channels_last)
        y = torch.randint(0, 10, (args.batch,))
        model.train()
        for i in range(23):
            if i == 3:
                t0 = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=not args.fp32):
                loss = crit(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        dt = (time.perf_counter() - t0) / 20
        fused = reparameterize_model(model)
        print(f"params train-time {count_params(model):,}  fused {count_params(fused):,}")
        print(f"{dt * 1000:.0f} ms/step at batch {args.batch}  ->  {dt * 50000 / args.batch / 60:.1f} min/epoch")
        return

    t_load = time.perf_counter()
    xtr_u8, ytr_np = load_split("train")
    xte_u8, yte_np = load_split("test")
    xtr, ytr = to_tensor(xtr_u8), torch.from_numpy(ytr_np)
    xte, yte = to_tensor(xte_u8), torch.from_numpy(yte_np)
    print(f"data: {len(xtr)} train, {len(xte)} test images ({time.perf_counter() - t_load:.0f} s)", flush=True)

    steps_per_epoch = len(xtr) // args.batch
    total = steps_per_epoch * args.epochs
    warm = steps_per_epoch  # one epoch of linear warm-up, then cosine to zero

    def lr_at(step: int) -> float:
        if step < warm:
            return args.lr * (step + 1) / warm
        return 0.5 * args.lr * (1 + math.cos(math.pi * (step - warm) / (total - warm)))

    history: list[dict] = []
    start_epoch, train_seconds = 0, 0.0
    if args.checkpoint.exists():
        ck = torch.load(args.checkpoint, weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        gen.set_state(ck["gen"])
        start_epoch, history, train_seconds = ck["epoch"], ck["history"], ck["train_seconds"]
        print(f"resumed from {args.checkpoint} after epoch {start_epoch}", flush=True)

    for epoch in range(start_epoch, args.epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        loss_sum, correct, seen = 0.0, 0, 0
        for s in range(steps_per_epoch):
            step = epoch * steps_per_epoch + s
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            idx = perm[s * args.batch:(s + 1) * args.batch]
            xb = augment(xtr[idx], gen).contiguous(memory_format=torch.channels_last)
            yb = ytr[idx]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=not args.fp32):
                out = model(xb)
                loss = crit(out.float(), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            seen += len(yb)
        test_acc = (predict(model, xte).argmax(1) == yte).float().mean().item()
        dt = time.perf_counter() - t0
        train_seconds += dt
        history.append({"epoch": epoch + 1, "loss": loss_sum / seen, "trainAcc": correct / seen,
                        "testAcc": test_acc, "seconds": dt})
        eta = dt * (args.epochs - epoch - 1)
        print(f"epoch {epoch + 1:3d}/{args.epochs}  loss {loss_sum / seen:.4f}  train {100 * correct / seen:5.2f}%  "
              f"test {100 * test_acc:5.2f}%  {dt:5.0f} s  ETA {eta / 60:5.1f} min", flush=True)
        args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
                    "epoch": epoch + 1, "history": history, "train_seconds": train_seconds},
                   args.checkpoint.with_suffix(".tmp"))
        os.replace(args.checkpoint.with_suffix(".tmp"), args.checkpoint)

    finish(model, xte, yte, history, train_seconds, args)


def finish(model: nn.Module, xte: torch.Tensor, yte: torch.Tensor, history: list[dict],
           train_seconds: float, args: argparse.Namespace) -> None:
    model = model.to(memory_format=torch.contiguous_format).eval()
    if args.run:
        write_ablation(model, xte, yte, history, train_seconds, args)
        return
    fused = reparameterize_model(model)
    logits_u = predict(model, xte)
    logits_f = predict(fused, xte)
    pred_u, pred_f = logits_u.argmax(1), logits_f.argmax(1)
    conf = torch.zeros(10, 10, dtype=torch.int64)
    for t, p in zip(yte.tolist(), pred_f.tolist()):
        conf[t, p] += 1
    source = (f"CIFAR-10 JPEG copy (Krizhevsky 2009), 50,000 train images; recipe models/train_cifar10.py "
              f"({args.epochs} epochs, SGD, cosine); commit {git_commit()}")
    metrics = {
        "spec": SPEC,
        "labels": LABELS,
        "mean": MEAN,
        "std": STD,
        "source": source,
        "testImages": len(yte),
        "top1Unfused": round(100 * (pred_u == yte).float().mean().item(), 2),
        "top1Fused": round(100 * (pred_f == yte).float().mean().item(), 2),
        "agreement": round(100 * (pred_u == pred_f).float().mean().item(), 2),
        "maxAbsLogitDelta": float((logits_u - logits_f).abs().max()),
        "perClassFused": {LABELS[c]: round(100 * conf[c, c].item() / conf[c].sum().item(), 1) for c in range(10)},
        "confusionFused": conf.tolist(),
        "paramsTrainTime": count_params(model),
        "paramsFused": count_params(fused),
        "recipe": {"epochs": args.epochs, "batch": args.batch, "optimizer": "SGD, Nesterov momentum 0.9",
                   "lr": f"{args.lr} peak, 1 epoch linear warm-up, cosine to 0", "weightDecay": args.wd,
                   "weightDecayOn": "conv and linear weights (not BN, not biases)", "labelSmoothing": 0.1,
                   "precision": "float32" if args.fp32 else "bfloat16 autocast (weights and BN statistics in float32)",
                   "augmentation": "random 32x32 crop of 4-px reflect-padded image, horizontal flip",
                   "seed": args.seed},
        "hardware": f"{os.cpu_count()} CPU cores ({cpu_name()}), PyTorch {torch.__version__}, {args.threads} threads",
        "trainSeconds": round(train_seconds),
        "history": history,
    }
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    write_safetensors(HERE / "mobileone-cifar10.safetensors", tensors, {
        "spec": json.dumps(SPEC), "labels": json.dumps(LABELS), "mean": json.dumps(MEAN),
        "std": json.dumps(STD), "source": source,
    })
    (HERE / "mobileone-cifar10.metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    draw_figures(metrics)
    from model_card import main as write_card
    sys.argv = [sys.argv[0]]
    write_card()
    print(json.dumps({k: metrics[k] for k in ("top1Unfused", "top1Fused", "agreement", "paramsTrainTime", "paramsFused")}))


def write_ablation(model: nn.Module, xte: torch.Tensor, yte: torch.Tensor, history: list[dict],
                   train_seconds: float, args: argparse.Namespace) -> None:
    """An ablation ships its numbers and curve, not its weights: the fused count is what makes the
    comparison fair (every k fuses to the same network)."""
    fused = reparameterize_model(model)
    logits_u, logits_f = predict(model, xte), predict(fused, xte)
    out = HERE / "ablation"
    out.mkdir(exist_ok=True)
    result = {
        "format": "mobileone-lab.ablation/1",
        "run": args.run,
        "k": args.k,
        "seed": args.seed,
        "spec": SPEC,
        "testImages": len(yte),
        "top1Unfused": round(100 * (logits_u.argmax(1) == yte).float().mean().item(), 2),
        "top1Fused": round(100 * (logits_f.argmax(1) == yte).float().mean().item(), 2),
        "maxAbsLogitDelta": float((logits_u - logits_f).abs().max()),
        "paramsTrainTime": count_params(model),
        "paramsFused": count_params(fused),
        "recipe": {"epochs": args.epochs, "batch": args.batch, "lr": args.lr, "weightDecay": args.wd,
                   "precision": "float32" if args.fp32 else "bfloat16 autocast"},
        "hardware": f"{os.cpu_count()} CPU cores ({cpu_name()}), PyTorch {torch.__version__}, {args.threads} threads",
        "trainSeconds": round(train_seconds),
        "commit": git_commit(),
        "history": history,
    }
    (out / f"{args.run}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("run", "top1Unfused", "top1Fused", "paramsTrainTime", "paramsFused")}))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def draw_figures(m: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = HERE / "figures"
    out.mkdir(exist_ok=True)
    h = m["history"]
    ep = [r["epoch"] for r in h]
    fig, ax1 = plt.subplots(figsize=(7, 4), dpi=150)
    ax1.plot(ep, [100 * r["trainAcc"] for r in h], color="#0072B2", label="train accuracy (augmented)")
    ax1.plot(ep, [100 * r["testAcc"] for r in h], color="#D55E00", label="test accuracy (unfused)")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("top-1 accuracy (%)")
    ax2 = ax1.twinx()
    ax2.plot(ep, [r["loss"] for r in h], color="#555555", linestyle="--", label="train loss")
    ax2.set_ylabel("loss (label-smoothed cross-entropy)")
    lines = ax1.get_lines() + ax2.get_lines()
    ax1.legend(lines, [l.get_label() for l in lines], loc="center right", frameon=False)
    ax1.set_title("MobileOne-CIFAR10 (k = 4): training curve")
    ax1.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "training-curve.png")
    plt.close(fig)

    conf = np.asarray(m["confusionFused"], dtype=float)
    rates = conf / conf.sum(1, keepdims=True)
    fig, ax = plt.subplots(figsize=(7, 6), dpi=150)
    im = ax.imshow(rates, cmap="viridis", vmin=0, vmax=1)  # viridis: readable with colour-blindness
    ax.set_xticks(range(10), m["labels"], rotation=45, ha="right")
    ax.set_yticks(range(10), m["labels"])
    ax.set_xlabel("predicted (fused network)")
    ax.set_ylabel("true class")
    for i in range(10):
        for j in range(10):
            ax.text(j, i, int(conf[i, j]), ha="center", va="center", fontsize=7,
                    color="black" if rates[i, j] > 0.5 else "white")
    fig.colorbar(im, ax=ax, label="fraction of the true class")
    ax.set_title(f"Confusion matrix, 10,000 test images (top-1 {m['top1Fused']}%)")
    fig.tight_layout()
    fig.savefig(out / "confusion-matrix.png")
    plt.close(fig)


if __name__ == "__main__":
    main()
