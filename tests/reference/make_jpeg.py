#!/usr/bin/python3
"""Writes tests/fixtures/data/img_*: tiny image files for the ImageNet-folder reader, each with the
RGB pixels PIL decodes from it (img_<name>.rgb.npy, uint8 [H, W, 3]; the loader of the reference
recipes is PIL's .convert('RGB')), so the C++ test can compare stb_image's decode against PIL's.

- img_rgb.JPEG: baseline RGB (YCbCr) JPEG;      img_gray.JPEG: 1-component (grayscale) JPEG;
- img_cmyk.JPEG: 4-component CMYK JPEG with the Adobe APP14 marker PIL/libjpeg writes;
- img_cmyk_noadobe.JPEG: the same file with the APP14 segment cut out (stb_image would read it as
  YCbCr: the reader must refuse it by name);
- img_png.JPEG: a PNG (with alpha) under a .JPEG name, as train/n02105855/n02105855_2933.JPEG is;
- img_truncated.JPEG: the RGB file cut in half.
Run once with /usr/bin/python3 (python3-pil, numpy); the outputs are committed."""
import io
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "fixtures", "data")
W, H = 16, 8  # not square, so a transposed decode would show


def pattern_rgb():
    # Flat 8x8 blocks: JPEG reproduces them almost exactly, so decoders agree to a few LSB.
    a = np.zeros((H, W, 3), dtype=np.uint8)
    a[:, :8] = (200, 40, 90)
    a[:, 8:] = (30, 160, 220)
    return a


def save(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def encode(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def expected(name, data):
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    np.save(os.path.join(OUT, name + ".rgb.npy"), np.ascontiguousarray(rgb))


def strip_app14(data):
    out, pos = bytearray(data[:2]), 2
    while pos < len(data):
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            out += data[pos:]
            break
        seg_len = (data[pos + 2] << 8) | data[pos + 3]
        if marker != 0xEE:
            out += data[pos:pos + 2 + seg_len]
        pos += 2 + seg_len
    return bytes(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = Image.fromarray(pattern_rgb(), "RGB")
    files = {
        "img_rgb.JPEG": encode(rgb, "JPEG", quality=95),
        "img_gray.JPEG": encode(rgb.convert("L"), "JPEG", quality=95),
        "img_cmyk.JPEG": encode(rgb.convert("CMYK"), "JPEG", quality=95),
        "img_png.JPEG": encode(rgb.convert("RGBA"), "PNG"),
    }
    assert b"Adobe" in files["img_cmyk.JPEG"]
    files["img_cmyk_noadobe.JPEG"] = strip_app14(files["img_cmyk.JPEG"])
    assert b"Adobe" not in files["img_cmyk_noadobe.JPEG"]
    files["img_truncated.JPEG"] = files["img_rgb.JPEG"][: len(files["img_rgb.JPEG"]) // 2]
    for name, data in files.items():
        save(name, data)
    for name in ("img_rgb.JPEG", "img_gray.JPEG", "img_cmyk.JPEG", "img_png.JPEG"):
        expected(name, files[name])


if __name__ == "__main__":
    main()
