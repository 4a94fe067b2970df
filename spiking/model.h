#pragma once
// The two model families of SPEC.md §2 built from an ArchConfig: Spikformer (cifar, dvs and
// imagenet variants; LIF, post-activation) and AutoST (cifar; PLIF, pre-activation). Module and
// state-dict names equal the official PyTorch models' (patch_embed.proj_conv.weight,
// block.0.attn.q_linear.weight, head.bias, ...), so converted official checkpoints load as they are.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"
#include "spiking/arch.h"
#include "tensor/random.h"

namespace autost::spiking {

class SpikingModel : public nn::Module {
 public:
  SpikingModel(std::string type_name, ArchConfig arch) : Module(std::move(type_name)), arch_(std::move(arch)) {}
  const ArchConfig& arch() const { return arch_; }
  // Static images [B, C, H, W] are repeated T times (direct encoding); the dvs variant takes frames
  // [B, T, C, H, W] and permutes them to [T, B, ...]. Returns logits [B, classes].
  Tensor forward(const Tensor& x) override = 0;
  // Every neuron layer's mean firing rate in the last forward, under its state-dict path
  // ("patch_embed.proj_lif", "block.0.attn.q_lif", ...), in module order.
  std::vector<std::pair<std::string, double>> firing_rates();

 protected:
  ArchConfig arch_;
};

// Builds and initialises (SPEC.md §2.6) the model arch describes; arch.validate() runs first.
// gen draws the initial weights (the default generator when null).
std::shared_ptr<SpikingModel> build_model(const ArchConfig& arch, Generator* gen = nullptr, DType dtype = kFloat32);

}  // namespace autost::spiking
