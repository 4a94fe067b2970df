#pragma once
// torch.nn.utils.clip_grad_norm_: the norm of the per-tensor gradient norms; when it exceeds
// max_norm every gradient is scaled in place by max_norm / (total + 1e-6). Parameters without a
// gradient are ignored. norm_type may be INFINITY (the largest absolute entry).
#include <vector>

#include "tensor/tensor.h"

namespace autost::nn {

// Returns the total norm before clipping (0 when no parameter has a gradient).
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);

}  // namespace autost::nn
