#pragma once
// Per-channel normalisation of a pixel-valued image: (v - max·mean) / (max·std), the form timm's
// prefetcher uses on uint8 batches (max = 255); equal to (v/255 - mean)/std up to float rounding.
#include <vector>

#include "data/transforms/transform.h"

namespace autost::data {

struct Normalize {
  std::vector<float> mean, std;  // one value per channel (or one for all), in [0, 1] units
  float max_value = 255.f;       // what 1.0 is in the image's units
};

void normalize(Image& img, const Normalize& n);
SampleTransform normalize_transform(Normalize n);

}  // namespace autost::data
