#pragma once
// Optimizer-step backends. The boundary (kernels/optim.cpp) checks the tensors and folds the
// hyper-parameters into double coefficients; a backend rounds them to the parameter dtype and runs
// one pass over contiguous buffers. `buf` is undefined for SGD without momentum.
#include "kernels/math/optim.h"
#include "tensor/tensor.h"

namespace autost::kernels::cpu {
void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buf, const math::SgdCoef<double>& c,
              bool nesterov);
void adamw_step(const Tensor& param, const Tensor& grad, const Tensor& m, const Tensor& v,
                const math::AdamWCoef<double>& c);
void scale(const Tensor& t, double s);
}  // namespace autost::kernels::cpu

namespace autost::kernels::cuda {
void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buf, const math::SgdCoef<double>& c,
              bool nesterov);
void adamw_step(const Tensor& param, const Tensor& grad, const Tensor& m, const Tensor& v,
                const math::AdamWCoef<double>& c);
void scale(const Tensor& t, double s);
}  // namespace autost::kernels::cuda

namespace autost::math {
template <class T>
SgdCoef<T> cast_coef(const SgdCoef<double>& c) {
  return {T(c.neg_lr), T(c.weight_decay), T(c.buf_scale), T(c.grad_scale), T(c.momentum)};
}
template <class T>
AdamWCoef<T> cast_coef(const AdamWCoef<double>& c) {
  return {T(c.decay), T(c.beta1), T(c.one_minus_beta1), T(c.beta2), T(c.one_minus_beta2),
          T(c.neg_step_size), T(c.bias_correction2_sqrt), T(c.eps)};
}
}  // namespace autost::math
