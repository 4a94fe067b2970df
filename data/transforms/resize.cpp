#include "data/transforms/resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/error.h"

namespace autost::data {

namespace {

double pil_bilinear(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double pil_bicubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

constexpr int kPrecisionBits = 32 - 8 - 2;  // Pillow's fixed-point weights

// One output coordinate's taps: input range [first, first + weights.size()) and fixed-point weights.
struct Taps {
  int first = 0;
  std::vector<int64_t> weights;
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis.
std::vector<Taps> pil_taps(int in_size, int out_size, Interp interp) {
  double (*filter)(double) = interp == Interp::Bilinear ? pil_bilinear : pil_bicubic;
  double support0 = interp == Interp::Bilinear ? 1.0 : 2.0;
  double scale = static_cast<double>(in_size) / out_size;
  double filterscale = std::max(scale, 1.0);
  double support = support0 * filterscale;
  std::vector<Taps> taps(out_size);
  std::vector<double> k;
  for (int xx = 0; xx < out_size; ++xx) {
    double center = (xx + 0.5) * scale;
    double ss = 1.0 / filterscale;
    int xmin = std::max(0, static_cast<int>(center - support + 0.5));
    int xmax = std::min(in_size, static_cast<int>(center + support + 0.5)) - xmin;
    k.assign(std::max(xmax, 0), 0.0);
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = filter((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    taps[xx].first = xmin;
    for (int x = 0; x < xmax; ++x) {
      double w = ww != 0.0 ? k[x] / ww : k[x];
      double f = w * (1 << kPrecisionBits);
      taps[xx].weights.push_back(static_cast<int64_t>(w < 0 ? -0.5 + f : 0.5 + f));
    }
  }
  return taps;
}

float pil_clip8(int64_t acc) {
  int64_t v = acc >> kPrecisionBits;
  return static_cast<float>(std::clamp<int64_t>(v, 0, 255));
}

// One separable pass along x (horizontal) or y of every plane.
Image pil_pass(const Image& in, int out_h, int out_w, bool horizontal, Interp interp) {
  Image out = in.like(out_h, out_w);
  std::vector<Taps> taps = horizontal ? pil_taps(in.W, out_w, interp) : pil_taps(in.H, out_h, interp);
  for (int c = 0; c < in.C; ++c)
    for (int y = 0; y < out_h; ++y)
      for (int x = 0; x < out_w; ++x) {
        const Taps& t = taps[horizontal ? x : y];
        int64_t acc = int64_t{1} << (kPrecisionBits - 1);
        for (size_t i = 0; i < t.weights.size(); ++i) {
          int sx = horizontal ? t.first + static_cast<int>(i) : x;
          int sy = horizontal ? y : t.first + static_cast<int>(i);
          acc += static_cast<int64_t>(in.at(c, sy, sx)) * t.weights[i];
        }
        out.at(c, y, x) = pil_clip8(acc);
      }
  return out;
}

void check_resize(const Image& img, int out_h, int out_w, const char* op) {
  AUTOST_CHECK(img.numel() > 0, op, ": empty image");
  AUTOST_CHECK(out_h > 0 && out_w > 0, op, ": bad output size ", out_h, "x", out_w);
}

// torch's cubic convolution weights for fraction t (A = -0.75).
void torch_cubic_weights(float t, float w[4]) {
  constexpr float A = -0.75f;
  auto near = [&](float x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };          // |x| <= 1
  auto far = [&](float x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };     // 1 < |x| < 2
  w[0] = far(t + 1);
  w[1] = near(t);
  float u = 1 - t;
  w[2] = near(u);
  w[3] = far(u + 1);
}

}  // namespace

Image resize_pil(const Image& img, int out_h, int out_w, Interp interp) {
  check_resize(img, out_h, out_w, "resize (PIL)");
  AUTOST_CHECK(interp != Interp::Nearest, "resize (PIL): nearest is not supported; use bilinear or bicubic");
  Image cur = img;
  if (out_w != img.W) cur = pil_pass(cur, cur.H, out_w, true, interp);
  if (out_h != img.H) cur = pil_pass(cur, out_h, out_w, false, interp);
  return cur;
}

Image resize_torch(const Image& img, int out_h, int out_w, Interp interp) {
  check_resize(img, out_h, out_w, "resize (torch)");
  Image out = img.like(out_h, out_w);
  const float sh = static_cast<float>(img.H) / out_h, sw = static_cast<float>(img.W) / out_w;
  auto clampi = [](int v, int n) { return std::clamp(v, 0, n - 1); };
  for (int c = 0; c < img.C; ++c)
    for (int y = 0; y < out_h; ++y)
      for (int x = 0; x < out_w; ++x) {
        float v = 0;
        if (interp == Interp::Nearest) {
          int sy = std::min(static_cast<int>(std::floor(y * sh)), img.H - 1);
          int sx = std::min(static_cast<int>(std::floor(x * sw)), img.W - 1);
          v = img.at(c, sy, sx);
        } else if (interp == Interp::Bilinear) {
          float ry = std::max(sh * (y + 0.5f) - 0.5f, 0.f), rx = std::max(sw * (x + 0.5f) - 0.5f, 0.f);
          int y0 = static_cast<int>(ry), x0 = static_cast<int>(rx);
          int y1 = y0 + (y0 < img.H - 1 ? 1 : 0), x1 = x0 + (x0 < img.W - 1 ? 1 : 0);
          float ly = ry - y0, lx = rx - x0;
          v = (1 - ly) * ((1 - lx) * img.at(c, y0, x0) + lx * img.at(c, y0, x1)) +
              ly * ((1 - lx) * img.at(c, y1, x0) + lx * img.at(c, y1, x1));
        } else {
          float ry = sh * (y + 0.5f) - 0.5f, rx = sw * (x + 0.5f) - 0.5f;
          int iy = static_cast<int>(std::floor(ry)), ix = static_cast<int>(std::floor(rx));
          float wy[4], wx[4];
          torch_cubic_weights(ry - iy, wy);
          torch_cubic_weights(rx - ix, wx);
          float rows[4];
          for (int i = 0; i < 4; ++i) {
            int sy = clampi(iy - 1 + i, img.H);
              const float* r = img.plane(c) + static_cast<int64_t>(sy) * img.W;
            rows[i] = r[clampi(ix - 1, img.W)] * wx[0] + r[clampi(ix, img.W)] * wx[1] +
                      r[clampi(ix + 1, img.W)] * wx[2] + r[clampi(ix + 2, img.W)] * wx[3];
          }
          v = rows[0] * wy[0] + rows[1] * wy[1] + rows[2] * wy[2] + rows[3] * wy[3];
        }
        out.at(c, y, x) = v;
      }
  return out;
}

std::pair<int, int> shorter_side_size(int H, int W, int size) {
  AUTOST_CHECK(H > 0 && W > 0 && size > 0, "resize: bad sizes ", H, "x", W, " -> ", size);
  if (H <= W) return {size, static_cast<int>(static_cast<int64_t>(size) * W / H)};
  return {static_cast<int>(static_cast<int64_t>(size) * H / W), size};
}

SampleTransform resize_transform(int out_h, int out_w, Interp interp) {
  return [=](Image& img, Rng&) { img = resize_pil(img, out_h, out_w, interp); };
}

SampleTransform resize_shorter_transform(int size, Interp interp) {
  return [=](Image& img, Rng&) {
    auto [h, w] = shorter_side_size(img.H, img.W, size);
    img = resize_pil(img, h, w, interp);
  };
}

}  // namespace autost::data
