#pragma once
// Fused optimizer updates (kernels/optim.cpp): one pass over a parameter updates it and its state
// in place, with torch.optim semantics. Parameter, gradient and state tensors share shape, dtype
// (float32 or float64) and device; the parameter and state must be contiguous (the gradient is made
// contiguous here). Nothing is recorded by autograd.
#include <cstdint>

#include "tensor/tensor.h"

namespace autost::kernels {

// torch.optim.SGD: d = g + weight_decay p; with momentum, buf = momentum buf + (1 - dampening) d
// (buf = d on the first step), d = nesterov ? d + momentum buf : buf; then p -= lr d.
struct SgdStep {
  double lr = 0.0;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool first = false;  // the buffer's first step: its old contents are ignored
};
// momentum_buffer is undefined when momentum == 0.
void sgd_step_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdStep& s);

// torch.optim.AdamW: p *= 1 - lr wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), t = `step` (1 on the first step).
struct AdamWStep {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  int64_t step = 1;
};
void adamw_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                 const AdamWStep& s);

// t *= s in place (t contiguous); gradient clipping uses it.
void scale_(const Tensor& t, double s);

}  // namespace autost::kernels
