#include "data/transforms/warp.h"

#include <cmath>

#include "data/transforms/flip.h"
#include "tensor/error.h"

namespace autost::data {

namespace {

constexpr double kPi = 3.14159265358979323846;

double python_mod360(double degrees) {
  double a = std::fmod(degrees, 360.0);
  return a < 0 ? a + 360.0 : a;
}

int pil_floor(double v) { return v < 0.0 ? static_cast<int>(std::floor(v)) : static_cast<int>(v); }

// PIL's cubic convolution in Geometry.c (a = -1) through 4 samples at fraction d.
double pil_cubic(double v1, double v2, double v3, double v4, double d) {
  double p1 = v2, p2 = -v1 + v3, p3 = 2 * (v1 - v2) + v3 - v4, p4 = -v1 + v2 - v3 + v4;
  return p1 + d * (p2 + d * (p3 + d * p4));
}

// Returns false when (u, v) is outside the image (the caller writes the fill colour).
bool pil_sample(const Image& img, int c, double u, double v, Interp interp, float* out) {
  if (interp == Interp::Nearest) {
    int x = u < 0.0 ? -1 : static_cast<int>(u), y = v < 0.0 ? -1 : static_cast<int>(v);
    if (x < 0 || x >= img.W || y < 0 || y >= img.H) return false;
    *out = img.at(c, y, x);
    return true;
  }
  if (u < 0.0 || u >= img.W || v < 0.0 || v >= img.H) return false;
  u -= 0.5;
  v -= 0.5;
  int x = pil_floor(u), y = pil_floor(v);
  double dx = u - x, dy = v - y;
  auto cx = [&](int i) { return i < 0 ? 0 : (i < img.W ? i : img.W - 1); };
  auto cy = [&](int i) { return i < 0 ? 0 : (i < img.H ? i : img.H - 1); };
  const float* p = img.plane(c);
  auto at = [&](int yy, int xx) { return static_cast<double>(p[static_cast<int64_t>(cy(yy)) * img.W + cx(xx)]); };
  double r;
  if (interp == Interp::Bilinear) {
    double top = at(y, x) + (at(y, x + 1) - at(y, x)) * dx;
    double bottom = at(y + 1, x) + (at(y + 1, x + 1) - at(y + 1, x)) * dx;
    r = top + (bottom - top) * dy;
  } else {
    double rows[4];
    for (int i = 0; i < 4; ++i)
      rows[i] = pil_cubic(at(y - 1 + i, x - 1), at(y - 1 + i, x), at(y - 1 + i, x + 1), at(y - 1 + i, x + 2), dx);
    r = pil_cubic(rows[0], rows[1], rows[2], rows[3], dy);
  }
  *out = truncate_to_uint8(r);
  return true;
}

}  // namespace

Image warp_affine_pil(const Image& img, const AffineCoeffs& a, Interp interp, const std::vector<float>& fill) {
  AUTOST_CHECK(img.numel() > 0, "affine warp: empty image");
  Image out = img.like(img.H, img.W);
  for (int c = 0; c < img.C; ++c) {
    float f = fill_for_channel(fill, c, img.C);
    for (int y = 0; y < img.H; ++y)
      for (int x = 0; x < img.W; ++x) {
        double X = x + 0.5, Y = y + 0.5;
        double u = a[0] * X + a[1] * Y + a[2], v = a[3] * X + a[4] * Y + a[5];
        float value;
        out.at(c, y, x) = pil_sample(img, c, u, v, interp, &value) ? value : f;
      }
  }
  return out;
}

AffineCoeffs pil_rotate_coeffs(int W, int H, double degrees) {
  // Image.rotate: rounds the matrix to 15 decimals, rotates about the centre (no expand).
  // PIL reduces the angle mod 360 before taking cos and sin.
  auto round15 = [](double v) { return std::nearbyint(v * 1e15) / 1e15; };
  double angle = -(python_mod360(degrees) * (kPi / 180.0));
  AffineCoeffs m = {round15(std::cos(angle)), round15(std::sin(angle)), 0.0,
                    round15(-std::sin(angle)), round15(std::cos(angle)), 0.0};
  double cx = W / 2.0, cy = H / 2.0;
  m[2] = m[0] * -cx + m[1] * -cy + m[2] + cx;
  m[5] = m[3] * -cx + m[4] * -cy + m[5] + cy;
  return m;
}

AffineCoeffs pil_shear_x_coeffs(double f) { return {1, f, 0, 0, 1, 0}; }
AffineCoeffs pil_shear_y_coeffs(double f) { return {1, 0, 0, f, 1, 0}; }
AffineCoeffs pil_translate_coeffs(double dx, double dy) { return {1, 0, dx, 0, 1, dy}; }

Image pil_rotate(const Image& img, double degrees, Interp interp, const std::vector<float>& fill) {
  double a = python_mod360(degrees);
  if (a == 0.0) return img;
  if (a == 180.0) {
    Image out = img;
    hflip(out);
    for (int c = 0; c < out.C; ++c)
      for (int y = 0; y < out.H / 2; ++y)
        for (int x = 0; x < out.W; ++x) std::swap(out.at(c, y, x), out.at(c, out.H - 1 - y, x));
    return out;
  }
  if ((a == 90.0 || a == 270.0) && img.W == img.H) {
    Image out = img.like(img.H, img.W);
    int n = img.W;
    for (int c = 0; c < img.C; ++c)
      for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x)  // counter-clockwise 90: out(y, x) = in(x, n-1-y)
          out.at(c, y, x) = a == 90.0 ? img.at(c, x, n - 1 - y) : img.at(c, n - 1 - x, y);
    return out;
  }
  return warp_affine_pil(img, pil_rotate_coeffs(img.W, img.H, degrees), interp, fill);
}

AffineCoeffs torchvision_inverse_affine(double angle, double tx, double ty, double scale, double shear_x,
                                        double shear_y, double cx, double cy) {
  AUTOST_CHECK(scale > 0, "affine: scale ", scale, " must be positive");
  constexpr double kRadiansPerDegree = kPi / 180.0;  // math.radians
  double rot = angle * kRadiansPerDegree, sx = shear_x * kRadiansPerDegree, sy = shear_y * kRadiansPerDegree;
  double a = std::cos(rot - sy) / std::cos(sy);
  double b = -std::cos(rot - sy) * std::tan(sx) / std::cos(sy) - std::sin(rot);
  double c = std::sin(rot - sy) / std::cos(sy);
  double d = -std::sin(rot - sy) * std::tan(sx) / std::cos(sy) + std::cos(rot);
  AffineCoeffs m = {d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0};
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

Image warp_affine_torch(const Image& img, const AffineCoeffs& m, Interp interp,
                        const std::optional<std::vector<float>>& fill) {
  AUTOST_CHECK(img.numel() > 0, "affine warp: empty image");
  AUTOST_CHECK(interp != Interp::Bicubic, "affine warp (torch): tensors support nearest and bilinear only");
  Image out = img.like(img.H, img.W);
  const int W = img.W, H = img.H;
  // torchvision's _gen_affine_grid: theta^T divided by (W/2, H/2), applied to centred pixel centres.
  const float hw = 0.5f * W, hh = 0.5f * H;
  const float t00 = static_cast<float>(m[0]) / hw, t10 = static_cast<float>(m[1]) / hw,
              t20 = static_cast<float>(m[2]) / hw;
  const float t01 = static_cast<float>(m[3]) / hh, t11 = static_cast<float>(m[4]) / hh,
              t21 = static_cast<float>(m[5]) / hh;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      float bx = -W * 0.5f + 0.5f + x, by = -H * 0.5f + 0.5f + y;
      float gx = bx * t00 + by * t10 + t20, gy = bx * t01 + by * t11 + t21;
      // grid_sample's unnormalisation for align_corners = False.
      float ix = ((gx + 1.f) * W - 1.f) / 2.f, iy = ((gy + 1.f) * H - 1.f) / 2.f;
      for (int c = 0; c < img.C; ++c) {
        float v, coverage;
        if (interp == Interp::Nearest) {
          int nx = static_cast<int>(std::nearbyint(ix)), ny = static_cast<int>(std::nearbyint(iy));
          bool in = nx >= 0 && nx < W && ny >= 0 && ny < H;
          v = in ? img.at(c, ny, nx) : 0.f;
          coverage = in ? 1.f : 0.f;
        } else {
          int x0 = static_cast<int>(std::floor(ix)), y0 = static_cast<int>(std::floor(iy));
          float fx = ix - x0, fy = iy - y0;
          v = 0.f;
          coverage = 0.f;
          const float w[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
          const int xs[4] = {x0, x0 + 1, x0, x0 + 1}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
          for (int k = 0; k < 4; ++k)
            if (xs[k] >= 0 && xs[k] < W && ys[k] >= 0 && ys[k] < H) {
              v += img.at(c, ys[k], xs[k]) * w[k];
              coverage += w[k];
            }
        }
        if (fill) {
          float f = fill_for_channel(*fill, c, img.C);
          if (interp == Interp::Nearest)
            v = coverage < 0.5f ? f : v;
          else
            v = v * coverage + (1.f - coverage) * f;
        }
        out.at(c, y, x) = v;
      }
    }
  return out;
}

Image torch_affine(const Image& img, double angle, double tx, double ty, double scale, double shear_x, double shear_y,
                   Interp interp, const std::optional<std::vector<float>>& fill) {
  return warp_affine_torch(img, torchvision_inverse_affine(angle, tx, ty, scale, shear_x, shear_y), interp, fill);
}

Image torch_rotate(const Image& img, double degrees, Interp interp, const std::optional<std::vector<float>>& fill) {
  // F.rotate is counter-clockwise; it passes -angle to the affine matrix.
  return warp_affine_torch(img, torchvision_inverse_affine(-degrees, 0, 0, 1, 0, 0), interp, fill);
}

}  // namespace autost::data
