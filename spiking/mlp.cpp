#include "spiking/mlp.h"

#include "spiking/bn_fire.h"

namespace autost::spiking {

MLP::MLP(const ArchConfig& a, int64_t hid, Generator* gen, DType dtype)
    : Module("MLP"), hidden(hid), pre_activation_(a.model == ModelKind::AutoST), T_(a.T) {
  const int64_t D = a.embed_dim;
  PointwiseKind kind = PointwiseKind::Linear;
  std::string lin = "_linear";
  if (a.variant == Variant::Dvs) kind = PointwiseKind::Conv1d, lin = "_conv";
  if (a.variant == Variant::ImageNet) kind = PointwiseKind::Conv2d, lin = "_conv";
  const bool bn2d = a.variant == Variant::ImageNet;
  fc1_ = register_module("fc1" + lin, std::make_shared<TokenLinear>(kind, D, hid, true, gen, dtype));
  fc1_bn_ = register_module("fc1_bn", token_batch_norm(hid, bn2d, dtype));
  fc1_lif_ = register_module("fc1_lif", make_neuron(pre_activation_, 1.0, dtype));
  fc2_ = register_module("fc2" + lin, std::make_shared<TokenLinear>(kind, hid, D, true, gen, dtype));
  fc2_bn_ = register_module("fc2_bn", token_batch_norm(D, bn2d, dtype));
  fc2_lif_ = register_module("fc2_lif", make_neuron(pre_activation_, 1.0, dtype));
}

Tensor MLP::forward(const Tensor& x) {
  if (pre_activation_) {
    Tensor s = normalise_and_fire(*fc1_bn_, *fc2_lif_, (*fc1_)(fire(*fc1_lif_, x, T_)), T_);
    return apply_token_batch_norm(*fc2_bn_, (*fc2_)(s));
  }
  Tensor s = normalise_and_fire(*fc1_bn_, *fc1_lif_, (*fc1_)(x), T_);
  return normalise_and_fire(*fc2_bn_, *fc2_lif_, (*fc2_)(s), T_);
}

}  // namespace autost::spiking
