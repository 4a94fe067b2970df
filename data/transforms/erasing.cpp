#include "data/transforms/erasing.h"

#include <cmath>

#include "tensor/error.h"

namespace autost::data {

namespace {

struct Box {
  int top, left, h, w;
};

// The attempt loop both libraries share; nullopt when no attempt fits.
std::optional<Box> draw_box(int H, int W, double area_lo, double area_hi, double log_aspect_lo, double log_aspect_hi,
                            Rng& rng) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    double area = rng.uniform(area_lo, area_hi);
    double aspect = std::exp(rng.uniform(log_aspect_lo, log_aspect_hi));
    int h = static_cast<int>(std::nearbyint(std::sqrt(area * aspect)));
    int w = static_cast<int>(std::nearbyint(std::sqrt(area / aspect)));
    if (h < H && w < W) {
      int top = static_cast<int>(rng.randint(0, H - h));
      int left = static_cast<int>(rng.randint(0, W - w));
      return Box{top, left, h, w};
    }
  }
  return std::nullopt;
}

}  // namespace

int random_erase(Image& img, const RandomErasingOptions& o, Rng& rng) {
  double max_aspect = o.max_aspect.value_or(1.0 / o.min_aspect);
  AUTOST_CHECK(o.min_area > 0 && o.min_area <= o.max_area && o.min_aspect > 0 && o.min_aspect <= max_aspect &&
                   o.min_count >= 1 && o.min_count <= o.max_count,
               "random erasing: bad options (area ", o.min_area, "..", o.max_area, ", aspect ", o.min_aspect, "..",
               max_aspect, ", count ", o.min_count, "..", o.max_count, ")");
  if (rng.uniform() > o.probability) return 0;
  int count = o.min_count == o.max_count ? o.min_count : static_cast<int>(rng.randint(o.min_count, o.max_count));
  double area = static_cast<double>(img.H) * img.W;
  int erased = 0;
  for (int k = 0; k < count; ++k) {
    std::optional<Box> b = draw_box(img.H, img.W, o.min_area * area / count, o.max_area * area / count,
                                    std::log(o.min_aspect), std::log(max_aspect), rng);
    if (!b) continue;
    ++erased;
    for (int c = 0; c < img.C; ++c) {
      float channel_value = o.mode == EraseMode::Rand ? static_cast<float>(rng.normal()) : 0.f;
      for (int y = b->top; y < b->top + b->h; ++y)
        for (int x = b->left; x < b->left + b->w; ++x)
          img.at(c, y, x) = o.mode == EraseMode::Pixel ? static_cast<float>(rng.normal()) : channel_value;
    }
  }
  return erased;
}

SampleTransform random_erasing(RandomErasingOptions opts) {
  return [opts](Image& img, Rng& rng) { random_erase(img, opts, rng); };
}

bool torchvision_erase(Image& img, double p, std::pair<double, double> scale, std::pair<double, double> ratio,
                       float value, Rng& rng) {
  AUTOST_CHECK(scale.first <= scale.second && ratio.first > 0 && ratio.first <= ratio.second,
               "random erasing: bad scale or ratio");
  if (!(rng.uniform() < p)) return false;
  double area = static_cast<double>(img.H) * img.W;
  std::optional<Box> b = draw_box(img.H, img.W, scale.first * area, scale.second * area, std::log(ratio.first),
                                  std::log(ratio.second), rng);
  if (!b) return false;
  for (int c = 0; c < img.C; ++c)
    for (int y = b->top; y < b->top + b->h; ++y)
      for (int x = b->left; x < b->left + b->w; ++x) img.at(c, y, x) = value;
  return true;
}

}  // namespace autost::data
