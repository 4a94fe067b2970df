"""Golden fixtures for tests/test_norm.cpp: torch.nn.BatchNorm2d in float64.

Two training steps (outputs and running statistics after each), an eval forward with the updated
statistics, and the input/weight/bias gradients of sum(out * grad_out) for a training step from the
initial statistics. Run with Debian's python3 (python3-torch): /usr/bin/python3 tests/reference/batch_norm.py
"""
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "batch_norm")


def save(name, t):
    np.save(os.path.join(OUT, name + ".npy"), t.detach().cpu().numpy().astype(np.float64))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    c = 3
    shape = (3, c, 4, 5)
    x1 = torch.randn(shape, dtype=torch.float64) * 2 + 0.5
    x2 = torch.randn(shape, dtype=torch.float64) - 1.0
    x_eval = torch.randn(shape, dtype=torch.float64)
    grad_out = torch.randn(shape, dtype=torch.float64)
    weight = torch.rand(c, dtype=torch.float64) + 0.5
    bias = torch.randn(c, dtype=torch.float64)
    running_mean0 = torch.randn(c, dtype=torch.float64) * 0.1
    running_var0 = torch.rand(c, dtype=torch.float64) + 0.5

    def make():
        bn = torch.nn.BatchNorm2d(c, eps=1e-5, momentum=0.1).double()
        with torch.no_grad():
            bn.weight.copy_(weight)
            bn.bias.copy_(bias)
            bn.running_mean.copy_(running_mean0)
            bn.running_var.copy_(running_var0)
        return bn

    for name, t in [("x1", x1), ("x2", x2), ("x_eval", x_eval), ("grad_out", grad_out), ("weight", weight),
                    ("bias", bias), ("running_mean0", running_mean0), ("running_var0", running_var0)]:
        save(name, t)

    bn = make()
    bn.train()
    with torch.no_grad():
        for step, x in ((1, x1), (2, x2)):
            save("out%d" % step, bn(x))
            save("running_mean%d" % step, bn.running_mean)
            save("running_var%d" % step, bn.running_var)
        bn.eval()
        save("out_eval", bn(x_eval))

    bn = make()
    bn.train()
    x = x1.clone().requires_grad_(True)
    (bn(x) * grad_out).sum().backward()
    save("grad_x", x.grad)
    save("grad_weight", bn.weight.grad)
    save("grad_bias", bn.bias.grad)


if __name__ == "__main__":
    main()
