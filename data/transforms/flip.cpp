#include "data/transforms/flip.h"

#include <algorithm>

namespace autost::data {

void hflip(Image& img) {
  for (int c = 0; c < img.C; ++c)
    for (int y = 0; y < img.H; ++y) {
      float* row = img.plane(c) + static_cast<int64_t>(y) * img.W;
      std::reverse(row, row + img.W);
    }
}

SampleTransform random_hflip(double p) {
  return [p](Image& img, Rng& rng) {
    if (rng.bernoulli(p)) hflip(img);
  };
}

}  // namespace autost::data
