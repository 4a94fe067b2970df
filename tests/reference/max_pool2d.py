"""Golden max_pool2d (3x3, stride 2, padding 1: the Spikformer SPS pool) forward and gradient from
PyTorch (float64) for tests/test_pool.cpp.

Run with Debian's python3 (python3-torch): /usr/bin/python3 tests/reference/max_pool2d.py
"""
import os

import numpy as np
import torch

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "max_pool2d")
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
x = torch.randn(2, 3, 9, 8, dtype=torch.float64, requires_grad=True)
y = torch.nn.functional.max_pool2d(x, kernel_size=3, stride=2, padding=1)
gy = torch.randn_like(y)
y.backward(gy)
for name, t in {"x": x, "y": y, "gy": gy, "gx": x.grad}.items():
    np.save(os.path.join(out, name + ".npy"), t.detach().numpy())
