#pragma once
// Random erasing, in timm's form (applied after normalisation by the CIFAR/ImageNet recipes) and in
// torchvision's (the Cutout of SNNAugmentWide). One box covers every channel (every frame of a clip).
#include <optional>
#include <utility>

#include "data/transforms/transform.h"

namespace autost::data {

enum class EraseMode { Const, Rand, Pixel };  // fill 0 / one N(0,1) per channel / N(0,1) per pixel

struct RandomErasingOptions {
  double probability = 0.25;
  double min_area = 0.02, max_area = 1.0 / 3.0;
  double min_aspect = 0.3;
  std::optional<double> max_aspect;  // default 1 / min_aspect
  EraseMode mode = EraseMode::Const;
  int min_count = 1, max_count = 1;
};

// timm RandomErasing on one image: with probability `probability`, `count` boxes, each from up to
// 10 attempts of area U(min, max)·H·W/count and aspect exp(U(log min, log max)),
// h = round(sqrt(area·aspect)), w = round(sqrt(area/aspect)), accepted when h < H and w < W, at a
// uniform top-left corner. Returns the number of boxes erased.
int random_erase(Image& img, const RandomErasingOptions& opts, Rng& rng);
SampleTransform random_erasing(RandomErasingOptions opts);

// torchvision RandomErasing(p, scale, ratio, value) with a constant value: the same attempt rule
// with area U(scale)·H·W; unchanged when all 10 attempts fail. Returns whether a box was erased.
bool torchvision_erase(Image& img, double p, std::pair<double, double> scale, std::pair<double, double> ratio,
                       float value, Rng& rng);

}  // namespace autost::data
