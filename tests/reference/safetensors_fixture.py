#!/usr/bin/python3
"""Writes tests/fixtures/safetensors/: converted.safetensors, produced by tools/convert_pth.py from
a tiny torch training checkpoint (a DataParallel-style "module." state dict under "state_dict"),
and expected/<name>.npy with each tensor's values (bfloat16 as float32), so the C++ test checks
that autost reads exactly what the converter writes."""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "tests", "fixtures", "safetensors")

torch.manual_seed(0)
state = {
    "conv.weight": torch.randn(2, 1, 3, 3),
    "conv.bias": torch.randn(2),
    "bn.running_mean": torch.randn(2),
    "bn.num_batches_tracked": torch.tensor(7, dtype=torch.int64),
    "head.weight": torch.randn(4, 3, dtype=torch.float64).t(),  # non-contiguous on purpose
    "emb.bf16": torch.randn(5).to(torch.bfloat16),
    "mask": torch.tensor([True, False, True]),
    "bytes": torch.tensor([0, 7, 255], dtype=torch.uint8),
    "index": torch.tensor([[-3, 4], [5, -2147483648]], dtype=torch.int32),
    "empty": torch.zeros(0, 3),
}
os.makedirs(os.path.join(OUT, "expected"), exist_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    pth = os.path.join(tmp, "tiny.pth.tar")
    torch.save({"epoch": 3, "state_dict": {"module." + k: v for k, v in state.items()}}, pth)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "convert_pth.py"), pth,
                    os.path.join(OUT, "converted.safetensors")], check=True)
for name, t in state.items():
    a = (t.float() if t.dtype == torch.bfloat16 else t).contiguous().numpy()
    np.save(os.path.join(OUT, "expected", name + ".npy"), a)
