// Autograd wrappers of the fused neuron kernels. Forward saves only the uint8 spikes and H; the
// backward recomputes V[t-1] from them (kernels/math/neuron.h).
#include "spiking/neuron.h"

#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/ops.h"
#include "tensor/error.h"

namespace autost::spiking {
namespace {

class NeuronBackward : public Node {
 public:
  NeuronBackward(Tensor mask, Tensor h, Tensor w, double tau, kernels::NeuronParams p)
      : mask_(std::move(mask)), h_(std::move(h)), w_(std::move(w)), tau_(tau), p_(p) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    if (!g[0].defined()) return std::vector<Tensor>(next_edges.size());
    bool need_w = w_.defined() && wants_grad(*this, 1);
    kernels::NeuronBackwardResult r = kernels::neuron_backward(g[0], mask_, h_, tau_, w_, p_, need_w);
    std::vector<Tensor> out{wants_grad(*this, 0) ? r.gx : Tensor()};
    if (w_.defined()) out.push_back(r.gw);
    return out;
  }
  std::string name() const override { return w_.defined() ? "plif_backward" : "lif_backward"; }
  void release_saved() override { mask_ = h_ = w_ = Tensor(); }

 private:
  Tensor mask_, h_, w_;
  double tau_;
  kernels::NeuronParams p_;
};

Tensor run(const Tensor& x, const Tensor& w, double tau, const NeuronOptions& o) {
  kernels::NeuronParams p = neuron_params(o);
  std::vector<Tensor> inputs{x};
  if (w.defined()) inputs.push_back(w);
  bool grad = needs_grad(inputs);
  kernels::NeuronForwardResult r = kernels::neuron_forward(x, tau, w.defined() ? saved(w) : w, p, grad);
  if (grad) {
    set_history(r.spikes, make_node<NeuronBackward>(inputs, r.mask, r.h, w.defined() ? saved(w) : Tensor(), tau, p));
    r.spikes.storage()->set_byte_shadow(r.mask.storage());  // the ops reading the spikes may keep bytes
  }
  return r.spikes;
}

}  // namespace

kernels::NeuronParams neuron_params(const NeuronOptions& o) {
  kernels::NeuronParams p;
  p.v_threshold = o.v_threshold;
  p.v_reset = o.v_reset;
  p.decay_input = o.decay_input;
  p.detach_reset = o.detach_reset;
  p.surrogate = o.surrogate;
  p.alpha = o.alpha.value_or(o.surrogate == SurrogateKind::ATan ? 2.0 : 4.0);
  return p;
}

Tensor lif(const Tensor& x, const NeuronOptions& options) { return run(x, Tensor(), options.tau, options); }

Tensor plif(const Tensor& x, const Tensor& w, const NeuronOptions& options) {
  AUTOST_CHECK(w.defined(), "plif: w is undefined");
  return run(x, w, 2.0, options);
}

double SpikingNode::last_firing_rate() const {
  return rate_.defined() ? rate_.item() : std::numeric_limits<double>::quiet_NaN();
}

Tensor SpikingNode::record(const Tensor& spikes) {
  NoGradGuard no_grad;
  rate_ = spikes.numel() ? kernels::mean(spikes, {}, false) : Tensor();
  return spikes;
}

PLIFNode::PLIFNode(NeuronOptions options, DType dtype) : SpikingNode("PLIFNode", options) {
  AUTOST_CHECK(options.tau > 1.0, "PLIFNode: init_tau must be > 1, got ", options.tau);
  w = register_parameter("w", full({}, -std::log(options.tau - 1.0), TensorOptions(dtype)));
}

}  // namespace autost::spiking
