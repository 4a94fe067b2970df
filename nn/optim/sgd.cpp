#include "nn/optim/sgd.h"

#include "kernels/optim.h"

namespace autost::nn {

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer(std::move(groups), "SGD"), options_(options) {
  AUTOST_CHECK(options.momentum >= 0.0, "SGD: invalid momentum ", options.momentum);
  AUTOST_CHECK(!options.nesterov || (options.momentum > 0.0 && options.dampening == 0.0),
               "SGD: nesterov momentum requires a momentum and zero dampening (momentum ", options.momentum,
               ", dampening ", options.dampening, ")");
}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : SGD(std::vector<ParamGroup>{{std::move(params), options.lr, options.weight_decay}}, options) {}

std::vector<Optimizer::StateSpec> SGD::state_spec() const {
  if (options_.momentum == 0.0) return {};
  return {{"momentum_buffer", true}};
}

void SGD::update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) {
  kernels::SgdStep s;
  s.lr = group.lr;
  s.weight_decay = group.weight_decay;
  s.momentum = options_.momentum;
  s.dampening = options_.dampening;
  s.nesterov = options_.nesterov;
  Tensor buf;
  if (options_.momentum != 0.0) {
    auto it = state.find("momentum_buffer");
    s.first = it == state.end();
    // Zeros, not uninitialised memory: the first step scales the old contents by 0.
    buf = s.first ? (state["momentum_buffer"] = zeros_like(param)) : it->second;
  }
  kernels::sgd_step_(param, grad, buf, s);
}

}  // namespace autost::nn
