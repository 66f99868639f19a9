#!/usr/bin/python3
"""Each reparameterization family's train-time block in PyTorch, under the family's ORIGINAL module
names, so its state dict has exactly the keys the TypeScript engine's `FamilyBlock.keys()` lists
(src/lib/families/). Each block has a `forward` (the block's output before any activation, as the
engine's `forward`) and `fuse()`, the family's own reparameterization written the way its reference
code does it (float64, one rounding to float32), returning the deploy module under the family's
deploy names. Written by us after reading the reference code named on each class; nothing copied.

    /usr/bin/python3 models/families.py run FAMILY GEOMETRY.json WEIGHTS.safetensors BATCH.safetensors OUT.safetensors
    /usr/bin/python3 models/families.py export-onnx FAMILY GEOMETRY.json WEIGHTS.safetensors OUT.onnx [--size 16] [--keep-batchnorm]
    /usr/bin/python3 models/families.py run-many JOBS.json
    /usr/bin/python3 models/families.py network OUT_DIR [--seed 0]

`run`: loads the block from a safetensors state dict (strict: every key, no other), runs BATCH's
"input" [N, C, H, W] and writes "unfused" (the train-time block) and "fused" (PyTorch's own fuse)
outputs, plus the fused state dict's tensors as "fused.KEY".
`run-many`: the same for a JSON list of {"family", "geometry", "weights", "batch", "out"}, in one process
(importing torch once is most of a run's time).
`export-onnx` (also `run ... --export-onnx OUT.onnx`): `torch.onnx.export` of the train-time block in
eval mode, opset 17 (this Debian torch 1.13 defaults to 14 and offers up to 17), input "input" and
output "output", dynamic batch. Eval-mode export folds each conv's BatchNorm into it, as torch
does for any user; `--keep-batchnorm` keeps the BatchNormalization nodes (TrainingMode.PRESERVE).
`network`: a small network made of these blocks inside ordinary modules (a FastViT-like and a
DBB/ACNet-like stage), seeded, saved with torch.save as OUT_DIR/network.pth, with a batch and both
outputs in OUT_DIR/io.safetensors and PyTorch's fused state dict in OUT_DIR/fused.safetensors.

GEOMETRY is the engine's `BlockGeometry` as JSON: {"cin", "cout", "kernel", "stride", "groups",
"branches"?, "internal"?}. BatchNorm ε is PyTorch's default 1e-5 everywhere, as in the engine.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402

BN_EPS = 1e-5
OPSET = 17


# ---- shared pieces ---------------------------------------------------------------------------

def conv_bn(cin: int, cout: int, kernel, stride: int, padding, groups: int) -> nn.Sequential:
    """A bias-free conv followed by a BatchNorm, as `conv` and `bn` (RepVGG, MobileOne, DBB, PaddleOCR)."""
    m = nn.Sequential()
    m.add_module("conv", nn.Conv2d(cin, cout, kernel, stride, padding, groups=groups, bias=False))
    m.add_module("bn", nn.BatchNorm2d(cout, eps=BN_EPS))
    return m


def fold_bn(weight: torch.Tensor, bn: nn.BatchNorm2d, bias: torch.Tensor | None = None):
    """(W·t, β − μ·t + t·b) with t = γ/√(σ²+ε), in float64."""
    t = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
    b = torch.zeros_like(t) if bias is None else bias.double()
    return weight.double() * t.reshape(-1, 1, 1, 1), bn.bias.double() - bn.running_mean.double() * t + t * b


def pad_to(weight: torch.Tensor, kh: int, kw: int) -> torch.Tensor:
    """A smaller kernel centred in a kh×kw one (1×1, K×1 and 1×K alike)."""
    h, w = weight.shape[2], weight.shape[3]
    top, left = (kh - h) // 2, (kw - w) // 2
    return F.pad(weight, [left, kw - w - left, top, kh - h - top])


def identity_kernel(channels: int, groups: int, kernel: int) -> torch.Tensor:
    """x as a conv: 1 at [i, i mod (C/groups), K//2, K//2], float64."""
    per_group = channels // groups
    k = torch.zeros(channels, per_group, kernel, kernel, dtype=torch.float64)
    for i in range(channels):
        k[i, i % per_group, kernel // 2, kernel // 2] = 1.0
    return k


def make_conv(weight: torch.Tensor, bias: torch.Tensor, stride: int, groups: int) -> nn.Conv2d:
    """The deploy conv holding a fused pair, rounded once to float32."""
    cout, cpg, kh, kw = weight.shape
    conv = nn.Conv2d(cpg * groups, cout, (kh, kw), stride, (kh // 2, kw // 2), groups=groups, bias=True)
    with torch.no_grad():
        conv.weight.copy_(weight.float())
        conv.bias.copy_(bias.float())
    return conv


class Deployed(nn.Module):
    """A fused block: one conv under the family's deploy name (`rbr_reparam`, `reparam_conv`, …)."""

    def __init__(self, name: str, conv: nn.Conv2d, after: nn.Module | None = None) -> None:
        super().__init__()
        self.conv_name = name
        self.add_module(name, conv)
        if after is not None:
            self.lab = after

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = getattr(self, self.conv_name)(x)
        return self.lab(y) if hasattr(self, "lab") else y


# ---- MobileOne (apple/ml-mobileone mobileone.py; FastViT's copy with use_act / use_scale_branch) ----

class MobileOneBlock(nn.Module):
    """k conv-BN branches `rbr_conv.i`, a 1×1 conv-BN `rbr_scale` (K > 1), a BN `rbr_skip` (in = out, stride 1).
    No activation: the engine's blocks stop before it (FastViT builds its mixer blocks with use_act=False)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, groups: int, branches: int = 1,
                 use_scale_branch: bool = True) -> None:
        super().__init__()
        self.cin, self.cout, self.kernel, self.stride, self.groups = cin, cout, kernel, stride, groups
        self.rbr_skip = nn.BatchNorm2d(cin, eps=BN_EPS) if cin == cout and stride == 1 else None
        self.rbr_conv = nn.ModuleList([conv_bn(cin, cout, kernel, stride, kernel // 2, groups) for _ in range(branches)])
        self.rbr_scale = conv_bn(cin, cout, 1, stride, 0, groups) if kernel > 1 and use_scale_branch else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = 0
        if self.rbr_skip is not None:
            out = self.rbr_skip(x)
        if self.rbr_scale is not None:
            out = out + self.rbr_scale(x)
        for branch in self.rbr_conv:
            out = out + branch(x)
        return out

    @torch.no_grad()
    def kernel_bias(self):
        K = self.kernel
        kernel = torch.zeros(self.cout, self.cin // self.groups, K, K, dtype=torch.float64)
        bias = torch.zeros(self.cout, dtype=torch.float64)
        for branch in self.rbr_conv:
            w, b = fold_bn(branch.conv.weight, branch.bn)
            kernel, bias = kernel + w, bias + b
        if self.rbr_scale is not None:
            w, b = fold_bn(self.rbr_scale.conv.weight, self.rbr_scale.bn)
            kernel, bias = kernel + pad_to(w, K, K), bias + b
        if self.rbr_skip is not None:
            w, b = fold_bn(identity_kernel(self.cin, self.groups, K), self.rbr_skip)
            kernel, bias = kernel + w, bias + b
        return kernel, bias

    def fuse(self) -> nn.Module:
        w, b = self.kernel_bias()
        return Deployed("reparam_conv", make_conv(w, b, self.stride, self.groups))


# ---- RepVGG (DingXiaoH/RepVGG repvgg.py, RepVGGBlock) ---------------------------------------------

class RepVGGBlock(nn.Module):
    """`rbr_dense` 3×3 conv-BN + `rbr_1x1` conv-BN + `rbr_identity` BN (in = out, stride 1); no ReLU, no SE."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, groups: int = 1) -> None:
        super().__init__()
        assert kernel == 3
        self.cin, self.cout, self.stride, self.groups = cin, cout, stride, groups
        self.rbr_identity = nn.BatchNorm2d(cin, eps=BN_EPS) if cin == cout and stride == 1 else None
        self.rbr_dense = conv_bn(cin, cout, 3, stride, 1, groups)
        self.rbr_1x1 = conv_bn(cin, cout, 1, stride, 0, groups)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.rbr_dense(x) + self.rbr_1x1(x)
        return out + self.rbr_identity(x) if self.rbr_identity is not None else out

    @torch.no_grad()
    def fuse(self) -> nn.Module:
        w3, b3 = fold_bn(self.rbr_dense.conv.weight, self.rbr_dense.bn)
        w1, b1 = fold_bn(self.rbr_1x1.conv.weight, self.rbr_1x1.bn)
        w, b = w3 + pad_to(w1, 3, 3), b3 + b1
        if self.rbr_identity is not None:
            wi, bi = fold_bn(identity_kernel(self.cin, self.groups, 3), self.rbr_identity)
            w, b = w + wi, b + bi
        return Deployed("rbr_reparam", make_conv(w, b, self.stride, self.groups))


# ---- ACNet (DingXiaoH/ACNet acnet/acb.py, ACBlock) -----------------------------------------------

class ACBlock(nn.Module):
    """K×K `square_conv`/`square_bn` + K×1 `ver_conv`/`ver_bn` + 1×K `hor_conv`/`hor_bn`, padding K//2 on the long axis."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> None:
        super().__init__()
        self.cin, self.cout, self.kernel, self.stride, self.groups = cin, cout, kernel, stride, groups
        p = kernel // 2
        self.square_conv = nn.Conv2d(cin, cout, (kernel, kernel), stride, p, groups=groups, bias=False)
        self.square_bn = nn.BatchNorm2d(cout, eps=BN_EPS)
        self.ver_conv = nn.Conv2d(cin, cout, (kernel, 1), stride, (p, 0), groups=groups, bias=False)
        self.ver_bn = nn.BatchNorm2d(cout, eps=BN_EPS)
        self.hor_conv = nn.Conv2d(cin, cout, (1, kernel), stride, (0, p), groups=groups, bias=False)
        self.hor_bn = nn.BatchNorm2d(cout, eps=BN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.square_bn(self.square_conv(x)) + self.ver_bn(self.ver_conv(x)) + self.hor_bn(self.hor_conv(x))

    @torch.no_grad()
    def fuse(self) -> nn.Module:
        K = self.kernel
        w, b = fold_bn(self.square_conv.weight, self.square_bn)
        for conv, bn in ((self.ver_conv, self.ver_bn), (self.hor_conv, self.hor_bn)):
            wa, ba = fold_bn(conv.weight, bn)
            w, b = w + pad_to(wa, K, K), b + ba
        return Deployed("fused_conv", make_conv(w, b, self.stride, self.groups))


# ---- Diverse Branch Block (DingXiaoH/DiverseBranchBlock diversebranchblock.py, dbb_transforms.py) ----

class IdentityBasedConv1x1(nn.Conv2d):
    """A 1×1 conv whose effective weight is its own weight plus the identity (only `weight` is stored)."""

    def __init__(self, channels: int, groups: int = 1) -> None:
        super().__init__(channels, channels, 1, 1, 0, groups=groups, bias=False)
        nn.init.zeros_(self.weight)

    def effective_weight(self) -> torch.Tensor:
        return self.weight + identity_kernel(self.out_channels, self.groups, 1).to(self.weight.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.effective_weight(), None, 1, 0, 1, self.groups)


class BNAndPadLayer(nn.Module):
    """A BatchNorm `bn`, then `pad_pixels` of padding holding what the BN makes of a zero input (its bias)."""

    def __init__(self, pad_pixels: int, num_features: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(num_features, eps=BN_EPS)
        self.pad_pixels = pad_pixels

    def pad_values(self) -> torch.Tensor:
        bn = self.bn
        return bn.bias - bn.running_mean * bn.weight / torch.sqrt(bn.running_var + bn.eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn(x)
        p = self.pad_pixels
        if p > 0:
            # zero-pad (out − v), then add v back: the border holds v, the inside is unchanged (Sub, Pad, Add in ONNX)
            v = self.pad_values().view(1, -1, 1, 1)
            out = F.pad(out - v, [p, p, p, p]) + v
        return out


def compose_1x1_kxk(k1: torch.Tensor, b1: torch.Tensor, k2: torch.Tensor, b2: torch.Tensor, groups: int):
    """A 1×1 (k1, b1) followed by a K×K (k2, b2), group by group: one K×K kernel; b1 goes through k2's taps."""
    kernels, biases = [], []
    m1, m2 = k1.shape[0] // groups, k2.shape[0] // groups
    for g in range(groups):
        a = k1[g * m1:(g + 1) * m1]
        c = k2[g * m2:(g + 1) * m2]
        kernels.append(F.conv2d(c, a.permute(1, 0, 2, 3)))
        biases.append((c * b1[g * m1:(g + 1) * m1].reshape(1, -1, 1, 1)).sum((1, 2, 3)))
    return torch.cat(kernels), torch.cat(biases) + b2


def avg_kernel(channels: int, kernel: int, groups: int) -> torch.Tensor:
    per_group = channels // groups
    k = torch.zeros(channels, per_group, kernel, kernel, dtype=torch.float64)
    for i in range(channels):
        k[i, i % per_group] = 1.0 / kernel ** 2
    return k


class DiverseBranchBlock(nn.Module):
    """`dbb_origin` K×K conv-BN; `dbb_1x1` conv-BN (groups < out); `dbb_avg` (1×1 `conv`, `bn` BNAndPad,
    K×K average pool, `avgbn`; depthwise: pool and `avgbn` only); `dbb_1x1_kxk` (`idconv1` or `conv1`,
    `bn1` BNAndPad, K×K `conv2` without padding, `bn2`)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, internal: int | None = None) -> None:
        super().__init__()
        self.cin, self.cout, self.kernel, self.stride, self.groups = cin, cout, kernel, stride, groups
        p = kernel // 2
        self.dbb_origin = conv_bn(cin, cout, kernel, stride, p, groups)
        self.has_1x1 = groups < cout
        self.dbb_avg = nn.Sequential()
        if self.has_1x1:
            self.dbb_avg.add_module("conv", nn.Conv2d(cin, cout, 1, 1, 0, groups=groups, bias=False))
            self.dbb_avg.add_module("bn", BNAndPadLayer(p, cout))
            self.dbb_avg.add_module("avg", nn.AvgPool2d(kernel, stride, 0))
            self.dbb_1x1 = conv_bn(cin, cout, 1, stride, 0, groups)
        else:
            self.dbb_avg.add_module("avg", nn.AvgPool2d(kernel, stride, p))
        self.dbb_avg.add_module("avgbn", nn.BatchNorm2d(cout, eps=BN_EPS))
        mid = internal if internal is not None else (cin if self.has_1x1 else 2 * cin)
        self.mid = mid
        self.dbb_1x1_kxk = nn.Sequential()
        if mid == cin:
            self.dbb_1x1_kxk.add_module("idconv1", IdentityBasedConv1x1(cin, groups))
        else:
            self.dbb_1x1_kxk.add_module("conv1", nn.Conv2d(cin, mid, 1, 1, 0, groups=groups, bias=False))
        self.dbb_1x1_kxk.add_module("bn1", BNAndPadLayer(p, mid))
        self.dbb_1x1_kxk.add_module("conv2", nn.Conv2d(mid, cout, kernel, stride, 0, groups=groups, bias=False))
        self.dbb_1x1_kxk.add_module("bn2", nn.BatchNorm2d(cout, eps=BN_EPS))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.dbb_origin(x) + self.dbb_avg(x) + self.dbb_1x1_kxk(x)
        return out + self.dbb_1x1(x) if self.has_1x1 else out

    @torch.no_grad()
    def fuse(self) -> nn.Module:
        K, g = self.kernel, self.groups
        w, b = fold_bn(self.dbb_origin.conv.weight, self.dbb_origin.bn)
        if self.has_1x1:
            w1, b1 = fold_bn(self.dbb_1x1.conv.weight, self.dbb_1x1.bn)
            w, b = w + pad_to(w1, K, K), b + b1
        seq = self.dbb_1x1_kxk
        first = seq.idconv1.effective_weight() if hasattr(seq, "idconv1") else seq.conv1.weight
        k1, c1 = fold_bn(first, seq.bn1.bn)
        k2, c2 = fold_bn(seq.conv2.weight, seq.bn2)
        ks, bs = compose_1x1_kxk(k1, c1, k2, c2, g)
        w, b = w + ks, b + bs
        ka, ba = fold_bn(avg_kernel(self.cout, K, g), self.dbb_avg.avgbn)
        if self.has_1x1:
            kp, bp = fold_bn(self.dbb_avg.conv.weight, self.dbb_avg.bn.bn)
            ka, ba = compose_1x1_kxk(kp, bp, ka, ba, g)
        w, b = w + ka, b + ba
        return Deployed("dbb_reparam", make_conv(w, b, self.stride, g))


# ---- RepViT RepVGGDW (THU-MIG/RepViT repvit.py) --------------------------------------------------

class RepVGGDW(nn.Module):
    """bn(conv(x) + conv1(x) + x): `conv` a depthwise 3×3 Conv2d_BN (`c`, `bn`), `conv1` a depthwise 1×1 with bias."""

    def __init__(self, cin: int, cout: int | None = None, kernel: int = 3, stride: int = 1, groups: int | None = None) -> None:
        super().__init__()
        ed = cin
        self.dim = ed
        self.conv = nn.Sequential()
        self.conv.add_module("c", nn.Conv2d(ed, ed, 3, 1, 1, groups=ed, bias=False))
        self.conv.add_module("bn", nn.BatchNorm2d(ed, eps=BN_EPS))
        self.conv1 = nn.Conv2d(ed, ed, 1, 1, 0, groups=ed, bias=True)
        self.bn = nn.BatchNorm2d(ed, eps=BN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x) + self.conv1(x) + x)

    @torch.no_grad()
    def fuse(self) -> nn.Module:
        w, b = fold_bn(self.conv.c.weight, self.conv.bn)
        w = w + pad_to(self.conv1.weight.double(), 3, 3) + identity_kernel(self.dim, self.dim, 3)
        b = b + self.conv1.bias.double()
        # the BN after the sum scales the whole sum: a fold with the sum's bias kept
        w, b = fold_bn(w, self.bn, b)
        return make_conv(w, b, 1, self.dim)  # RepViT's fuse() hands back a bare Conv2d: keys weight, bias


# ---- FastViT RepMixer and RepCPE (apple/ml-fastvit models/fastvit.py) ----------------------------

class RepMixer(nn.Module):
    """x + layer_scale·(mixer(x) − norm(x)); `mixer` a depthwise MobileOneBlock, `norm` a BN-only one."""

    def __init__(self, cin: int, cout: int | None = None, kernel: int = 3, stride: int = 1, groups: int | None = None,
                 branches: int = 1) -> None:
        super().__init__()
        dim = cin
        self.dim, self.kernel = dim, kernel
        self.norm = MobileOneBlock(dim, dim, kernel, 1, dim, branches=0, use_scale_branch=False)
        self.mixer = MobileOneBlock(dim, dim, kernel, 1, dim, branches=branches)
        self.layer_scale = nn.Parameter(1e-5 * torch.ones(dim, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layer_scale * (self.mixer(x) - self.norm(x))

    @torch.no_grad()
    def fuse(self) -> nn.Module:
        wm, bm = self.mixer.kernel_bias()
        wn, bn = self.norm.kernel_bias()
        ls = self.layer_scale.double()
        w = identity_kernel(self.dim, self.dim, self.kernel) + ls.unsqueeze(-1) * (wm - wn)
        b = ls.squeeze() * (bm - bn)
        return Deployed("reparam_conv", make_conv(w, b.reshape(-1), 1, self.dim))


class RepCPE(nn.Module):
    """x + pe(x), `pe` a depthwise K×K conv with bias."""

    def __init__(self, cin: int, cout: int | None = None, kernel: int = 7, stride: int = 1, groups: int | None = None) -> None:
        super().__init__()
        self.dim, self.kernel = cin, kernel
        self.pe = nn.Conv2d(cin, cin, kernel, 1, kernel // 2, groups=cin, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pe(x) + x

    @torch.no_grad()
    def fuse(self) -> nn.Module:
        w = self.pe.weight.double() + identity_kernel(self.dim, self.dim, self.kernel)
        return Deployed("reparam_conv", make_conv(w, self.pe.bias.double(), 1, self.dim))


# ---- PP-LCNetV3 LearnableRepLayer (PaddleOCR rec_lcnetv3.py; Hugging Face transformers) -----------

class LearnableAffineBlock(nn.Module):
    """scale·x + bias, one learnable value each."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * x + self.bias


class LearnableRepLayer(nn.Module):
    """`conv_kxk.i` conv-BN + `conv_1x1` conv-BN (K > 1) + `identity` BN (in = out, stride 1), then `lab`.
    Stops before the activation (`act`, with its own affine), as the engine's block does."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, branches: int = 1) -> None:
        super().__init__()
        self.cin, self.cout, self.kernel, self.stride, self.groups = cin, cout, kernel, stride, groups
        self.identity = nn.BatchNorm2d(cin, eps=BN_EPS) if cin == cout and stride == 1 else None
        self.conv_kxk = nn.ModuleList([conv_bn(cin, cout, kernel, stride, (kernel - 1) // 2, groups) for _ in range(branches)])
        self.conv_1x1 = conv_bn(cin, cout, 1, stride, 0, groups) if kernel > 1 else None
        self.lab = LearnableAffineBlock()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = 0
        if self.identity is not None:
            out = self.identity(x)
        if self.conv_1x1 is not None:
            out = out + self.conv_1x1(x)
        for conv in self.conv_kxk:
            out = out + conv(x)
        return self.lab(out)

    @torch.no_grad()
    def fuse(self) -> nn.Module:
        """As PaddleOCR's rep(): the branches become `reparam_conv`; `lab` stays a separate op after it."""
        K = self.kernel
        w = torch.zeros(self.cout, self.cin // self.groups, K, K, dtype=torch.float64)
        b = torch.zeros(self.cout, dtype=torch.float64)
        for conv in self.conv_kxk:
            wk, bk = fold_bn(conv.conv.weight, conv.bn)
            w, b = w + wk, b + bk
        if self.conv_1x1 is not None:
            w1, b1 = fold_bn(self.conv_1x1.conv.weight, self.conv_1x1.bn)
            w, b = w + pad_to(w1, K, K), b + b1
        if self.identity is not None:
            wi, bi = fold_bn(identity_kernel(self.cin, self.groups, K), self.identity)
            w, b = w + wi, b + bi
        lab = LearnableAffineBlock()
        lab.load_state_dict(self.lab.state_dict())
        return Deployed("reparam_conv", make_conv(w, b, self.stride, self.groups), after=lab)


# ---- the engine's family ids ------------------------------------------------------------------

FAMILIES = {
    "mobileone": MobileOneBlock,
    "repvgg": RepVGGBlock,
    "acnet": ACBlock,
    "dbb": DiverseBranchBlock,
    "repvggdw": RepVGGDW,
    "repmixer": RepMixer,
    "repcpe": RepCPE,
    "learnable-rep": LearnableRepLayer,
}


def build_block(family: str, g: dict) -> nn.Module:
    """The train-time block of `family` for the engine's geometry `g`, in eval mode."""
    if family not in FAMILIES:
        raise SystemExit(f"unknown family {family!r}; one of {', '.join(FAMILIES)}")
    args = dict(cin=g["cin"], cout=g["cout"], kernel=g["kernel"], stride=g["stride"], groups=g["groups"])
    if family in ("mobileone", "repmixer", "learnable-rep"):
        args["branches"] = g.get("branches", 1)
    if family == "dbb" and g.get("internal") is not None:
        args["internal"] = g["internal"]
    return FAMILIES[family](**args).eval()


def load_block(family: str, g: dict, weights: Path) -> nn.Module:
    """The block with a safetensors state dict's weights; every key of the block, and no other, must be there."""
    block = build_block(family, g)
    tensors, _ = read_safetensors(weights)
    missing, unexpected = block.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"state dict mismatch for {family}: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return block


def randomize(module: nn.Module, seed: int) -> nn.Module:
    """Seeded weights with BatchNorm statistics far from the identity, so no fold is trivial."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() == 4:
                p.copy_(torch.randn(p.shape, generator=gen) * (2.0 / p[0].numel()) ** 0.5)
            else:
                p.copy_(0.5 + torch.rand(p.shape, generator=gen) if name.endswith("weight") or name.endswith("scale")
                        else torch.rand(p.shape, generator=gen) - 0.5)
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
                m.running_var.copy_(0.2 + 1.8 * torch.rand(m.num_features, generator=gen))
    return module.eval()


def fuse_all(module: nn.Module) -> nn.Module:
    """Every family block inside `module` replaced by its fused form (the module itself if it is one)."""
    if hasattr(module, "fuse") and isinstance(module, tuple(FAMILIES.values())):
        return module.fuse()
    for name, child in list(module.named_children()):
        setattr(module, name, fuse_all(child))
    return module


def export_onnx(block: nn.Module, path: Path, cin: int, size: int, keep_batchnorm: bool) -> None:
    x = torch.zeros(1, cin, size, size)
    mode = torch.onnx.TrainingMode.PRESERVE if keep_batchnorm else torch.onnx.TrainingMode.EVAL
    with torch.no_grad():
        torch.onnx.export(block.eval(), (x,), str(path), input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=OPSET,
                          training=mode, do_constant_folding=True)


# ---- a small network of family blocks inside ordinary modules (for the fuser's .pth test) -----------

class _Stem(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = DiverseBranchBlock(3, 8, 3, stride=2, groups=1)
        self.act = nn.ReLU()


class TinyFamilyNet(nn.Module):
    """stem.conv1 (DBB) → layer1.0.conv1 (ACNet) → layer1.0.conv2 (RepVGG) → stages.0.token_mixer (RepMixer)
    → stages.0.cpe (RepCPE) → stages.0.dw (RepVGGDW) → stages.0.proj (MobileOne, k = 2) → head.rep (LearnableRepLayer)
    → global average pool → fc. Ordinary modules (ReLU, Linear, a plain conv) stay as they are."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = _Stem()
        self.layer1 = nn.ModuleList([nn.Module()])
        self.layer1[0].conv1 = ACBlock(8, 8, 3)
        self.layer1[0].conv2 = RepVGGBlock(8, 12, 3, stride=2, groups=2)
        self.stages = nn.ModuleList([nn.Module()])
        s = self.stages[0]
        s.token_mixer = RepMixer(12, kernel=3, branches=2)
        s.cpe = RepCPE(12, kernel=5)
        s.dw = RepVGGDW(12)
        s.proj = MobileOneBlock(12, 12, 3, 1, 12, branches=2)
        s.plain = nn.Conv2d(12, 16, 1, bias=True)
        self.head = nn.Module()
        self.head.rep = LearnableRepLayer(16, 16, 3, 1, 1, branches=2)
        self.fc = nn.Linear(16, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.stem.conv1(x))
        x = F.relu(self.layer1[0].conv1(x))
        x = F.relu(self.layer1[0].conv2(x))
        s = self.stages[0]
        x = s.token_mixer(x)
        x = s.cpe(x)
        x = F.relu(s.dw(x))
        x = F.relu(s.proj(x))
        x = F.relu(s.plain(x))
        x = F.relu(self.head.rep(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def write_network(out_dir: Path, seed: int) -> None:
    import copy

    out_dir.mkdir(parents=True, exist_ok=True)
    net = randomize(TinyFamilyNet(), seed)
    with torch.no_grad():
        # layer scale near FastViT's trained magnitudes rather than its 1e-5 start, so the mixer counts
        net.stages[0].token_mixer.layer_scale.uniform_(0.2, 0.8, generator=torch.Generator().manual_seed(seed))
    torch.save(net.state_dict(), out_dir / "network.pth")
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(seed + 1))
    fused = fuse_all(copy.deepcopy(net)).eval()
    with torch.no_grad():
        y_unfused, y_fused = net(x), fused(x)
    write_safetensors(out_dir / "io.safetensors", {"input": x, "unfused": y_unfused.contiguous(), "fused": y_fused.contiguous()}, {})
    write_safetensors(out_dir / "fused.safetensors", {k: v.contiguous() for k, v in fused.state_dict().items()
                                                       if v.dtype == torch.float32}, {})


def run_block(family: str, g: dict, weights: Path, batch: Path, out_path: Path) -> nn.Module:
    """Both outputs of the block on BATCH's "input", and PyTorch's fused state dict as "fused.KEY"."""
    block = load_block(family, g, weights)
    x = read_safetensors(batch)[0]["input"]
    fused = block.fuse().eval()
    with torch.no_grad():
        out = {"unfused": block(x).contiguous(), "fused": fused(x).contiguous()}
    for k, v in fused.state_dict().items():
        out[f"fused.{k}"] = v.contiguous()
    write_safetensors(out_path, out, {})
    return block


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("family")
    run.add_argument("geometry", type=Path)
    run.add_argument("weights", type=Path)
    run.add_argument("batch", type=Path)
    run.add_argument("out", type=Path)
    run.add_argument("--export-onnx", type=Path)
    run.add_argument("--keep-batchnorm", action="store_true")
    exp = sub.add_parser("export-onnx")
    exp.add_argument("family")
    exp.add_argument("geometry", type=Path)
    exp.add_argument("weights", type=Path)
    exp.add_argument("out", type=Path)
    exp.add_argument("--size", type=int, default=16)
    exp.add_argument("--keep-batchnorm", action="store_true")
    many = sub.add_parser("run-many")
    many.add_argument("jobs", type=Path)
    net = sub.add_parser("network")
    net.add_argument("out_dir", type=Path)
    net.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)

    if args.command == "network":
        write_network(args.out_dir, args.seed)
        return
    if args.command == "run-many":
        for job in json.loads(args.jobs.read_text()):
            run_block(job["family"], job["geometry"], Path(job["weights"]), Path(job["batch"]), Path(job["out"]))
        return
    g = json.loads(args.geometry.read_text())
    if args.command == "export-onnx":
        export_onnx(load_block(args.family, g, args.weights), args.out, g["cin"], args.size, args.keep_batchnorm)
        return
    block = run_block(args.family, g, args.weights, args.batch, args.out)
    if args.export_onnx:
        export_onnx(block, args.export_onnx, g["cin"], read_safetensors(args.batch)[0]["input"].shape[-1], args.keep_batchnorm)


if __name__ == "__main__":
    main()
