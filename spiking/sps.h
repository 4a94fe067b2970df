#pragma once
// Spiking patch splitting (SPEC.md §2.1-2.4): four 3x3 conv-BN-neuron stages widening to D/8, D/4,
// D/2, D with 3x3/2 max-pools, and a relative-position branch (rpe) added to the result.
//   cifar (Spikformer): pools after stages 2 and 3; rpe = LIF(BN(conv(x))) added to spikes.
//   dvs / imagenet:     pools after all four stages; otherwise as cifar.
//   AutoST:             cifar pools, PLIF; stage 3 and the rpe have no neuron (real-valued output).
// Input [T*B, C, H, W]; output tokens [T*B*N, D] (token-major, see token_layers.h).
#include <memory>
#include <vector>

#include "nn/layers/conv.h"
#include "nn/layers/norm.h"
#include "nn/layers/pool.h"
#include "spiking/arch.h"
#include "spiking/token_layers.h"

namespace autost::spiking {

class SPS : public nn::Module {
 public:
  SPS(const ArchConfig& arch, Generator* gen, DType dtype);
  Tensor forward(const Tensor& x) override;

 private:
  struct Stage {
    std::shared_ptr<nn::Conv2d> conv;
    std::shared_ptr<nn::BatchNorm2d> bn;
    std::shared_ptr<SpikingNode> lif;     // null for AutoST's stage 3
    std::shared_ptr<nn::MaxPool2d> pool;  // null where the variant does not pool
  };
  int64_t T_;
  std::vector<Stage> stages_;
  std::shared_ptr<nn::Conv2d> rpe_conv_;
  std::shared_ptr<nn::BatchNorm2d> rpe_bn_;
  std::shared_ptr<SpikingNode> rpe_lif_;  // null for AutoST
};

}  // namespace autost::spiking
