#pragma once
// One encoder block: x <- x + SSA(x), then x <- x + MLP(x) (SPEC.md §2.1, §2.4). No DropPath is
// applied (the official models never apply one). Spikformer's block also owns norm1 and norm2,
// LayerNorms the official code constructs and never calls: they exist so that parameter counts and
// state dicts match.
#include <memory>

#include "nn/layers/norm.h"
#include "spiking/attention.h"
#include "spiking/mlp.h"

namespace autost::spiking {

class Block : public nn::Module {
 public:
  Block(const ArchConfig& arch, int64_t layer, Generator* gen, DType dtype);
  Tensor forward_tokens(const Tensor& x, int64_t n_tokens);  // [T*B*N, D] -> same
  std::shared_ptr<SSA> attn;
  std::shared_ptr<MLP> mlp;
};

}  // namespace autost::spiking
