#pragma once
// The layers the transformer blocks apply to tokens. Internally every variant keeps tokens as a
// contiguous [T*B*N, D] matrix (T outermost), which is at once the GEMM's input, BatchNorm1d's
// [rows, C] layout (per-channel statistics over T*B*N, the same as the official BN over
// [T*B, C, N]) and a [T, B*N*D] view for the neurons - so no transposes between layers.
//
// The official DVS and ImageNet models use Conv1d/Conv2d with kernel 1 where CIFAR uses Linear; a
// TokenLinear keeps the official parameter shape ([out, in], [out, in, 1] or [out, in, 1, 1]),
// type name and initialisation so state dicts and op counts match, and computes the same product.
#include <memory>

#include "nn/module.h"
#include "spiking/neuron.h"
#include "tensor/random.h"

namespace autost::spiking {

enum class PointwiseKind { Linear, Conv1d, Conv2d };

class TokenLinear : public nn::Module {
 public:
  // Linear: timm's trunc_normal(std 0.02) weight, zero bias (SPEC.md §2.6). Conv: torch's default
  // kaiming-uniform weight and bias.
  TokenLinear(PointwiseKind kind, int64_t in, int64_t out, bool bias, Generator* gen, DType dtype);
  Tensor forward(const Tensor& x) override;  // [rows, in] -> [rows, out]
  PointwiseKind kind;
  int64_t in_features, out_features;
  Tensor weight, bias;
};

// BatchNorm over the channels of a [rows, C] token matrix. Official name and type: BatchNorm1d,
// or BatchNorm2d for the ImageNet MLP (run on a [rows, C, 1, 1] view; same statistics).
std::shared_ptr<nn::Module> token_batch_norm(int64_t channels, bool as_2d, DType dtype);
// What bn normalises for x: tokens [rows, C] viewed [rows, C, 1, 1] for a BatchNorm2d, else x.
Tensor batch_norm_input(const nn::Module& bn, const Tensor& x);
// bn over x (tokens, or images as they are), in x's shape.
Tensor apply_token_batch_norm(nn::Module& bn, const Tensor& x);

// A neuron layer for a model: LIF (tau 2) or PLIF (init_tau 2), detach_reset, sigmoid surrogate.
std::shared_ptr<SpikingNode> make_neuron(bool plif, double v_threshold, DType dtype);
// Runs a neuron layer over a tensor whose leading extent is T * (something): viewed as [T, -1],
// fired, and viewed back to x's shape.
Tensor fire(nn::Module& neuron, const Tensor& x, int64_t T);

}  // namespace autost::spiking
