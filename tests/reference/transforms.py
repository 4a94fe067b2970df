"""Golden outputs of the PIL / torchvision operations that data/transforms reimplements, for
tests/test_transforms.cpp and tests/test_augment.cpp.

Run once with Debian's python3 (python3-pil, python3-torchvision, python3-torch):
    /usr/bin/python3 tests/reference/transforms.py
Inputs are deterministic; every array is saved as .npy (uint8 images as uint8, the rest float32).
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as TF
import torchvision.transforms.functional as F
from PIL import Image, ImageEnhance, ImageOps
from torchvision.transforms import InterpolationMode

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "transforms")
os.makedirs(out, exist_ok=True)


def save(name, array):
    np.save(os.path.join(out, name + ".npy"), np.ascontiguousarray(array))


def to_pil(chw):
    return Image.fromarray(np.ascontiguousarray(chw.transpose(1, 2, 0)), "RGB")


def from_pil(img):
    return np.asarray(img, dtype=np.uint8).transpose(2, 0, 1)


rs = np.random.RandomState(0)
# A 3x40x37 image with a skewed histogram (values mostly 40..160, a few extremes), so that
# equalize and autocontrast have work to do and interpolation sees edges.
img = np.clip(rs.normal(100, 30, size=(3, 40, 37)), 40, 160).astype(np.uint8)
img[:, 5:9, 3:30] = 220
img[1, 20:25, 10:12] = 12
save("image", img)
pil = to_pil(img)

# ---- resize: PIL (uint8) and torch interpolate (float, align_corners=False, no antialias) ----
for name, mode in (("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC)):
    for h, w in ((47, 43), (17, 15)):
        save(f"pil_resize_{name}_{h}x{w}", from_pil(pil.resize((w, h), mode)))
x = torch.from_numpy(img.astype(np.float32))[None]
for name in ("nearest", "bilinear", "bicubic"):
    for h, w in ((47, 43), (17, 15)):
        kw = {} if name == "nearest" else {"align_corners": False}
        save(f"torch_resize_{name}_{h}x{w}", TF.interpolate(x, size=(h, w), mode=name, **kw)[0].numpy())

# ---- PIL affine warps as timm's RandAugment calls them ----
fill = (125, 123, 114)
warps = {
    "rotate_p27_bicubic": lambda im: im.rotate(27.0, resample=Image.BICUBIC, fillcolor=fill),
    "rotate_m13_bilinear": lambda im: im.rotate(-13.5, resample=Image.BILINEAR, fillcolor=fill),
    "rotate_p90_bicubic": lambda im: im.rotate(90.0, resample=Image.BICUBIC, fillcolor=fill),
    "shearx_p027_bicubic": lambda im: im.transform(im.size, Image.AFFINE, (1, 0.27, 0, 0, 1, 0),
                                                   resample=Image.BICUBIC, fillcolor=fill),
    "sheary_m02_bilinear": lambda im: im.transform(im.size, Image.AFFINE, (1, 0, 0, -0.2, 1, 0),
                                                   resample=Image.BILINEAR, fillcolor=fill),
    "translatex_p0405_bicubic": lambda im: im.transform(im.size, Image.AFFINE, (1, 0, 0.405 * im.size[0], 0, 1, 0),
                                                        resample=Image.BICUBIC, fillcolor=fill),
    "translatey_m37_bicubic": lambda im: im.transform(im.size, Image.AFFINE, (1, 0, 0, 0, 1, -3.7),
                                                      resample=Image.BICUBIC, fillcolor=fill),
}
for name, f in warps.items():
    save(f"pil_{name}", from_pil(f(pil)))
square = to_pil(img[:, :32, :32])
save("pil_square_rotate_p90", from_pil(square.rotate(90.0, resample=Image.BICUBIC, fillcolor=fill)))
save("pil_square_rotate_m90", from_pil(square.rotate(-90.0, resample=Image.BICUBIC, fillcolor=fill)))
save("pil_square_rotate_p180", from_pil(square.rotate(180.0, resample=Image.BICUBIC, fillcolor=fill)))

# ---- ImageOps and timm's solarize_add ----
save("pil_equalize", from_pil(ImageOps.equalize(pil)))
save("pil_autocontrast", from_pil(ImageOps.autocontrast(pil)))
save("pil_invert", from_pil(ImageOps.invert(pil)))
save("pil_posterize_2", from_pil(ImageOps.posterize(pil, 2)))
save("pil_solarize_100", from_pil(ImageOps.solarize(pil, 100)))
lut = [min(255, i + 99) if i < 128 else i for i in range(256)]
save("pil_solarize_add_99", from_pil(pil.point(lut * 3)))

# ---- ImageEnhance ----
for name, cls in (("color", ImageEnhance.Color), ("contrast", ImageEnhance.Contrast),
                  ("brightness", ImageEnhance.Brightness), ("sharpness", ImageEnhance.Sharpness)):
    for factor in (0.19, 1.81):
        save(f"pil_{name}_{factor}", from_pil(cls(pil).enhance(factor)))

# ---- torchvision tensor warps as SNNAugmentWide calls them (nearest, no fill) ----
clip = torch.from_numpy(rs.randint(0, 4, size=(3, 2, 20, 18)).astype(np.float32))
save("clip", clip.numpy())
shear = torch.linspace(-0.3, 0.3, 31)
shift = torch.linspace(-5.0, 5.0, 31)
angle = torch.linspace(-30.0, 30.0, 31)
save("linspace_shear", shear.numpy())
save("linspace_translate", shift.numpy())
save("linspace_rotate", angle.numpy())
save("linspace_cutout", torch.linspace(1.0, 30.0, 31).numpy())
near = InterpolationMode.NEAREST
for k in (3, 27):
    m = float(shear[k].item())
    save(f"tv_shearx_{k}", F.affine(clip, angle=0.0, translate=[0, 0], scale=1.0, shear=[math.degrees(m), 0.0],
                                    interpolation=near).numpy())
for k in (2, 9, 24):
    m = float(shift[k].item())
    save(f"tv_translatex_{k}", F.affine(clip, angle=0.0, translate=[int(m), 0], scale=1.0, shear=[0.0, 0.0],
                                        interpolation=near).numpy())
    save(f"tv_translatey_{k}", F.affine(clip, angle=0.0, translate=[0, int(m)], scale=1.0, shear=[0.0, 0.0],
                                        interpolation=near).numpy())
for k in (4, 19):
    save(f"tv_rotate_{k}", F.rotate(clip, float(angle[k].item()), interpolation=near).numpy())
# bilinear with a fill colour (the mask path of _apply_grid_transform)
save("tv_rotate_bilinear_fill", F.rotate(clip[0], 17.0, interpolation=InterpolationMode.BILINEAR,
                                         fill=[0.5, 2.0]).numpy())
