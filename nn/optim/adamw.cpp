#include "nn/optim/adamw.h"

#include <cmath>

#include "kernels/optim.h"

namespace autost::nn {

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
    : Optimizer(std::move(groups), "AdamW"), options_(options) {
  AUTOST_CHECK(options.eps >= 0.0, "AdamW: invalid eps ", options.eps);
  AUTOST_CHECK(options.beta1 >= 0.0 && options.beta1 < 1.0, "AdamW: invalid beta1 ", options.beta1);
  AUTOST_CHECK(options.beta2 >= 0.0 && options.beta2 < 1.0, "AdamW: invalid beta2 ", options.beta2);
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : AdamW(std::vector<ParamGroup>{{std::move(params), options.lr, options.weight_decay}}, options) {}

std::vector<Optimizer::StateSpec> AdamW::state_spec() const {
  return {{"step", false}, {"exp_avg", true}, {"exp_avg_sq", true}};
}

void AdamW::update(const ParamGroup& group, const Tensor& param, const Tensor& grad, ParamState& state) {
  if (state.empty()) {
    state["step"] = scalar_tensor(0.0, kFloat32);
    state["exp_avg"] = zeros_like(param);
    state["exp_avg_sq"] = zeros_like(param);
  }
  // The count lives in a float32 CPU tensor (torch 1.13's layout); it is exact far beyond any run.
  Tensor& step = state["step"];
  double t = step.item() + 1.0;
  step.fill_(t);
  kernels::AdamWStep s;
  s.lr = group.lr;
  s.weight_decay = group.weight_decay;
  s.beta1 = options_.beta1;
  s.beta2 = options_.beta2;
  s.eps = options_.eps;
  s.step = static_cast<int64_t>(std::llround(t));
  kernels::adamw_step_(param, grad, state["exp_avg"], state["exp_avg_sq"], s);
}

}  // namespace autost::nn
