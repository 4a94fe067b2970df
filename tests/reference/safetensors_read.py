#!/usr/bin/python3
"""Read a safetensors file with json and numpy alone, checking it is standard.

  /usr/bin/python3 tests/reference/safetensors_read.py FILE            # list tensors and metadata
  /usr/bin/python3 tests/reference/safetensors_read.py FILE --expect DIR
      # also compare each tensor with DIR/<name>.npy (bfloat16 against float32 values); exit 1 on a
      # mismatch or a missing tensor

This is an independent second reader: if autost's bytes load here, they are not merely
self-consistent. BF16 is widened to float32 by shifting its 16 bits into the high half.
"""
import json
import os
import struct
import sys

import numpy as np

NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
         "U8": "u1", "BOOL": "?", "BF16": "<u2"}


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert 8 + n <= len(blob), f"header length {n} exceeds the file"
    assert n % 8 == 0, f"header length {n} is not a multiple of 8"
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {}) or {}
    assert all(isinstance(v, str) for v in meta.values()), "metadata values must be strings"
    spans = sorted((tuple(e["data_offsets"]), k) for k, e in header.items())
    pos = 0
    for (b, e), k in spans:
        assert b == pos and e >= b, f"{k}: offsets [{b}, {e}] do not continue at {pos}"
        pos = e
    assert pos == len(data), f"tensors cover {pos} of {len(data)} data bytes"
    tensors = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        a = np.frombuffer(data[b:end], dtype=NUMPY[e["dtype"]]).reshape(e["shape"])
        if e["dtype"] == "BF16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = (e["dtype"], a)
    return tensors, meta


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--expect"):
        print(__doc__, file=sys.stderr)
        return 2
    tensors, meta = read(argv[1])
    print(f"metadata: {json.dumps(meta, sort_keys=True)}")
    for name, (dt, a) in tensors.items():
        print(f"{name}: {dt} {list(a.shape)} {a.ravel()[:6].tolist()}")
    if len(argv) == 4:
        bad = 0
        for fname in sorted(os.listdir(argv[3])):
            if not fname.endswith(".npy"):
                continue
            name = fname[:-4]
            want = np.load(os.path.join(argv[3], fname))
            if name not in tensors:
                print(f"MISSING {name}")
                bad += 1
                continue
            got = tensors[name][1]
            if got.shape != want.shape or not np.array_equal(got.astype(want.dtype), want):
                print(f"MISMATCH {name}: {got.ravel()[:6]} vs {want.ravel()[:6]}")
                bad += 1
        print("compare:", "OK" if bad == 0 else f"{bad} problems")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
