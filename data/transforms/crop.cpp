#include "data/transforms/crop.h"

#include <cmath>

#include "data/transforms/resize.h"
#include "tensor/error.h"

namespace autost::data {

Image crop(const Image& img, const CropBox& box, float fill) {
  AUTOST_CHECK(box.h > 0 && box.w > 0, "crop: bad size ", box.h, "x", box.w);
  Image out = img.like(box.h, box.w);
  for (int c = 0; c < img.C; ++c)
    for (int y = 0; y < box.h; ++y)
      for (int x = 0; x < box.w; ++x) {
        int sy = box.top + y, sx = box.left + x;
        bool inside = sy >= 0 && sy < img.H && sx >= 0 && sx < img.W;
        out.at(c, y, x) = inside ? img.at(c, sy, sx) : fill;
      }
  return out;
}

Image center_crop(const Image& img, int h, int w) {
  // A too-small side is padded with zeros by torchvision, (out - in) // 2 before and the rest after,
  // which is a crop starting at -((out - in) // 2).
  auto start = [](int in, int out) {
    if (out > in) return -((out - in) / 2);
    return static_cast<int>(std::nearbyint((in - out) / 2.0));
  };
  return crop(img, {start(img.H, h), start(img.W, w), h, w});
}

CropBox random_crop_box(int H, int W, int h, int w, int padding, Rng& rng) {
  AUTOST_CHECK(padding >= 0, "random crop: negative padding ", padding);
  int ph = H + 2 * padding, pw = W + 2 * padding;
  AUTOST_CHECK(h > 0 && w > 0 && h <= ph && w <= pw, "random crop: ", h, "x", w, " does not fit in ", ph, "x", pw,
               " (image ", H, "x", W, " padded by ", padding, ")");
  int top = static_cast<int>(rng.randint(0, ph - h)) - padding;
  int left = static_cast<int>(rng.randint(0, pw - w)) - padding;
  return {top, left, h, w};
}

CropBox random_resized_crop_box(int H, int W, std::pair<double, double> scale, std::pair<double, double> ratio,
                                Rng& rng) {
  AUTOST_CHECK(scale.first <= scale.second && ratio.first <= ratio.second && ratio.first > 0,
               "random resized crop: bad scale (", scale.first, ", ", scale.second, ") or ratio (", ratio.first, ", ",
               ratio.second, ")");
  double area = static_cast<double>(H) * W;
  double log_lo = std::log(ratio.first), log_hi = std::log(ratio.second);
  for (int attempt = 0; attempt < 10; ++attempt) {
    double target = area * rng.uniform(scale.first, scale.second);
    double aspect = std::exp(rng.uniform(log_lo, log_hi));
    int w = static_cast<int>(std::nearbyint(std::sqrt(target * aspect)));
    int h = static_cast<int>(std::nearbyint(std::sqrt(target / aspect)));
    if (w > 0 && w <= W && h > 0 && h <= H) {
      int top = static_cast<int>(rng.randint(0, H - h));
      int left = static_cast<int>(rng.randint(0, W - w));
      return {top, left, h, w};
    }
  }
  double in_ratio = static_cast<double>(W) / H;
  int w = W, h = H;
  if (in_ratio < ratio.first) {
    h = static_cast<int>(std::nearbyint(w / ratio.first));
  } else if (in_ratio > ratio.second) {
    w = static_cast<int>(std::nearbyint(h * ratio.second));
  }
  return {(H - h) / 2, (W - w) / 2, h, w};
}

SampleTransform random_crop(int h, int w, int padding, float fill) {
  return [=](Image& img, Rng& rng) { img = crop(img, random_crop_box(img.H, img.W, h, w, padding, rng), fill); };
}

SampleTransform center_crop_transform(int h, int w) {
  return [=](Image& img, Rng&) { img = center_crop(img, h, w); };
}

SampleTransform random_resized_crop(int h, int w, std::pair<double, double> scale, std::pair<double, double> ratio,
                                    Interp interp) {
  return [=](Image& img, Rng& rng) {
    CropBox box = random_resized_crop_box(img.H, img.W, scale, ratio, rng);
    Image cropped = crop(img, box);
    img = (cropped.H == h && cropped.W == w) ? cropped : resize_pil(cropped, h, w, interp);
  };
}

}  // namespace autost::data
