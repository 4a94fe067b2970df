#pragma once
// Resizing, in the two conventions the recipes and references use. Both treat pixel (x, y) as the
// square [x, x+1) x [y, y+1) (align_corners = False).
//
// resize_pil: Pillow's Image.resize on uint8 images (libImaging/Resample.c), what timm/torchvision
//   apply to PIL images: a separable convolution, horizontal pass first; the filter is stretched by
//   in/out when shrinking (antialiasing); bicubic uses a = -0.5; weights are normalised, rounded to
//   22-bit fixed point, and each pass rounds and clamps to uint8. The input must be pixel-valued.
//   Same size in and out is the identity (Pillow returns a copy). Bilinear and bicubic only.
// resize_torch: torch.nn.functional.interpolate(align_corners=False, antialias=False) on float
//   tensors (torchvision's tensor resize): bicubic uses a = -0.75, taps clamped at the border,
//   computed in float like torch's CPU kernel; nearest takes floor(dst · in/out).
#include <utility>

#include "data/transforms/transform.h"

namespace autost::data {

Image resize_pil(const Image& img, int out_h, int out_w, Interp interp);
Image resize_torch(const Image& img, int out_h, int out_w, Interp interp);

// (h, w) after torchvision's Resize(size) with an int size: the shorter side becomes `size`, the
// longer int(size · long / short) (truncated).
std::pair<int, int> shorter_side_size(int H, int W, int size);

// PIL-convention transforms (the recipes resize PIL images).
SampleTransform resize_transform(int out_h, int out_w, Interp interp);
SampleTransform resize_shorter_transform(int size, Interp interp);

}  // namespace autost::data
