"""Golden conv2d forward and gradients from PyTorch (float64) for tests/test_conv.cpp.

Run with Debian's python3 (python3-torch): /usr/bin/python3 tests/reference/conv2d.py
Stride (2, 1), padding (1, 2), dilation (2, 1): each axis takes a different path.
"""
import os

import numpy as np
import torch

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "conv2d")
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
x = torch.randn(2, 3, 9, 7, dtype=torch.float64, requires_grad=True)
w = torch.randn(4, 3, 3, 2, dtype=torch.float64, requires_grad=True)
b = torch.randn(4, dtype=torch.float64, requires_grad=True)
y = torch.nn.functional.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1))
gy = torch.randn_like(y)
y.backward(gy)
for name, t in {"x": x, "w": w, "b": b, "y": y, "gy": gy, "gx": x.grad, "gw": w.grad, "gb": b.grad}.items():
    np.save(os.path.join(out, name + ".npy"), t.detach().numpy())
