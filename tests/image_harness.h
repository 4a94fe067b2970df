#pragma once
// Helpers for the transform tests: golden images from tests/fixtures/transforms (written by
// tests/reference/transforms.py) and a comparison that reports the first mismatch.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "data/transforms/image.h"
#include "tensor/npy.h"

namespace autost::test {

// A fixture array [C, H, W] or [T, c, H, W] (uint8 or float32) as an Image.
inline data::Image fixture_image(const std::string& name) {
  Tensor t = read_npy(std::string(AUTOST_FIXTURES_DIR) + "/transforms/" + name + ".npy");
  REQUIRE((t.dim() == 3 || t.dim() == 4));
  const bool clip = t.dim() == 4;
  const int C = static_cast<int>(clip ? t.size(0) * t.size(1) : t.size(0));
  std::vector<float> v = t.to_vector<float>();
  data::Image img = data::image_from_float(v.data(), C, static_cast<int>(t.size(-2)), static_cast<int>(t.size(-1)));
  img.frames = clip ? static_cast<int>(t.size(0)) : 0;
  return img;
}

// Empty when the images have the same size and |a - b| <= tol everywhere.
inline std::string image_diff(const data::Image& a, const data::Image& b, double tol = 0.0) {
  std::ostringstream os;
  if (a.C != b.C || a.H != b.H || a.W != b.W) {
    os << "size " << a.C << "x" << a.H << "x" << a.W << " vs expected " << b.C << "x" << b.H << "x" << b.W;
    return os.str();
  }
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < a.numel(); ++i)
    if (!(std::abs(a.px[i] - b.px[i]) <= tol)) {
      if (first < 0) first = i;
      ++bad;
    }
  if (bad == 0) return "";
  int64_t hw = static_cast<int64_t>(a.H) * a.W;
  os << bad << " of " << a.numel() << " values differ; first at (c " << first / hw << ", y " << (first % hw) / a.W
     << ", x " << first % a.W << "): " << a.px[first] << " vs expected " << b.px[first];
  return os.str();
}

#define CHECK_IMAGE(actual, expected, tol)                                          \
  do {                                                                              \
    std::string autost_msg_ = ::autost::test::image_diff((actual), (expected), (tol)); \
    CHECK_MESSAGE(autost_msg_.empty(), autost_msg_);                                \
  } while (0)

}  // namespace autost::test
