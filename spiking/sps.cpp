#include "spiking/sps.h"

#include <string>

#include "autograd/ops.h"
#include "spiking/bn_fire.h"

namespace autost::spiking {

SPS::SPS(const ArchConfig& a, Generator* gen, DType dtype) : Module("SPS"), T_(a.T) {
  const bool autost = a.model == ModelKind::AutoST, cifar = a.variant == Variant::Cifar;
  const int64_t D = a.embed_dim;
  const int64_t widths[5] = {a.in_channels, D / 8, D / 4, D / 2, D};
  // Registration order follows the official __init__, so state dicts list keys in the same order.
  for (int i = 0; i < 4; ++i) {
    const std::string suffix = i == 0 ? "" : std::to_string(i);
    Stage s;
    s.conv = register_module("proj_conv" + suffix, std::make_shared<nn::Conv2d>(
                                                       widths[i], widths[i + 1], std::array<int64_t, 2>{3, 3},
                                                       std::array<int64_t, 2>{1, 1}, std::array<int64_t, 2>{1, 1},
                                                       std::array<int64_t, 2>{1, 1}, false, gen, dtype));
    s.bn = register_module("proj_bn" + suffix, std::make_shared<nn::BatchNorm2d>(widths[i + 1], 1e-5, 0.1, true,
                                                                                 true, dtype));
    if (!(autost && i == 3)) s.lif = register_module("proj_lif" + suffix, make_neuron(autost, 1.0, dtype));
    if (!cifar || i >= 2) {
      // The official DVS/ImageNet stems name the first pool "maxpool" (no suffix).
      s.pool = register_module("maxpool" + suffix, std::make_shared<nn::MaxPool2d>(
                                                       std::array<int64_t, 2>{3, 3}, std::array<int64_t, 2>{2, 2},
                                                       std::array<int64_t, 2>{1, 1}));
    }
    stages_.push_back(s);
  }
  rpe_conv_ = register_module("rpe_conv", std::make_shared<nn::Conv2d>(D, D, std::array<int64_t, 2>{3, 3},
                                                                        std::array<int64_t, 2>{1, 1},
                                                                        std::array<int64_t, 2>{1, 1},
                                                                        std::array<int64_t, 2>{1, 1}, false, gen,
                                                                        dtype));
  rpe_bn_ = register_module("rpe_bn", std::make_shared<nn::BatchNorm2d>(D, 1e-5, 0.1, true, true, dtype));
  if (!autost) rpe_lif_ = register_module("rpe_lif", make_neuron(false, 1.0, dtype));
}

Tensor SPS::forward(const Tensor& input) {
  AUTOST_CHECK(input.dim() == 4, "SPS: expected [T*B, C, H, W], got ", input.shape());
  Tensor x = input;
  for (Stage& s : stages_) {
    x = (*s.conv)(x);
    x = s.lif ? normalise_and_fire(*s.bn, *s.lif, x, T_) : (*s.bn)(x);
    if (s.pool) x = (*s.pool)(x);
  }
  // x is the feature map after the last stage (spikes, or AutoST's real values); the rpe branch
  // reads it and its result is added to it.
  Tensor rpe = (*rpe_conv_)(x);
  rpe = rpe_lif_ ? normalise_and_fire(*rpe_bn_, *rpe_lif_, rpe, T_) : (*rpe_bn_)(rpe);
  Tensor y = add(x, rpe);  // [T*B, D, h, w]
  const int64_t TB = y.size(0), D = y.size(1), N = y.size(2) * y.size(3);
  return y.view({TB, D, N}).transpose(1, 2).contiguous().view({TB * N, D});
}

}  // namespace autost::spiking
