#pragma once
// Multi-step LIF and PLIF neurons (SPEC.md §1) over [T, ...] inputs: differentiable functions backed
// by one fused kernel each way, and the modules models are built from. Every call starts from
// V = V_reset, so no state leaks across batches.
#include <optional>

#include "kernels/neuron.h"
#include "nn/module.h"

namespace autost::spiking {

using kernels::SurrogateKind;

struct NeuronOptions {
  double tau = 2.0;  // LIF: the decay constant; PLIF: init_tau
  double v_threshold = 1.0;
  std::optional<double> v_reset = 0.0;  // nullopt: soft reset
  bool decay_input = true;
  bool detach_reset = true;
  SurrogateKind surrogate = SurrogateKind::Sigmoid;
  std::optional<double> alpha;  // default: 4 for Sigmoid, 2 for ATan (SpikingJelly's)
};

kernels::NeuronParams neuron_params(const NeuronOptions& o);

// Spikes (0/1, x's dtype) of a LIF layer with decay 1/tau.
Tensor lif(const Tensor& x, const NeuronOptions& options = {});
// Spikes of a PLIF layer with decay sigmoid(w); w is a 0-D tensor and receives a gradient.
Tensor plif(const Tensor& x, const Tensor& w, const NeuronOptions& options = {});

// Records the mean firing rate of its last forward (read back lazily: no device sync in forward).
class SpikingNode : public nn::Module {
 public:
  SpikingNode(std::string type_name, NeuronOptions options) : Module(std::move(type_name)), options_(options) {}
  double last_firing_rate() const;  // NaN before the first forward
  const NeuronOptions& options() const { return options_; }
  // PLIF's decay parameter w; undefined for LIF (decay 1 / tau).
  virtual Tensor decay_weight() const { return Tensor(); }
  // Remembers the rate of spikes this layer fired; public for the fused BatchNorm + neuron op
  // (spiking/bn_fire.h), which fires on the layer's behalf. Returns spikes.
  Tensor record(const Tensor& spikes);

 protected:
  NeuronOptions options_;

 private:
  Tensor rate_;
};

class LIFNode : public SpikingNode {
 public:
  explicit LIFNode(NeuronOptions options = {}) : SpikingNode("LIFNode", options) {}
  Tensor forward(const Tensor& x) override { return record(lif(x, options_)); }
};

// Registers the 0-D parameter "w" = -ln(init_tau - 1) (0 for the default init_tau = 2).
class PLIFNode : public SpikingNode {
 public:
  explicit PLIFNode(NeuronOptions options = {}, DType dtype = kFloat32);
  Tensor forward(const Tensor& x) override { return record(plif(x, w, options_)); }
  Tensor decay_weight() const override { return w; }
  Tensor w;
};

}  // namespace autost::spiking
