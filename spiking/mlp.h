#pragma once
// The spiking MLP on tokens [T*B*N, D] -> [T*B*N, D] with hidden width int(D * r):
//   Spikformer: LIF(BN(fc1(x))) -> LIF(BN(fc2(.)))          (post-activation)
//   AutoST:     BN(fc1(PLIF(x))) -> BN(fc2(PLIF(.)))       (pre-activation, no output neuron)
// fc1/fc2 are Linear (cifar), Conv1d k=1 (dvs) or Conv2d 1x1 with BatchNorm2d (imagenet).
#include <memory>

#include "spiking/arch.h"
#include "spiking/token_layers.h"

namespace autost::spiking {

class MLP : public nn::Module {
 public:
  MLP(const ArchConfig& arch, int64_t hidden, Generator* gen, DType dtype);
  Tensor forward(const Tensor& x) override;
  int64_t hidden;

 private:
  bool pre_activation_;
  int64_t T_;
  std::shared_ptr<TokenLinear> fc1_, fc2_;
  std::shared_ptr<nn::Module> fc1_bn_, fc2_bn_;
  std::shared_ptr<SpikingNode> fc1_lif_, fc2_lif_;
};

}  // namespace autost::spiking
