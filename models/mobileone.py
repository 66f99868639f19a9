"""MobileOne in PyTorch, with Apple's module names so state-dict keys match ml-mobileone.

The structure mirrors Apple's `mobileone.py` (github.com/apple/ml-mobileone) block for block:
`stage0` is the stem block, `stageN.M` alternate depthwise 3x3 and pointwise 1x1 blocks, each
with `rbr_conv.I.{conv,bn}`, `rbr_scale.{conv,bn}` and `rbr_skip`, or `reparam_conv` once fused.
Unlike Apple's constructor it is driven by the same JSON spec the TypeScript engine reads from a
safetensors file's metadata, so strides and widths other than Apple's (our 32x32 model) are
expressible.
"""
from __future__ import annotations

import copy
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS = 1e-5


class SEBlock(nn.Module):
    """Apple's squeeze-excite: GAP -> 1x1 reduce (C/16) -> ReLU -> 1x1 expand -> sigmoid -> scale."""

    def __init__(self, channels: int, rd_ratio: float = 0.0625) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, int(channels * rd_ratio), 1, 1, bias=True)
        self.expand = nn.Conv2d(int(channels * rd_ratio), channels, 1, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = F.adaptive_avg_pool2d(x, 1)
        s = torch.sigmoid(self.expand(F.relu(self.reduce(s))))
        return x * s


class MobileOneBlock(nn.Module):
    def __init__(self, cin: int, cout: int, kernel: int, stride: int, groups: int,
                 k: int, use_se: bool, fused: bool = False) -> None:
        super().__init__()
        self.cin, self.cout, self.kernel, self.stride, self.groups, self.k = cin, cout, kernel, stride, groups, k
        self.padding = kernel // 2
        self.se = SEBlock(cout) if use_se else nn.Identity()
        self.activation = nn.ReLU()
        self.fused = fused
        if fused:
            self.reparam_conv = nn.Conv2d(cin, cout, kernel, stride, self.padding, groups=groups, bias=True)
            return
        self.rbr_skip = nn.BatchNorm2d(cin, eps=BN_EPS) if cin == cout and stride == 1 else None
        self.rbr_conv = nn.ModuleList([self._conv_bn(kernel, self.padding) for _ in range(k)])
        self.rbr_scale = self._conv_bn(1, 0) if kernel > 1 else None

    def _conv_bn(self, kernel: int, padding: int) -> nn.Sequential:
        m = nn.Sequential()
        m.add_module("conv", nn.Conv2d(self.cin, self.cout, kernel, self.stride, padding,
                                       groups=self.groups, bias=False))
        m.add_module("bn", nn.BatchNorm2d(self.cout, eps=BN_EPS))
        return m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fused:
            return self.activation(self.se(self.reparam_conv(x)))
        out = 0
        if self.rbr_skip is not None:
            out = self.rbr_skip(x)
        if self.rbr_scale is not None:
            out = out + self.rbr_scale(x)
        for branch in self.rbr_conv:
            out = out + branch(x)
        return self.activation(self.se(out))

    @torch.no_grad()
    def reparameterize(self) -> None:
        """Apple's `_get_kernel_bias`, in float64, then one rounding to float32."""
        kernel = torch.zeros(self.cout, self.cin // self.groups, self.kernel, self.kernel, dtype=torch.float64)
        bias = torch.zeros(self.cout, dtype=torch.float64)
        for branch in self.rbr_conv:
            w, b = _fuse_bn(branch.conv.weight, branch.bn)
            kernel += w
            bias += b
        if self.rbr_scale is not None:
            w, b = _fuse_bn(self.rbr_scale.conv.weight, self.rbr_scale.bn)
            p = self.kernel // 2
            kernel += F.pad(w, [p, p, p, p])
            bias += b
        if self.rbr_skip is not None:
            ident = torch.zeros_like(kernel)
            per_group = self.cin // self.groups
            for i in range(self.cin):
                ident[i, i % per_group, self.kernel // 2, self.kernel // 2] = 1.0
            w, b = _fuse_bn(ident, self.rbr_skip)
            kernel += w
            bias += b
        conv = nn.Conv2d(self.cin, self.cout, self.kernel, self.stride, self.padding, groups=self.groups, bias=True)
        conv.weight.copy_(kernel.float())
        conv.bias.copy_(bias.float())
        for name in ("rbr_conv", "rbr_scale", "rbr_skip"):
            if hasattr(self, name):
                delattr(self, name)
        self.reparam_conv = conv
        self.fused = True


def _fuse_bn(weight: torch.Tensor, bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    t = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
    return weight.double() * t.reshape(-1, 1, 1, 1), bn.bias.double() - bn.running_mean.double() * t


class MobileOne(nn.Module):
    """Built from the engine's spec: {stem: {width, stride, k}, stages: [{width, blocks, stride, k, seBlocks}], ...}."""

    def __init__(self, spec: dict[str, Any], fused: bool = False) -> None:
        super().__init__()
        stem = spec["stem"]
        cin = spec.get("inChannels", 3)
        self.stage0 = MobileOneBlock(cin, stem["width"], 3, stem["stride"], 1, stem.get("k", 1), False, fused)
        planes = stem["width"]
        for si, st in enumerate(spec["stages"], start=1):
            blocks = []
            for bi in range(st["blocks"]):
                stride = st["stride"] if bi == 0 else 1
                se = bi >= st["blocks"] - st.get("seBlocks", 0)
                blocks.append(MobileOneBlock(planes, planes, 3, stride, planes, st["k"], se, fused))
                blocks.append(MobileOneBlock(planes, st["width"], 1, 1, 1, st["k"], se, fused))
                planes = st["width"]
            setattr(self, f"stage{si}", nn.Sequential(*blocks))
        self.num_stages = len(spec["stages"])
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(planes, spec["numClasses"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stage0(x)
        for si in range(1, self.num_stages + 1):
            x = getattr(self, f"stage{si}")(x)
        return self.linear(torch.flatten(self.gap(x), 1))


def reparameterize_model(model: nn.Module) -> nn.Module:
    """A fused deep copy, as Apple's `reparameterize_model`."""
    fused = copy.deepcopy(model).eval()
    for m in fused.modules():
        if isinstance(m, MobileOneBlock) and not m.fused:
            m.reparameterize()
    return fused
