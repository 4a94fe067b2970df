#pragma once
// timm 0.5.4's add_weight_decay: parameters whose shape has exactly one dimension, whose name ends
// in ".bias", or whose name is in `skip` get no weight decay; everything else, including 0-d
// scalars such as PLIF's w (SPEC.md §1.2), does. Parameters that do not require grad are left out.
#include <set>
#include <string>
#include <vector>

#include "nn/optim/optimizer.h"

namespace autost::nn {

// Two groups in timm's order: {no decay, weight_decay 0}, {decay, weight_decay}; both get `lr`.
std::vector<ParamGroup> timm_param_groups(const NamedTensors& named_parameters, double weight_decay, double lr,
                                          const std::set<std::string>& skip = {});

}  // namespace autost::nn
