#pragma once
// Spiking self-attention (SPEC.md §2.1-2.4) on tokens [T*B*N, D]:
//   q, k, v = neuron(BN(pointwise(s))) with s = x (Spikformer) or PLIF(x) (AutoST's pre-activation);
//   y = (q k^T) v per head with no softmax, scaled by 0.125 (or 0.25 for the dvs variant, which the
//   official code applies after the product - the same number, see below); attn_lif (threshold 0.5);
//   out = BN(proj(y)), followed by proj_lif in Spikformer only.
#include <memory>

#include "spiking/arch.h"
#include "spiking/token_layers.h"

namespace autost::spiking {

class SSA : public nn::Module {
 public:
  SSA(const ArchConfig& arch, int64_t num_heads, Generator* gen, DType dtype);
  // x: [T*B*N, D]; n_tokens = N.
  Tensor forward_tokens(const Tensor& x, int64_t n_tokens);
  int64_t num_heads;
  double scale;

 private:
  Tensor project(TokenLinear& lin, nn::Module& bn, nn::Module& lif, const Tensor& s);
  int64_t T_;
  std::shared_ptr<TokenLinear> q_, k_, v_, proj_;
  std::shared_ptr<nn::Module> q_bn_, k_bn_, v_bn_, proj_bn_;
  std::shared_ptr<SpikingNode> q_lif_, k_lif_, v_lif_, attn_lif_, proj_lif_, pre_lif_;
};

// (q k^T) v for spike tensors q, k, v of shape [T*B, N, D] split into `heads` heads, times scale.
// Exposed for tests. Computed as q (k^T v) when that is cheaper (d < N): the attention has no
// softmax, so the two orders are the same product, and with 0/1 spikes and a power-of-two scale
// every intermediate is an integer well inside float32's exact range, so both orders give the same
// bits in the forward pass.
Tensor spiking_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads, double scale);

}  // namespace autost::spiking
