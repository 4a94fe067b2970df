#pragma once
// Per-element optimizer updates shared by the CPU loops and the CUDA kernels. The host folds every
// step-dependent constant into a coefficient struct (in double, then rounded to T once, as torch
// rounds its Python scalars), so the per-element work is a few multiply-adds. The operation order
// follows torch's separate in-place ops (mul_ then add_, addcmul_, addcdiv_).
#include <cmath>

#include "tensor/hd.h"

namespace autost::math {

template <class T>
struct SgdCoef {
  T neg_lr, weight_decay;
  T buf_scale, grad_scale;  // buf = buf_scale buf + grad_scale d; (0, 1) on the buffer's first step
  T momentum;               // nesterov look-ahead
};

// Without momentum there is no buffer.
template <class T>
AUTOST_HD void sgd_plain(T& p, T g, const SgdCoef<T>& c) {
  T d = g + c.weight_decay * p;
  p = p + c.neg_lr * d;
}

template <class T, bool kNesterov>
AUTOST_HD void sgd_momentum(T& p, T g, T& buf, const SgdCoef<T>& c) {
  T d = g + c.weight_decay * p;
  T b = buf * c.buf_scale;
  b = b + c.grad_scale * d;
  buf = b;
  T u = kNesterov ? d + c.momentum * b : b;
  p = p + c.neg_lr * u;
}

template <class T>
struct AdamWCoef {
  T decay;                  // 1 - lr wd
  T beta1, one_minus_beta1;
  T beta2, one_minus_beta2;
  T neg_step_size;          // -lr / (1 - beta1^t)
  T bias_correction2_sqrt;  // sqrt(1 - beta2^t)
  T eps;
};

template <class T>
AUTOST_HD void adamw(T& p, T g, T& m, T& v, const AdamWCoef<T>& c) {
  using std::sqrt;
  T pd = p * c.decay;
  T mm = m * c.beta1;
  mm = mm + c.one_minus_beta1 * g;
  T vv = v * c.beta2;
  vv = vv + c.one_minus_beta2 * g * g;
  m = mm;
  v = vv;
  T denom = sqrt(vv) / c.bias_correction2_sqrt + c.eps;
  p = pd + c.neg_step_size * mm / denom;
}

}  // namespace autost::math
