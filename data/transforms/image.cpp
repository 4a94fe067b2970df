#include "data/transforms/image.h"

#include "tensor/error.h"

namespace autost::data {

Image::Image(int c, int h, int w, float value) : C(c), H(h), W(w) {
  AUTOST_CHECK(c > 0 && h > 0 && w > 0, "image: bad size C=", c, " H=", h, " W=", w);
  px.assign(static_cast<size_t>(c) * h * w, value);
}

Image Image::like(int h, int w) const {
  Image out(C, h, w);
  out.frames = frames;
  return out;
}

Image image_from_uint8(const uint8_t* chw, int C, int H, int W) {
  Image img(C, H, W);
  for (int64_t i = 0; i < img.numel(); ++i) img.px[i] = chw[i];
  return img;
}

Image image_from_float(const float* chw, int C, int H, int W) {
  Image img(C, H, W);
  img.px.assign(chw, chw + img.numel());
  return img;
}

const char* interp_name(Interp i) {
  switch (i) {
    case Interp::Nearest: return "nearest";
    case Interp::Bilinear: return "bilinear";
    case Interp::Bicubic: return "bicubic";
  }
  return "?";
}

float fill_for_channel(const std::vector<float>& fill, int c, int C) {
  if (fill.empty()) return 0.f;
  if (fill.size() == 1) return fill[0];
  AUTOST_CHECK(static_cast<int>(fill.size()) == C, "fill: ", fill.size(), " values for an image of ", C,
               " channels (give 1 or ", C, ")");
  return fill[c];
}

}  // namespace autost::data
