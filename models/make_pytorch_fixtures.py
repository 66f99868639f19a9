"""Writes real torch.save files for tests/unit/pytorch*.test.ts, and what torch holds in them.

usage: python3 models/make_pytorch_fixtures.py OUT_DIR [s0|fuzz]

OUT_DIR gets one file per case and expected.json ({file: {found, ignored, tensors: {name:
{shape, values}}}}, values as float32 numbers); the MobileOne cases are checked against
mobileone.expected.safetensors instead, which torch writes itself. The forbidden cases hold
objects whose unpickling would run code (each would write OUT_DIR/pwned): the reader must refuse
them by name, and the file must never appear. With `s0`, only s0.pth is written: an S0-sized
synthetic state dict, for timing the reader; with `fuzz`, only small.pth.tar, the fuzz test's
seed (committed as tests/fixtures/pytorch/small.pth.tar).
"""
from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mobileone import MobileOne  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(0)
OUT = Path(sys.argv[1])
OUT.mkdir(parents=True, exist_ok=True)
PWNED = str(OUT / "pwned")

S0_SPEC = {  # Apple's S0 at 224 px, as src/lib/mobileone/spec.ts builds it
    "stem": {"width": 48, "stride": 2, "k": 1},
    "stages": [
        {"width": 48, "blocks": 2, "stride": 2, "k": 4, "seBlocks": 0},
        {"width": 128, "blocks": 8, "stride": 2, "k": 4, "seBlocks": 0},
        {"width": 256, "blocks": 10, "stride": 2, "k": 4, "seBlocks": 0},
        {"width": 1024, "blocks": 1, "stride": 2, "k": 4, "seBlocks": 0},
    ],
    "numClasses": 1000,
}
SMALL_SPEC = {
    "stem": {"width": 8, "stride": 2, "k": 2},
    "stages": [{"width": 16, "blocks": 2, "stride": 2, "k": 2, "seBlocks": 1}],
    "numClasses": 5,
}


def trained_looking(spec: dict) -> OrderedDict:
    """A MobileOne state dict with BatchNorm statistics that are not the defaults."""
    model = MobileOne(spec)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(123)
    return model.state_dict()


if sys.argv[2:] == ["s0"]:
    torch.save(trained_looking(S0_SPEC), OUT / "s0.pth")
    sys.exit(0)

if sys.argv[2:] == ["fuzz"]:
    # The committed seed of tests/unit/pytorch-fuzz.test.ts: a small training checkpoint with a
    # float16 tensor, a transposed view, an int64 counter and an optimizer beside the weights.
    w = torch.randn(3, 4)
    sd = OrderedDict(w=w, wt=w.t(), h=torch.randn(5).half(), n=torch.tensor(7), b=torch.randn(2))
    torch.save({"epoch": 4, "state_dict": sd, "lr": 0.05, "hist": [1.5, None, True]}, OUT / "small.pth.tar")
    sys.exit(0)

expected: dict = {}


def save(name: str, obj, state_dict: dict, found: str, strip: str = "", **kw) -> None:
    torch.save(obj, OUT / name, **kw)
    tensors, ignored = {}, []
    for k, t in state_dict.items():
        key = k[len(strip):]
        if t.dtype in (torch.float32, torch.float16, torch.bfloat16, torch.float64):
            tensors[key] = {"shape": list(t.shape), "values": t.float().flatten().tolist()}
        else:
            ignored.append(key)
    expected[name] = {"found": found, "ignored": ignored, "tensors": tensors}


plain = OrderedDict(
    [
        ("conv.weight", torch.randn(4, 3, 3, 3)),
        ("conv.bias", torch.randn(4)),
        ("scalar", torch.tensor(2.5)),
        ("empty", torch.zeros(0, 5)),
        ("param", torch.nn.Parameter(torch.randn(3))),
    ]
)
save("plain.pth", plain, plain, "top level")
save("protocol4.pth", plain, plain, "top level", pickle_protocol=4)
save("protocol5.pth", plain, plain, "top level", pickle_protocol=5)
save("plain-dict.pt", dict(plain), plain, "top level")

# A training checkpoint as ImageNet scripts write it, with an SGD optimizer's state beside the weights.
net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
net(torch.randn(2, 3, 8, 8)).sum().backward()
opt.step()
sd = net.state_dict()
save("nested.pth.tar", {"epoch": 5, "arch": "tiny", "state_dict": sd, "best_acc1": 71.25, "optimizer": opt.state_dict()}, sd, "state_dict")
save("model-key.pt", {"model": sd, "step": -3, "big": 2**40, "flags": (True, False, None)}, sd, "model")
save("model-state-dict.pt", {"model_state_dict": sd, "epoch": 1}, sd, "model_state_dict")
prefixed = OrderedDict(("module." + k, v) for k, v in sd.items())
save("module-prefix.pth.tar", {"epoch": 2, "state_dict": prefixed}, prefixed, "state_dict", strip="module.")

base = torch.randn(6, 8, dtype=torch.float64)
dtypes = OrderedDict(
    [
        ("f16", torch.randn(3, 5).half()),
        ("bf16", torch.randn(2, 7).bfloat16()),
        ("f64", base),
        ("i64", torch.arange(4)),
        ("i32", torch.arange(3, dtype=torch.int32)),
        ("bool", torch.tensor([True, False])),
        ("u8", torch.arange(5, dtype=torch.uint8)),
    ]
)
save("dtypes.pth", dtypes, dtypes, "top level")

m = torch.randn(5, 6)
x4 = torch.randn(2, 3, 4, 5)
h = torch.randn(4, 6).half()
views = OrderedDict(
    [
        ("matrix", m),
        ("transposed", m.t()),  # shares matrix's storage
        ("row", m[2]),  # a storage offset
        ("strided", m[1:, ::2]),  # offset and a step
        ("permuted", x4.permute(0, 2, 3, 1)),
        ("half-transposed", h.t()),
        ("column", m[:, 3:4]),
    ]
)
save("views.pth", views, views, "top level")

# The small MobileOne, plain and as DataParallel inside a training checkpoint, checked against a
# safetensors file torch writes itself.
mo = trained_looking(SMALL_SPEC)
torch.save(mo, OUT / "mobileone.pth")
torch.save({"epoch": 9, "state_dict": OrderedDict(("module." + k, v) for k, v in mo.items())}, OUT / "mobileone-dp.pth.tar")
write_safetensors(OUT / "mobileone.expected.safetensors", dict(mo), {})

torch.save(plain, OUT / "legacy.pth", _use_new_zipfile_serialization=False)
torch.save(torch.randn(3).expand(4, 3).clone().as_strided((4, 3), (0, 1)), OUT / "tensor-only.pth")
torch.save(OrderedDict(w=torch.randn(3).expand(4, 3)), OUT / "expanded.pth")


class Reduce:
    """Pickles as a call of `fn(*args)`: what a malicious checkpoint does."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


touch = f"open({PWNED!r}, 'w').write('pwned')"
w = torch.randn(2)
torch.save(OrderedDict(weight=w, evil=Reduce(os.system, f"touch {PWNED}")), OUT / "os-system.pth")
torch.save(OrderedDict(weight=w, evil=Reduce(builtins.eval, touch)), OUT / "eval.pth")
torch.save(OrderedDict(weight=w, evil=Reduce(builtins.exec, touch)), OUT / "exec.pth")
torch.save(OrderedDict(weight=w, evil=Reduce(subprocess.Popen, ["touch", PWNED])), OUT / "popen.pth")  # "commands.Popen" at protocol 2
torch.save(OrderedDict(weight=w, evil=Reduce(subprocess.Popen, ["touch", PWNED])), OUT / "popen-protocol4.pth", pickle_protocol=4)
torch.save({"epoch": 1, "state_dict": {"weight": w, "deep": {"deeper": [1, Reduce(os.system, f"touch {PWNED}")]}}}, OUT / "nested-global.pth.tar")
torch.save(MobileOne(SMALL_SPEC), OUT / "whole-model.pth")
torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), OUT / "torchscript.pt")

(OUT / "expected.json").write_text(json.dumps(expected))
