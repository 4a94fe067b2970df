#pragma once
// Fused multi-step LIF / PLIF neurons over inputs laid out [T, ...] (SPEC.md §1): one kernel runs
// every time step of a neuron, forward and backward. State starts at V = V_reset (0 for soft reset)
// on every call. The decay k is 1/tau, or sigmoid(w) read from a 0-D tensor on the input's device
// (no host round trip for PLIF).
#include <optional>

#include "tensor/tensor.h"

namespace autost::kernels {

enum class SurrogateKind { Sigmoid, ATan };

struct NeuronParams {
  double v_threshold = 1.0;
  std::optional<double> v_reset = 0.0;  // nullopt: soft reset (V -= V_th S)
  bool decay_input = true;
  bool detach_reset = true;
  SurrogateKind surrogate = SurrogateKind::Sigmoid;
  double alpha = 4.0;
};

struct NeuronForwardResult {
  Tensor spikes;  // [T, ...], the input's dtype, exactly 0 or 1
  Tensor mask;    // uint8 copy of the spikes, for backward (undefined unless save)
  Tensor h;       // [T, ...] charged potential before firing (undefined unless save)
};

// Which of the three outputs a forward writes. The fused BatchNorm + neuron op needs spikes and
// mask in forward and only H when it recomputes for backward; nothing else is written or allocated.
struct NeuronOutputs {
  bool spikes = true, mask = false, h = false;
};

// x: [T, ...] with T >= 1. w: undefined (decay k = 1/tau) or a 0-D tensor of x's dtype and device.
// save: the mask and H that neuron_backward needs, besides the spikes.
NeuronForwardResult neuron_forward(const Tensor& x, double tau, const Tensor& w, const NeuronParams& p,
                                   bool save);
NeuronForwardResult neuron_forward(const Tensor& x, double tau, const Tensor& w, const NeuronParams& p,
                                   NeuronOutputs outputs);

struct NeuronBackwardResult {
  Tensor gx;  // [T, ...]
  Tensor gw;  // 0-D gradient of w (when w is defined and need_w), reduced in a fixed order
};

NeuronBackwardResult neuron_backward(const Tensor& grad_spikes, const Tensor& mask, const Tensor& h, double tau,
                                     const Tensor& w, const NeuronParams& p, bool need_w);

}  // namespace autost::kernels
