#pragma once
// Crops, torchvision's way. Regions outside the image read as `fill` (torchvision pads first).
#include <utility>

#include "data/transforms/transform.h"

namespace autost::data {

struct CropBox {
  int top = 0, left = 0, h = 0, w = 0;
};

Image crop(const Image& img, const CropBox& box, float fill = 0.f);
// Centre crop: top = round((H - h) / 2), left likewise, Python rounding (half to even).
Image center_crop(const Image& img, int h, int w);

// RandomCrop(size, padding, fill): pad every side by `padding`, then a uniform top-left corner.
CropBox random_crop_box(int H, int W, int h, int w, int padding, Rng& rng);
// RandomResizedCrop.get_params (torchvision, same as timm): 10 attempts with area ~ U(scale) and
// log-aspect ~ U(log ratio), w = round(sqrt(area·r)), h = round(sqrt(area/r)), accepted when
// 0 < w <= W and 0 < h <= H; else the fallback: clamp the aspect to `ratio`, centred.
CropBox random_resized_crop_box(int H, int W, std::pair<double, double> scale, std::pair<double, double> ratio,
                                Rng& rng);

SampleTransform random_crop(int h, int w, int padding, float fill = 0.f);
SampleTransform center_crop_transform(int h, int w);
// The crop is resized with resize_pil (what timm's RandomResizedCropAndInterpolation does).
SampleTransform random_resized_crop(int h, int w, std::pair<double, double> scale, std::pair<double, double> ratio,
                                    Interp interp);

}  // namespace autost::data
