#!/usr/bin/python3
"""Writes the seed corpora fuzz/corpus/<target>/: a few small valid files of each format (so the
fuzzer starts from inputs that reach deep into the parser) and a few invalid ones (each failing a
different check). Run once with /usr/bin/python3 (numpy); the outputs are committed. scripts/fuzz.sh
writes what the fuzzer discovers to build-fuzz/corpus/, never here."""
import gzip
import io
import json
import os
import shutil
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def idx():
    labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 5) + bytes([1, 9, 0, 3, 7])
    image = bytes([0, 0, 8, 3]) + struct.pack(">III", 1, 28, 28) + bytes((i * 7) % 256 for i in range(784))
    put("idx", "labels.idx", labels)
    put("idx", "image.idx.gz", gzip.compress(image))
    put("idx", "bad_magic.idx", b"\x12" + labels[1:])
    put("idx", "truncated.idx", image[:100])
    put("idx", "little_endian_dims.idx", bytes([0, 0, 8, 1]) + struct.pack("<I", 5) + bytes(5))
    put("idx", "truncated.idx.gz", gzip.compress(labels)[:-8])


def cifar():
    rec10 = lambda label, seed: bytes([label]) + bytes((i * seed) % 256 for i in range(3072))
    put("cifar", "cifar10_two_records.bin", rec10(3, 5) + rec10(9, 7))
    put("cifar", "cifar100_one_record.bin", bytes([0, 4]) + bytes((i * 3) % 256 for i in range(3072)))
    put("cifar", "pickle.bin", b"\x80\x02}q\x00(X\x05\x00\x00\x00batch")
    put("cifar", "short.bin", rec10(1, 2)[:1000])
    put("cifar", "bad_label.bin", rec10(12, 3))


def aedat():
    header = (b"#!AER-DAT2.0\r\n# This is a raw AE data file - do not edit\r\n"
              b"# Timestamps tick is 1 us\r\n")

    def body(events):
        return b"".join(struct.pack(">II", a, t) for a, t in events)

    addr = lambda x, y, p: (y << 8) | (x << 1) | p
    events = [(addr(i * 5 % 128, i * 11 % 128, i % 2), 1000 + 3 * i) for i in range(24)]
    put("aedat", "small.aedat", header + body(events))
    put("aedat", "headerless.aedat", body(events[:4]))
    put("aedat", "wrap.aedat", header + body([(addr(1, 2, 0), 0xFFFFFF00), (addr(3, 4, 1), 0x10), (addr(5, 6, 1), 0x20)]))
    put("aedat", "backward.aedat", header + body([(addr(1, 2, 0), 500), (addr(3, 4, 1), 100), (addr(9, 9, 1), 600)]))
    put("aedat", "foreign.aedat", header + body([(0x8000 | addr(1, 2, 0), 5), (0x10000, 6)]))
    put("aedat", "odd_words.aedat", header + body(events[:2]) + struct.pack(">I", 7))
    put("aedat", "version3.aedat", b"#!AER-DAT3.1\r\n" + body(events[:2]))
    put("aedat", "header_only.aedat", header)


def npz():
    rng = np.random.RandomState(1)
    n = 12
    ev = dict(t=np.arange(100, 100 + 5 * n, 5).astype(">u4"), x=rng.randint(0, 128, n).astype("<u4"),
              y=rng.randint(0, 128, n).astype("<u4"), p=rng.randint(0, 2, n).astype("<i8"))
    for name, fn in (("events_stored.npz", np.savez), ("events_compressed.npz", np.savez_compressed)):
        buf = io.BytesIO()
        fn(buf, **ev)
        put("npz", name, buf.getvalue())
    buf = io.BytesIO()
    np.savez_compressed(buf, frames=np.zeros((1, 2, 4, 4)))
    put("npz", "frames.npz", buf.getvalue())
    buf = io.BytesIO()
    np.savez(buf, t=ev["t"], x=ev["x"].astype(np.float32), y=ev["y"], p=ev["p"])
    put("npz", "float_x.npz", buf.getvalue())
    put("npz", "truncated.npz", buf.getvalue()[:200])


def safetensors():
    def st(header, data):
        h = json.dumps(header).encode()
        h += b" " * (-len(h) % 8)
        return struct.pack("<Q", len(h)) + h + data

    put("safetensors", "small.safetensors",
        st({"__metadata__": {"epoch": "3"}, "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
            "b": {"dtype": "I64", "shape": [1], "data_offsets": [16, 24]}}, bytes(range(24))))
    put("safetensors", "bf16_bool.safetensors",
        st({"h": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]},
            "m": {"dtype": "BOOL", "shape": [2], "data_offsets": [6, 8]}}, bytes([0, 63, 128, 63, 0, 64, 1, 0])))
    put("safetensors", "gap.safetensors",
        st({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8)))
    put("safetensors", "not_json.safetensors", struct.pack("<Q", 8) + b"{oops!!}")
    put("safetensors", "huge_header.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
    shutil.copy(os.path.join(ROOT, "tests", "fixtures", "safetensors", "converted.safetensors"),
                os.path.join(OUT, "safetensors", "converted.safetensors"))


def arch_yaml():
    put("arch_yaml", "spikformer_4_384.yaml",
        b"RETRAIN:\n  DEPTH: 4\n  EMBED_DIM: 384\n  MLP_RATIO:\n  - 4\n  - 4\n  - 4\n  - 4\n"
        b"  NUM_HEADS:\n  - 12\n  - 12\n  - 12\n  - 12\nMODEL: spikformer\nVARIANT: cifar\n")
    put("arch_yaml", "autost_flow.yaml",
        b"INDICATOR: 123.5\nRETRAIN: {DEPTH: 2, EMBED_DIM: 256, MLP_RATIO: [3.5, 4], NUM_HEADS: [8, 16]}\n")
    put("arch_yaml", "dvs.yaml",
        b"RETRAIN:\n  DEPTH: 2\n  EMBED_DIM: 256\n  MLP_RATIO: [4, 4]\n  NUM_HEADS: [16, 16]\n  VARIANT: dvs\n")
    put("arch_yaml", "missing_heads.yaml", b"RETRAIN:\n  DEPTH: 1\n  EMBED_DIM: 64\n  MLP_RATIO: [4]\n")
    put("arch_yaml", "not_yaml.yaml", b"RETRAIN: [unclosed\n  - {\n")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    idx()
    cifar()
    aedat()
    npz()
    safetensors()
    arch_yaml()


if __name__ == "__main__":
    main()
