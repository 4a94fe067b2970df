#!/usr/bin/python3
"""Convert a PyTorch checkpoint (.pth / .pth.tar) into a safetensors file autost can load.

Usage: /usr/bin/python3 tools/convert_pth.py IN.pth OUT.safetensors [--trusted]

The state dict is the file itself, or the dict under "state_dict" or "model" (timm and
torchvision training checkpoints); a "module." prefix left by DataParallel is stripped. Only
tensors are kept. The safetensors bytes are written with json/numpy/struct alone (the
`safetensors` package is not needed), to OUT.tmp renamed into place.

By default the file is unpickled with torch.load(weights_only=True), which refuses arbitrary
Python objects; a checkpoint that also pickles e.g. an argparse.Namespace needs --trusted (only
for files you trust: full unpickling can run code).
"""
import json
import os
import struct
import sys

import numpy as np
import torch

# torch dtype -> safetensors dtype name
DTYPES = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int8: "I8",
    torch.int16: "I16",
    torch.int32: "I32",
    torch.int64: "I64",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


class ConvertError(Exception):
    pass


def tensor_bytes(t):
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: move the same 16 bits as int16
        t = t.view(torch.int16)
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()


def pick_state_dict(obj, path):
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if isinstance(obj.get(key), dict):
                return obj[key]
        return obj
    if hasattr(obj, "state_dict"):  # a whole pickled nn.Module
        return obj.state_dict()
    raise ConvertError(f"{path}: no state dict found (top level is {type(obj).__name__})")


def collect(state, path):
    tensors = {}
    for name, value in state.items():
        if not torch.is_tensor(value):
            print(f"convert_pth: skipping non-tensor entry '{name}' ({type(value).__name__})", file=sys.stderr)
            continue
        if value.dtype not in DTYPES:
            raise ConvertError(f"{path}: tensor '{name}' has dtype {value.dtype}, which safetensors cannot store")
        tensors[name] = value
    if not tensors:
        raise ConvertError(f"{path}: the state dict holds no tensors")
    names = list(tensors)
    if all(n.startswith("module.") for n in names):
        tensors = {n[len("module."):]: tensors[n] for n in names}
    return tensors


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata} if metadata else {}
    blobs, offset = [], 0
    for name, t in tensors.items():
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)  # 8-byte aligned data, as the reference writer pads
    tmp = path + ".tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for b in blobs:
                f.write(b)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path, trusted):
    if trusted:
        return torch.load(path, map_location="cpu")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises several types for a bad or unsafe pickle
        msg = str(e)
        detail = msg.split("WeightsUnpickler error: ")[-1].splitlines()[0] if msg else type(e).__name__
        if "Unsupported class" in msg:
            raise ConvertError(f"{path}: pickles Python objects beyond tensors ({detail}); rerun with --trusted "
                               f"if you trust the file")
        raise ConvertError(f"{path}: not a readable PyTorch checkpoint ({detail})")


def main(argv):
    args = [a for a in argv[1:] if a != "--trusted"]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src, dst = args
    try:
        obj = load(src, "--trusted" in argv)
        tensors = collect(pick_state_dict(obj, src), src)
        write_safetensors(dst, tensors, {"format": "pt", "source": os.path.basename(src)})
    except ConvertError as e:
        print(f"convert_pth: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - any failure to read is reported in one line
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"convert_pth: {src}: cannot convert: {msg}", file=sys.stderr)
        return 2
    print(f"convert_pth: wrote {len(tensors)} tensors to {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
