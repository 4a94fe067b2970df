#include "spiking/block.h"

#include "autograd/ops.h"

namespace autost::spiking {

Block::Block(const ArchConfig& a, int64_t layer, Generator* gen, DType dtype) : Module("Block") {
  const bool spikformer = a.model == ModelKind::Spikformer;
  // The DVS and ImageNet models pass norm_layer = LayerNorm(eps = 1e-6); CIFAR keeps torch's 1e-5.
  const double ln_eps = a.variant == Variant::Cifar ? 1e-5 : 1e-6;
  if (spikformer) register_module("norm1", std::make_shared<nn::LayerNorm>(a.embed_dim, ln_eps, true, dtype));
  attn = register_module("attn", std::make_shared<SSA>(a, a.num_heads.at(static_cast<size_t>(layer)), gen, dtype));
  if (spikformer) register_module("norm2", std::make_shared<nn::LayerNorm>(a.embed_dim, ln_eps, true, dtype));
  mlp = register_module("mlp", std::make_shared<MLP>(a, a.hidden(layer), gen, dtype));
}

Tensor Block::forward_tokens(const Tensor& x, int64_t n_tokens) {
  Tensor y = add(x, attn->forward_tokens(x, n_tokens));
  return add(y, (*mlp)(y));
}

}  // namespace autost::spiking
