#pragma once
// Horizontal flip (mirror along the width): for a clip every frame flips together.
#include "data/transforms/transform.h"

namespace autost::data {

void hflip(Image& img);
// Flips with probability p (torchvision RandomHorizontalFlip: one draw per sample).
SampleTransform random_hflip(double p = 0.5);

}  // namespace autost::data
