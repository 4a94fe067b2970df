#include "data/transforms/normalize.h"

#include "tensor/error.h"

namespace autost::data {

void normalize(Image& img, const Normalize& n) {
  AUTOST_CHECK(!n.mean.empty() && n.mean.size() == n.std.size(), "normalize: ", n.mean.size(), " means and ",
               n.std.size(), " stds");
  for (int c = 0; c < img.C; ++c) {
    float m = fill_for_channel(n.mean, c, img.C) * n.max_value;
    float s = fill_for_channel(n.std, c, img.C) * n.max_value;
    AUTOST_CHECK(s > 0, "normalize: std of channel ", c, " is not positive");
    float* p = img.plane(c);
    for (int64_t i = 0; i < img.plane_size(); ++i) p[i] = (p[i] - m) / s;
  }
}

SampleTransform normalize_transform(Normalize n) {
  return [n](Image& img, Rng&) { normalize(img, n); };
}

}  // namespace autost::data
