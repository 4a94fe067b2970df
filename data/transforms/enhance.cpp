#include "data/transforms/enhance.h"

#include <cmath>
#include <vector>

#include "tensor/error.h"

namespace autost::data {

namespace {

void check_grey_or_rgb(const Image& img, const char* op) {
  AUTOST_CHECK(img.C == 1 || img.C == 3, op, ": needs a 1- or 3-channel image, got ", img.C, " channels");
}

// Image.blend(degenerate, img, factor) with PIL's float arithmetic and truncation.
void blend_from(Image& img, const Image& degenerate, double factor) {
  const float alpha = static_cast<float>(factor);
  if (alpha == 1.0f) return;
  for (int64_t i = 0; i < img.numel(); ++i) {
    int d = static_cast<int>(degenerate.px[i]), v = static_cast<int>(img.px[i]);
    float t = static_cast<float>(d) + alpha * static_cast<float>(v - d);
    img.px[i] = truncate_to_uint8(t);
  }
}

// PIL's RGB -> L conversion (fixed point, rounded), per pixel.
Image luma(const Image& img) {
  if (img.C == 1) return img;
  Image l(1, img.H, img.W);
  for (int64_t i = 0; i < img.plane_size(); ++i) {
    int64_t r = static_cast<int64_t>(img.plane(0)[i]), g = static_cast<int64_t>(img.plane(1)[i]),
            b = static_cast<int64_t>(img.plane(2)[i]);
    l.px[i] = static_cast<float>((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
  }
  return l;
}

Image broadcast_channels(const Image& grey, int C) {
  Image out(C, grey.H, grey.W);
  for (int c = 0; c < C; ++c) std::copy(grey.px.begin(), grey.px.end(), out.plane(c));
  return out;
}

}  // namespace

void adjust_brightness(Image& img, double factor) {
  Image black(img.C, img.H, img.W, 0.f);
  blend_from(img, black, factor);
}

void adjust_color(Image& img, double factor) {
  check_grey_or_rgb(img, "color");
  blend_from(img, broadcast_channels(luma(img), img.C), factor);
}

void adjust_contrast(Image& img, double factor) {
  check_grey_or_rgb(img, "contrast");
  Image l = luma(img);
  double sum = 0;
  for (float v : l.px) sum += v;
  float mean = static_cast<float>(static_cast<int>(sum / static_cast<double>(l.numel()) + 0.5));
  blend_from(img, Image(img.C, img.H, img.W, mean), factor);
}

void adjust_sharpness(Image& img, double factor) {
  check_grey_or_rgb(img, "sharpness");
  // ImageFilter.SMOOTH through libImaging/Filter.c: float sums from the row below to the row above,
  // plus 0.5, then clamp and truncate; the outermost rows and columns are copied.
  Image smooth = img;
  const float k1 = 1.0f / 13.0f, k5 = 5.0f / 13.0f;
  for (int c = 0; c < img.C; ++c)
    for (int y = 1; y + 1 < img.H; ++y)
      for (int x = 1; x + 1 < img.W; ++x) {
        auto row = [&](int yy, float kc) {
          return img.at(c, yy, x - 1) * k1 + img.at(c, yy, x) * kc + img.at(c, yy, x + 1) * k1;
        };
        float ss = 0.5f;
        ss += row(y + 1, k1);
        ss += row(y, k5);
        ss += row(y - 1, k1);
        smooth.at(c, y, x) = truncate_to_uint8(ss);
      }
  blend_from(img, smooth, factor);
}

}  // namespace autost::data
