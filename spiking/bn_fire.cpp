#include "spiking/bn_fire.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "kernels/ops.h"
#include "nn/layers/norm.h"
#include "spiking/neuron.h"
#include "spiking/token_layers.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::spiking {
namespace {

// Inputs: x, weight, bias, plif_w (any but x may be undefined).
class BatchNormFireBackward : public Node {
 public:
  BatchNormFireBackward(Tensor x, Tensor mean, Tensor invstd, Tensor mask, const BatchNormFireArgs& a)
      : x_(std::move(x)), mean_(std::move(mean)), invstd_(std::move(invstd)), mask_(std::move(mask)),
        weight_(saved(a.weight)), bias_(saved(a.bias)), plif_w_(saved(a.plif_w)),
        tau_(a.tau), p_(a.neuron) {}

  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    if (!g[0].defined()) return std::vector<Tensor>(next_edges.size());
    const Shape& steps = mask_.shape();  // [T, n]
    Tensor y = kernels::batch_norm_apply(x_, weight_, bias_, mean_, invstd_);
    const kernels::NeuronOutputs only_h{false, false, true};
    Tensor h = kernels::neuron_forward(raw_view(y, steps), tau_, plif_w_, p_, only_h).h;
    y = Tensor();
    const bool need_w = plif_w_.defined() && wants_grad(*this, 3);
    kernels::NeuronBackwardResult n =
        kernels::neuron_backward(raw_view(raw_contiguous(g[0]), steps), mask_, h, tau_, plif_w_, p_, need_w);
    h = Tensor();
    kernels::BatchNormGrads b =
        kernels::batch_norm_backward(raw_view(n.gx, x_.shape()), x_, weight_, mean_, invstd_, true);
    return {wants_grad(*this, 0) ? b.x : Tensor(), wants_grad(*this, 1) ? b.weight : Tensor(),
            wants_grad(*this, 2) ? b.bias : Tensor(), need_w ? n.gw : Tensor()};
  }
  std::string name() const override { return "batch_norm_fire_backward"; }
  void release_saved() override { x_ = mean_ = invstd_ = mask_ = weight_ = bias_ = plif_w_ = Tensor(); }

 private:
  Tensor x_, mean_, invstd_, mask_, weight_, bias_, plif_w_;
  double tau_;
  kernels::NeuronParams p_;
};

}  // namespace

Tensor batch_norm_fire(const Tensor& x, const BatchNormFireArgs& a) {
  AUTOST_CHECK(x.defined() && x.dim() >= 2, "batch_norm_fire: expected input [N, C, *], got ",
               x.defined() ? x.shape() : Shape{});
  AUTOST_CHECK(a.T >= 1 && x.size(0) % a.T == 0, "batch_norm_fire: leading extent ", x.size(0),
               " does not split into T = ", a.T, " steps");
  const std::vector<Tensor> inputs{x, a.weight, a.bias, a.plif_w};
  const bool grad = needs_grad(inputs);
  kernels::BatchNormResult bn =
      kernels::batch_norm(x, a.weight, a.bias, a.running_mean, a.running_var, true, a.momentum, a.eps);
  const Shape steps{a.T, x.numel() / a.T};
  kernels::NeuronForwardResult f =
      kernels::neuron_forward(raw_view(bn.out, steps), a.tau, saved(a.plif_w),
                              a.neuron, kernels::NeuronOutputs{true, grad, false});
  Tensor spikes = raw_view(f.spikes, x.shape());
  if (grad) {
    set_history(spikes, make_node<BatchNormFireBackward>(inputs, saved(x), bn.save_mean, bn.save_invstd, f.mask, a));
    spikes.storage()->set_byte_shadow(f.mask.storage());  // the ops reading the spikes may keep bytes
  }
  return spikes;
}

Tensor normalise_and_fire(nn::Module& bn_module, nn::Module& neuron_module, const Tensor& x, int64_t T) {
  auto* bn = dynamic_cast<nn::BatchNorm*>(&bn_module);
  auto* neuron = dynamic_cast<SpikingNode*>(&neuron_module);
  auto unfused = [&] { return fire(neuron_module, apply_token_batch_norm(bn_module, x), T); };
  if (!bn || !neuron || !GradMode::enabled() || nn::forward_hook_installed() ||
      !needs_grad({x, bn->weight, bn->bias, neuron->decay_weight()}))
    return unfused();
  const Tensor xb = batch_norm_input(bn_module, x);
  if (!bn->begin_fused_forward(xb)) return unfused();
  BatchNormFireArgs a;
  a.weight = bn->weight;
  a.bias = bn->bias;
  a.running_mean = bn->running_mean;
  a.running_var = bn->running_var;
  a.momentum = bn->momentum;
  a.eps = bn->eps;
  a.plif_w = neuron->decay_weight();
  a.tau = neuron->options().tau;  // PLIF: its init_tau, unused (the decay comes from w)
  a.neuron = neuron_params(neuron->options());
  a.T = T;
  Tensor spikes = batch_norm_fire(xb, a);
  return neuron->record(xb.same(x) ? spikes : spikes.view(x.shape()));
}

}  // namespace autost::spiking
