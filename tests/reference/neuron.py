"""Fixtures for tests/test_neuron.cpp: SpikingJelly 0.0.0.0.12's eager multi-step LIF / PLIF
(MultiStepLIFNode / MultiStepParametricLIFNode, clock_driven) written out in plain torch, since
SpikingJelly itself is not installed. Run with /usr/bin/python3 (torch 1.13)."""
import math
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "neuron")


class SigmoidSurrogate(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x >= 0).to(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        sg = torch.sigmoid(ctx.alpha * x)
        return g * (1.0 - sg) * sg * ctx.alpha, None


class ATanSurrogate(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x >= 0).to(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a = ctx.alpha
        return a / 2 / (1 + (math.pi / 2 * a * x) ** 2) * g, None


def multistep(x, k, v_th, v_reset, decay_input, detach_reset, surrogate, alpha):
    """k: 1/tau (LIF) or sigmoid(w) (PLIF). Mirrors neuronal_charge / neuronal_fire / neuronal_reset."""
    v = torch.zeros_like(x[0]) + (0.0 if v_reset is None else v_reset)
    vc = 0.0 if v_reset is None else v_reset
    sg = SigmoidSurrogate if surrogate == "sigmoid" else ATanSurrogate
    out = []
    for t in range(x.shape[0]):
        if decay_input:
            h = v + (x[t] - (v - vc)) * k
        else:
            h = v - (v - vc) * k + x[t]
        s = sg.apply(h - v_th, alpha)
        sd = s.detach() if detach_reset else s
        v = h - sd * v_th if v_reset is None else (1.0 - sd) * h + sd * v_reset
        out.append(s)
    return torch.stack(out)


CASES = {
    # name: (plif w or None, tau, v_th, v_reset, decay_input, detach_reset, surrogate, alpha)
    "lif": (None, 2.0, 1.0, 0.0, True, True, "sigmoid", 4.0),
    "lif_attn": (None, 2.0, 0.5, 0.0, True, True, "sigmoid", 4.0),
    "lif_nodetach": (None, 2.0, 1.0, 0.0, True, False, "sigmoid", 4.0),
    "lif_soft": (None, 2.0, 1.0, None, True, False, "sigmoid", 4.0),
    "lif_atan_nodecay": (None, 3.0, 1.0, 0.0, False, True, "atan", 2.0),
    "lif_vreset": (None, 2.0, 1.0, -0.2, True, False, "sigmoid", 4.0),
    "plif": (0.3, None, 1.0, 0.0, True, True, "sigmoid", 4.0),
    "plif_nodecay_nodetach": (-0.2, None, 1.0, 0.0, False, False, "sigmoid", 4.0),
    "plif_soft_atan": (0.5, None, 0.5, None, True, False, "atan", 2.0),
}


def save(name, t):
    np.save(os.path.join(OUT, name + ".npy"), t.detach().numpy().astype(np.float64))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    x0 = torch.randn(4, 2, 3, 5, dtype=torch.float64) * 1.2 + 0.9
    gy = torch.randn(4, 2, 3, 5, dtype=torch.float64)
    save("x", x0)
    save("gy", gy)
    for name, (w0, tau, v_th, v_reset, decay, detach, sur, alpha) in CASES.items():
        x = x0.clone().requires_grad_(True)
        w = None
        if w0 is not None:
            w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
            k = w.sigmoid()
        else:
            k = 1.0 / tau
        s = multistep(x, k, v_th, v_reset, decay, detach, sur, alpha)
        (s * gy).sum().backward()
        save(name + "_s", s)
        save(name + "_gx", x.grad)
        if w is not None:
            save(name + "_gw", w.grad)
        print(name, "rate", float(s.mean()), "|gx|", float(x.grad.abs().sum()),
              "gw", None if w is None else float(w.grad))


if __name__ == "__main__":
    main()
