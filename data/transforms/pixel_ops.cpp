#include "data/transforms/pixel_ops.h"

#include <algorithm>
#include <array>

#include "tensor/error.h"

namespace autost::data {

namespace {

using Lut = std::array<float, 256>;
using Histogram = std::array<int64_t, 256>;

int byte_of(float v) { return std::clamp(static_cast<int>(v), 0, 255); }

Histogram histogram(const Image& img, int c) {
  Histogram h{};
  const float* p = img.plane(c);
  for (int64_t i = 0; i < img.plane_size(); ++i) ++h[byte_of(p[i])];
  return h;
}

void apply_lut(Image& img, int c, const Lut& lut) {
  float* p = img.plane(c);
  for (int64_t i = 0; i < img.plane_size(); ++i) p[i] = lut[byte_of(p[i])];
}

template <class F>
void apply_pointwise(Image& img, F f) {
  Lut lut;
  for (int i = 0; i < 256; ++i) lut[i] = static_cast<float>(f(i));
  for (int c = 0; c < img.C; ++c) apply_lut(img, c, lut);
}

}  // namespace

void autocontrast(Image& img) {
  for (int c = 0; c < img.C; ++c) {
    Histogram h = histogram(img, c);
    int lo = 0, hi = 255;
    while (lo < 255 && h[lo] == 0) ++lo;
    while (hi > 0 && h[hi] == 0) --hi;
    if (hi <= lo) continue;
    double scale = 255.0 / (hi - lo), offset = -lo * scale;
    Lut lut;
    for (int i = 0; i < 256; ++i) lut[i] = static_cast<float>(std::clamp(static_cast<int>(i * scale + offset), 0, 255));
    apply_lut(img, c, lut);
  }
}

void equalize(Image& img) {
  // ImageOps.equalize: step = (sum of the histogram - its last non-zero bin) // 255; the LUT maps
  // i to n // step, with n starting at step // 2 and growing by h[i] after each i. Identity when a
  // channel has one distinct value or step is 0.
  for (int c = 0; c < img.C; ++c) {
    Histogram h = histogram(img, c);
    int64_t total = 0, last = 0, nonzero = 0;
    for (int64_t v : h)
      if (v) {
        total += v;
        last = v;
        ++nonzero;
      }
    if (nonzero <= 1) continue;
    int64_t step = (total - last) / 255;
    if (step == 0) continue;
    Lut lut;
    int64_t n = step / 2;
    for (int i = 0; i < 256; ++i) {
      lut[i] = static_cast<float>(std::min<int64_t>(n / step, 255));
      n += h[i];
    }
    apply_lut(img, c, lut);
  }
}

void invert(Image& img) {
  apply_pointwise(img, [](int v) { return 255 - v; });
}

void posterize(Image& img, int bits) {
  AUTOST_CHECK(bits >= 0 && bits <= 8, "posterize: bits ", bits, " outside 0..8");
  int mask = ~((1 << (8 - bits)) - 1) & 0xFF;
  apply_pointwise(img, [mask](int v) { return v & mask; });
}

void solarize(Image& img, int threshold) {
  apply_pointwise(img, [threshold](int v) { return v < threshold ? v : 255 - v; });
}

void solarize_add(Image& img, int add, int threshold) {
  apply_pointwise(img, [=](int v) { return v < threshold ? std::min(255, v + add) : v; });
}

}  // namespace autost::data
