#!/usr/bin/python3
"""The PyTorch twin of autost's Spikformer and AutoST models, written from SPEC.md §1-2 (our own
code; the neurons are SpikingJelly 0.0.0.0.12's eager multi-step LIF/PLIF in plain torch, as in
neuron.py), and the fixtures tests/test_models.cpp compares against: for each case, the initial
weights (weights.safetensors, the official state-dict names), the input, the labels, the logits, the
loss, the spike count of every neuron layer and every parameter's gradient after one backward
(train mode, cross-entropy). Run with /usr/bin/python3 (Debian's torch 1.13).

Also importable: bench/compare_torch.py builds the same models from here. Regenerated with another
BLAS under torch (netlib or OpenBLAS) the float values move in their last bits; the C++ tolerances
allow for that, so the committed fixtures need no regeneration when only the BLAS changes."""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, HERE)
from neuron import SigmoidSurrogate  # noqa: E402  (the spike with its sigmoid surrogate gradient)
OUT = os.path.join(ROOT, "tests", "fixtures", "models")


class Neuron(nn.Module):
    """Multi-step LIF (plif=False, tau 2) or PLIF (one scalar w, init 0) over [T, ...]; hard reset
    to 0, detach_reset, sigmoid surrogate alpha 4. State starts at 0 on every call."""

    def __init__(self, plif, v_threshold=1.0):
        super().__init__()
        self.v_threshold = v_threshold
        self.plif = plif
        if plif:
            self.w = nn.Parameter(torch.tensor(0.0))
        self.spike_count = None

    def forward(self, x):
        k = self.w.sigmoid() if self.plif else 0.5
        v = torch.zeros_like(x[0])
        out = []
        for t in range(x.shape[0]):
            h = v + (x[t] - v) * k
            s = SigmoidSurrogate.apply(h - self.v_threshold, 4.0)
            sd = s.detach()
            v = h * (1.0 - sd)
            out.append(s)
        s = torch.stack(out)
        self.spike_count = float(s.detach().sum())
        return s


def trunc_normal_(t, std=0.02):
    nn.init.trunc_normal_(t, std=std, a=-2.0, b=2.0)


class MLP(nn.Module):
    def __init__(self, a, hidden):
        super().__init__()
        self.autost = a["model"] == "autost"
        self.variant = a["variant"]
        D = a["dim"]
        if self.variant == "cifar":
            self.fc1_linear = nn.Linear(D, hidden)
        elif self.variant == "dvs":
            self.fc1_conv = nn.Conv1d(D, hidden, 1)
        else:
            self.fc1_conv = nn.Conv2d(D, hidden, 1)
        self.fc1_bn = nn.BatchNorm2d(hidden) if self.variant == "imagenet" else nn.BatchNorm1d(hidden)
        self.fc1_lif = Neuron(self.autost)
        if self.variant == "cifar":
            self.fc2_linear = nn.Linear(hidden, D)
        elif self.variant == "dvs":
            self.fc2_conv = nn.Conv1d(hidden, D, 1)
        else:
            self.fc2_conv = nn.Conv2d(hidden, D, 1)
        self.fc2_bn = nn.BatchNorm2d(D) if self.variant == "imagenet" else nn.BatchNorm1d(D)
        self.fc2_lif = Neuron(self.autost)

    def layer(self, lin, bn, x):
        """x: [T, B, N, C] -> [T, B, N, C'] through lin and bn in the official layouts."""
        T, B, N, C = x.shape
        if self.variant == "cifar":  # Linear on [TB, N, C], BN1d on the transpose
            y = lin(x.flatten(0, 1))
            return bn(y.transpose(-1, -2)).transpose(-1, -2).reshape(T, B, N, -1)
        if self.variant == "dvs":  # Conv1d on [TB, C, N]
            y = bn(lin(x.flatten(0, 1).transpose(1, 2)))
            return y.transpose(1, 2).reshape(T, B, N, -1)
        side = int(round(N ** 0.5))  # imagenet: Conv2d 1x1 + BN2d on [TB, C, H, W]
        y = bn(lin(x.flatten(0, 1).transpose(1, 2).reshape(T * B, C, side, side)))
        return y.flatten(2).transpose(1, 2).reshape(T, B, N, -1)

    def forward(self, x):
        fc1 = self.fc1_linear if self.variant == "cifar" else self.fc1_conv
        fc2 = self.fc2_linear if self.variant == "cifar" else self.fc2_conv
        if self.autost:
            x = self.layer(fc1, self.fc1_bn, self.fc1_lif(x))
            return self.layer(fc2, self.fc2_bn, self.fc2_lif(x))
        x = self.fc1_lif(self.layer(fc1, self.fc1_bn, x))
        return self.fc2_lif(self.layer(fc2, self.fc2_bn, x))


class SSA(nn.Module):
    def __init__(self, a, heads):
        super().__init__()
        self.autost = a["model"] == "autost"
        self.variant = a["variant"]
        self.heads = heads
        D = a["dim"]
        conv = self.variant != "cifar"
        for n in ("q", "k", "v"):
            if conv:
                setattr(self, n + "_conv", nn.Conv1d(D, D, 1, bias=False))
            else:
                setattr(self, n + "_linear", nn.Linear(D, D))
            setattr(self, n + "_bn", nn.BatchNorm1d(D))
            setattr(self, n + "_lif", Neuron(self.autost))
        if self.variant == "dvs":
            self.attn_drop = nn.Dropout(0.2)
            self.res_lif = Neuron(False)
        self.attn_lif = Neuron(self.autost, 0.5)
        if conv:
            self.proj_conv = nn.Conv1d(D, D, 1)
        else:
            self.proj_linear = nn.Linear(D, D)
        self.proj_bn = nn.BatchNorm1d(D)
        if self.autost:
            self.lif = Neuron(True)
        else:
            self.proj_lif = Neuron(False)

    def layer(self, lin, bn, x):
        T, B, N, C = x.shape
        if self.variant == "cifar":
            y = lin(x.flatten(0, 1))
            return bn(y.transpose(-1, -2)).transpose(-1, -2).reshape(T, B, N, C)
        y = bn(lin(x.flatten(0, 1).transpose(1, 2)))
        return y.transpose(1, 2).reshape(T, B, N, C)

    def forward(self, x):
        T, B, N, C = x.shape
        if self.autost:
            x = self.lif(x)
        suffix = "_linear" if self.variant == "cifar" else "_conv"
        qkv = []
        for n in ("q", "k", "v"):
            y = getattr(self, n + "_lif")(self.layer(getattr(self, n + suffix), getattr(self, n + "_bn"), x))
            qkv.append(y.reshape(T, B, N, self.heads, C // self.heads).permute(0, 1, 3, 2, 4))
        q, k, v = qkv
        if self.variant == "dvs":
            y = ((q @ k.transpose(-2, -1)) @ v) * 0.25
        elif self.variant == "imagenet":
            y = (q @ (k.transpose(-2, -1) @ v)) * 0.125
        else:
            y = ((q @ k.transpose(-2, -1)) * 0.125) @ v
        y = self.attn_lif(y.transpose(2, 3).reshape(T, B, N, C))
        y = self.layer(getattr(self, "proj" + suffix), self.proj_bn, y)
        return y if self.autost else self.proj_lif(y)


class Block(nn.Module):
    def __init__(self, a, l):
        super().__init__()
        spikformer = a["model"] == "spikformer"
        eps = 1e-5 if a["variant"] == "cifar" else 1e-6
        if spikformer:
            self.norm1 = nn.LayerNorm(a["dim"], eps=eps)
        self.attn = SSA(a, a["heads"][l])
        if spikformer:
            self.norm2 = nn.LayerNorm(a["dim"], eps=eps)
        self.mlp = MLP(a, int(a["dim"] * a["ratios"][l]))

    def forward(self, x):
        x = x + self.attn(x)
        return x + self.mlp(x)


class SPS(nn.Module):
    def __init__(self, a):
        super().__init__()
        autost, cifar = a["model"] == "autost", a["variant"] == "cifar"
        D = a["dim"]
        widths = [a["in_ch"], D // 8, D // 4, D // 2, D]
        self.T = a["T"]
        self.stages = []
        for i in range(4):
            sfx = "" if i == 0 else str(i)
            conv = nn.Conv2d(widths[i], widths[i + 1], 3, 1, 1, bias=False)
            bn = nn.BatchNorm2d(widths[i + 1])
            setattr(self, "proj_conv" + sfx, conv)
            setattr(self, "proj_bn" + sfx, bn)
            lif = None if (autost and i == 3) else Neuron(autost)
            if lif is not None:
                setattr(self, "proj_lif" + sfx, lif)
            pool = None
            if not cifar or i >= 2:
                pool = nn.MaxPool2d(3, 2, 1)
                setattr(self, "maxpool" + sfx, pool)
            self.stages.append((conv, bn, lif, pool))
        self.rpe_conv = nn.Conv2d(D, D, 3, 1, 1, bias=False)
        self.rpe_bn = nn.BatchNorm2d(D)
        self.rpe_lif = None if autost else Neuron(False)

    def forward(self, x):  # [T, B, C, H, W] -> [T, B, N, D]
        T, B = x.shape[:2]
        x = x.flatten(0, 1)
        for conv, bn, lif, pool in self.stages:
            x = bn(conv(x))
            if lif is not None:
                x = lif(x.reshape(T, B, *x.shape[1:])).flatten(0, 1)
            if pool is not None:
                x = pool(x)
        r = self.rpe_bn(self.rpe_conv(x))
        if self.rpe_lif is not None:
            r = self.rpe_lif(r.reshape(T, B, *r.shape[1:])).flatten(0, 1)
        x = x + r
        return x.flatten(2).transpose(1, 2).reshape(T, B, -1, x.shape[1])


class Model(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.a = a
        self.patch_embed = SPS(a)
        side = a["img"] // (4 if a["variant"] == "cifar" else 16)
        if a["variant"] == "dvs":
            self.pos_embed = nn.Parameter(torch.zeros(1, side * side, a["dim"]))
        self.block = nn.ModuleList([Block(a, l) for l in range(a["depth"])])
        if a["variant"] == "dvs":
            self.norm = nn.LayerNorm(a["dim"], eps=1e-6)
        self.head = nn.Linear(a["dim"], a["classes"])
        if a["variant"] == "dvs":
            trunc_normal_(self.pos_embed)
        for m in self.modules():  # the official _init_weights
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        T = self.a["T"]
        if self.a["variant"] == "dvs":
            x = x.permute(1, 0, 2, 3, 4)
        else:
            x = x.unsqueeze(0).repeat(T, 1, 1, 1, 1)
        x = self.patch_embed(x)
        for blk in self.block:
            x = blk(x)
        return self.head(x.mean(2).mean(0))


def arch(model, variant, dim=64, depth=2, heads=(4, 8), ratios=(3, 4), img=32, in_ch=3, classes=10, T=4):
    return dict(model=model, variant=variant, dim=dim, depth=depth, heads=list(heads), ratios=list(ratios),
                img=img, in_ch=in_ch, classes=classes, T=T)


CASES = {
    "autost_cifar": (arch("autost", "cifar"), 2),
    "spikformer_cifar": (arch("spikformer", "cifar"), 2),
    "spikformer_dvs": (arch("spikformer", "dvs", heads=(4, 8), img=64, in_ch=2), 2),
    "spikformer_imagenet": (arch("spikformer", "imagenet", heads=(4, 8), img=64), 2),
}


def save_npy(folder, name, t, dtype):
    np.save(os.path.join(folder, name + ".npy"), t.detach().cpu().numpy().astype(dtype))


def run_case(name, a, batch, dtype):
    from convert_pth import write_safetensors

    torch.manual_seed(1234)
    model = Model(a).to(dtype)
    folder = os.path.join(OUT, f"{name}_{'f64' if dtype == torch.float64 else 'f32'}")
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "weights.safetensors"), dict(model.state_dict()), None)
    if a["variant"] == "dvs":  # event counts
        x = torch.randint(0, 4, (batch, a["T"], a["in_ch"], a["img"], a["img"])).to(dtype)
    else:  # normalised-image-like values
        x = torch.randn(batch, a["in_ch"], a["img"], a["img"], dtype=dtype) * 1.5
    y = torch.randint(0, a["classes"], (batch,))
    model.train()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    np_dtype = np.float64 if dtype == torch.float64 else np.float32
    save_npy(folder, "input", x, np_dtype)
    np.save(os.path.join(folder, "labels.npy"), y.numpy().astype(np.int64))
    save_npy(folder, "logits", logits, np_dtype)
    save_npy(folder, "loss", loss.reshape(1), np.float64)
    counts = {n: m.spike_count for n, m in model.named_modules() if isinstance(m, Neuron) and m.spike_count is not None}
    with open(os.path.join(folder, "spike_counts.json"), "w") as f:
        json.dump(counts, f, indent=0)
    grads = os.path.join(folder, "grad")
    os.makedirs(grads, exist_ok=True)
    for n, p in model.named_parameters():
        if p.grad is not None:
            save_npy(grads, n, p.grad, np_dtype)
    with open(os.path.join(folder, "arch.json"), "w") as f:
        json.dump(dict(a, batch=batch, params=sum(p.numel() for p in model.parameters())), f)


def main():
    torch.set_num_threads(1)
    for name, (a, batch) in CASES.items():
        for dtype in (torch.float64, torch.float32):
            run_case(name, a, batch, dtype)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
