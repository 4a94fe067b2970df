#include "nn/optim/param_groups.h"

namespace autost::nn {

std::vector<ParamGroup> timm_param_groups(const NamedTensors& named_parameters, double weight_decay, double lr,
                                          const std::set<std::string>& skip) {
  ParamGroup no_decay{{}, lr, 0.0}, decay{{}, lr, weight_decay};
  for (const auto& [name, p] : named_parameters) {
    if (!p.requires_grad()) continue;
    // dim() == 1, not <= 1: timm tests len(param.shape) == 1, so 0-d tensors are decayed.
    bool skip_decay = p.dim() == 1 || name.ends_with(".bias") || skip.count(name) > 0;
    (skip_decay ? no_decay : decay).params.push_back(p);
  }
  return {std::move(no_decay), std::move(decay)};
}

}  // namespace autost::nn
