#pragma once
// BatchNorm (training mode) followed by a LIF/PLIF layer, as one differentiable op. Apart, the two
// keep two float tensors per element for backward: BatchNorm its input, the neuron its charged
// potential H. Fused, the op keeps the input and the spike bytes only; backward recomputes the
// normalised values (batch_norm_apply, bit for bit the forward's) and H (the neuron's forward
// recursion over them), then runs the two backward kernels. Every Conv/Linear -> BN -> LIF chain
// of the models goes through here, which is most of a training step's saved memory.
#include "kernels/neuron.h"
#include "nn/module.h"

namespace autost::spiking {

struct BatchNormFireArgs {
  Tensor weight, bias;               // affine parameters (either may be undefined)
  Tensor running_mean, running_var;  // updated in place as by batch_norm (may be undefined)
  double momentum = 0.1, eps = 1e-5;
  Tensor plif_w;      // PLIF's 0-D decay parameter, or undefined for LIF (decay 1 / tau)
  double tau = 2.0;
  kernels::NeuronParams neuron;
  int64_t T = 1;      // x's leading extent is T * (something): the neuron sees x as [T, -1]
};

// Spikes of neuron(batch_norm(x, training = true)), x [N, C, *] with N a multiple of T; the same
// values as the two ops applied one after the other.
Tensor batch_norm_fire(const Tensor& x, const BatchNormFireArgs& a);

// bn then neuron as the models apply them (x: tokens [rows, C] or images [N, C, H, W]). Fused
// where bn is a plain nn::BatchNorm in training, neuron a SpikingNode, autograd is recording and no
// forward hook is installed (an instrumented forward sees both modules); otherwise the two calls.
Tensor normalise_and_fire(nn::Module& bn, nn::Module& neuron, const Tensor& x, int64_t T);

}  // namespace autost::spiking
