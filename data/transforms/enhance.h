#pragma once
// PIL's ImageEnhance on pixel-valued images: out = degenerate + factor·(img - degenerate), computed
// in float, then clamped and truncated to uint8 (libImaging/Blend.c). The degenerate image is
//   brightness: black;  color: the grey version (PIL luma (19595 R + 38470 G + 7471 B + 2^15) >> 16);
//   contrast: a constant grey, the rounded mean of that luma (int(mean + 0.5));
//   sharpness: the image smoothed by [[1,1,1],[1,5,1],[1,1,1]]/13 (border pixels kept).
// Images have 1 (grey) or 3 (RGB) channels.
#include "data/transforms/image.h"

namespace autost::data {

void adjust_brightness(Image& img, double factor);
void adjust_color(Image& img, double factor);
void adjust_contrast(Image& img, double factor);
void adjust_sharpness(Image& img, double factor);

}  // namespace autost::data
