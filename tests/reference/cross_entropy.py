"""Golden values for tests/test_softmax.cpp: torch.nn.functional.cross_entropy (with and without
label smoothing) and timm-style soft-target cross-entropy, losses and gradients w.r.t. the logits.

Run with Debian's python3-torch: /usr/bin/python3 tests/reference/cross_entropy.py
Writes float64 (and int64 targets) .npy files into tests/fixtures/cross_entropy/.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "cross_entropy")


def save(name, t):
    np.save(os.path.join(OUT, name + ".npy"), t.detach().numpy())


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    logits = torch.randn(8, 10, dtype=torch.float64) * 3
    target = torch.randint(0, 10, (8,), dtype=torch.int64)
    save("logits", logits)
    save("target", target)
    for eps, tag in ((0.0, "ls0"), (0.1, "ls01")):
        x = logits.clone().requires_grad_(True)
        loss = F.cross_entropy(x, target, label_smoothing=eps)
        loss.backward()
        save("loss_" + tag, loss)
        save("grad_" + tag, x.grad)
    probs = torch.softmax(torch.randn(8, 10, dtype=torch.float64), dim=1)
    x = logits.clone().requires_grad_(True)
    loss = torch.sum(-probs * F.log_softmax(x, dim=-1), dim=-1).mean()
    loss.backward()
    save("probs", probs)
    save("loss_soft", loss)
    save("grad_soft", x.grad)


if __name__ == "__main__":
    main()
