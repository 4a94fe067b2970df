#!/usr/bin/python3
"""Golden fixtures for tests/test_nn_layers.cpp and the names in tests/test_nn_module.cpp.

For each layer: the input x, the layer's parameters, the output y, an output gradient gy, and the
gradients of sum(y * gy) with respect to x and the parameters, all float64 .npy files named
<case>_<what>.npy in tests/fixtures/nn_layers/. BatchNorm cases run one training step and also
record the running statistics after it. Run with Debian's /usr/bin/python3 (python3-torch).
"""
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "nn_layers")


def save(case, what, t):
    np.save(os.path.join(OUT, f"{case}_{what}.npy"), t.detach().numpy().astype(np.float64))


def run(case, layer, x_shape, randomize_affine=False):
    layer = layer.double()
    if randomize_affine:  # norm layers start at weight 1, bias 0; move them so the test sees them
        with torch.no_grad():
            layer.weight.uniform_(0.5, 1.5)
            layer.bias.uniform_(-0.5, 0.5)
    layer.train()
    x = torch.randn(*x_shape, dtype=torch.float64, requires_grad=True)
    y = layer(x)
    gy = torch.randn_like(y)
    (y * gy).sum().backward()
    save(case, "x", x)
    save(case, "y", y)
    save(case, "gy", gy)
    save(case, "dx", x.grad)
    for name, p in layer.named_parameters():
        save(case, name, p)
        save(case, "d" + name, p.grad)
    for name, b in layer.named_buffers():
        if b.dtype == torch.float64:
            save(case, name + "_after", b)
    print(case, [n for n, _ in layer.named_parameters()], "params", sum(p.numel() for p in layer.parameters()))


def names():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.bn = nn.BatchNorm1d(8)
            self.fc2 = nn.Linear(8, 4, bias=False)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 4, 3)
            self.blocks = nn.ModuleList([Block(), Block()])
            # Registered after children, yet listed first: torch lists a module's own entries first.
            self.cls_token = nn.Parameter(torch.zeros(1, 4))
            self.register_buffer("scale", torch.ones(1))
            self.head = nn.Sequential(nn.LayerNorm(4), nn.Dropout(0.1), nn.Linear(4, 3))

    net = Net()
    print("named_parameters:", [n for n, _ in net.named_parameters()])
    print("named_buffers:", [n for n, _ in net.named_buffers()])
    print("state_dict:", list(net.state_dict().keys()))
    print("num_parameters:", sum(p.numel() for p in net.parameters()))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    run("linear", nn.Linear(5, 4), (2, 3, 5))
    run("conv1d", nn.Conv1d(6, 4, 1), (2, 6, 7))
    run("conv2d", nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 6))
    run("bn1d_nc", nn.BatchNorm1d(5), (8, 5), randomize_affine=True)
    run("bn1d_ncl", nn.BatchNorm1d(4), (3, 4, 5), randomize_affine=True)
    run("bn2d", nn.BatchNorm2d(3), (4, 3, 5, 5), randomize_affine=True)
    run("layernorm", nn.LayerNorm(6), (2, 3, 6), randomize_affine=True)
    run("maxpool", nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 7))
    run("avgpool", nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 6))
    names()


if __name__ == "__main__":
    main()
