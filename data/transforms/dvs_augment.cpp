#include "data/transforms/dvs_augment.h"

#include <cmath>

#include "data/transforms/erasing.h"
#include "data/transforms/warp.h"
#include "tensor/error.h"

namespace autost::data {

const char* dvs_op_name(DvsOp op) {
  static const char* names[] = {"Identity", "ShearX", "TranslateX", "TranslateY", "Rotate", "Cutout"};
  return names[static_cast<int>(op)];
}

std::vector<float> torch_linspace(float start, float end, int steps) {
  AUTOST_CHECK(steps >= 1, "linspace: steps ", steps, " < 1");
  std::vector<float> v(steps, start);
  if (steps == 1) return v;
  const float step = (end - start) / static_cast<float>(steps - 1);
  const int halfway = steps / 2;
  // torch 1.13's CPU kernel (AVX2 build): blocks of 16 values as two 8-lane vectors
  // base + j·step, whose base counts up from start (first half) or down from end; the remaining
  // values one at a time, where the compiler fused the multiply-add. The float results differ from
  // the plain formula by an ulp here and there, enough to move int() of a translation grid entry
  // (e.g. -1.9999999 -> -1), so the grid is reproduced as torch made it.
  const int vectorised = steps / 16 * 16;
  for (int i = 0; i < vectorised; i += 8) {
    float base = i < halfway ? start + step * static_cast<float>(i)
                             : end - step * static_cast<float>(steps - i - 1);
    for (int j = 0; j < 8; ++j) v[i + j] = base + static_cast<float>(j) * step;
  }
  for (int i = vectorised; i < steps; ++i)
    v[i] = i < halfway ? std::fma(step, static_cast<float>(i), start)
                       : std::fma(-step, static_cast<float>(steps - i - 1), end);
  return v;
}

std::vector<float> snn_augment_grid(DvsOp op) {
  constexpr int kBins = 31;
  switch (op) {
    case DvsOp::Identity: return {};
    case DvsOp::ShearX: return torch_linspace(-0.3f, 0.3f, kBins);
    case DvsOp::TranslateX:
    case DvsOp::TranslateY: return torch_linspace(-5.f, 5.f, kBins);
    case DvsOp::Rotate: return torch_linspace(-30.f, 30.f, kBins);
    case DvsOp::Cutout: return torch_linspace(1.f, 30.f, kBins);
  }
  return {};
}

void apply_dvs_op(Image& clip, DvsOp op, double m, Rng& rng) {
  constexpr double kDegreesPerRadian = 180.0 / 3.14159265358979323846;  // math.degrees
  switch (op) {
    case DvsOp::Identity: break;
    case DvsOp::ShearX: clip = torch_affine(clip, 0, 0, 0, 1, m * kDegreesPerRadian, 0, Interp::Nearest); break;
    case DvsOp::TranslateX: clip = torch_affine(clip, 0, std::trunc(m), 0, 1, 0, 0, Interp::Nearest); break;
    case DvsOp::TranslateY: clip = torch_affine(clip, 0, 0, std::trunc(m), 1, 0, 0, Interp::Nearest); break;
    case DvsOp::Rotate: clip = torch_rotate(clip, m, Interp::Nearest); break;
    case DvsOp::Cutout: torchvision_erase(clip, 1.0, {0.001, 0.11}, {1.0, 1.0}, 0.f, rng); break;
  }
}

void snn_augment_wide(Image& clip, Rng& rng) {
  DvsOp op = static_cast<DvsOp>(rng.randint(0, 5));
  std::vector<float> grid = snn_augment_grid(op);
  double m = 0.0;
  if (!grid.empty()) {
    m = grid[rng.randint(0, static_cast<int64_t>(grid.size()) - 1)];
    if (rng.bernoulli(0.5)) m = -m;
  }
  apply_dvs_op(clip, op, m, rng);
}

SampleTransform snn_augment_wide_transform() {
  return [](Image& clip, Rng& rng) { snn_augment_wide(clip, rng); };
}

}  // namespace autost::data
