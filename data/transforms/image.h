#pragma once
// The image type every per-sample transform works on: float planes in CHW order.
//
// One type serves the three stages of a pipeline:
//  - "pixel-valued" images straight from a reader: integers 0..255 stored as float. The PIL-style
//    ops (RandAugment, PIL resize, mixup on uint8) keep them integral, so results equal what PIL
//    computes on uint8 images;
//  - normalised images (after Normalize), any float value;
//  - event-count clips [T, c, H, W]: stored as C = T*c planes with `frames = T`. A spatial op
//    applies the same map to every plane, which is exactly "the same transform on every frame".
#include <cstdint>
#include <vector>

namespace autost::data {

struct Image {
  int C = 0, H = 0, W = 0;
  int frames = 0;          // T > 0 for a clip laid out [T][C/T][H][W]; 0 for a still image
  std::vector<float> px;   // C*H*W values, plane after plane, rows top to bottom

  Image() = default;
  Image(int c, int h, int w, float value = 0.f);

  int64_t plane_size() const { return static_cast<int64_t>(H) * W; }
  int64_t numel() const { return static_cast<int64_t>(C) * H * W; }
  float* plane(int c) { return px.data() + c * plane_size(); }
  const float* plane(int c) const { return px.data() + c * plane_size(); }
  float& at(int c, int y, int x) { return px[(static_cast<int64_t>(c) * H + y) * W + x]; }
  float at(int c, int y, int x) const { return px[(static_cast<int64_t>(c) * H + y) * W + x]; }
  // Same layout metadata (C, frames) with a new spatial size, zero-filled.
  Image like(int h, int w) const;
};

Image image_from_uint8(const uint8_t* chw, int C, int H, int W);
Image image_from_float(const float* chw, int C, int H, int W);

// PIL's float -> uint8 store for interpolated values: clamp to [0, 255], then truncate.
inline float truncate_to_uint8(double v) {
  if (v <= 0.0) return 0.f;
  if (v >= 255.0) return 255.f;
  return static_cast<float>(static_cast<int>(v));
}

// Sampling filter of a resize or a warp.
enum class Interp { Nearest, Bilinear, Bicubic };
const char* interp_name(Interp i);

// A per-channel fill colour: one value for every channel, or exactly C values.
float fill_for_channel(const std::vector<float>& fill, int c, int C);

}  // namespace autost::data
