#pragma once
// Per-step math of the multi-step LIF / PLIF neurons (SPEC.md §1), shared by the CPU loop and the
// CUDA kernel so both compute the same function. `k` is 1/tau (LIF) or sigmoid(w) (PLIF).
#include <cmath>

#include "kernels/math/elementwise.h"
#include "tensor/hd.h"

namespace autost::math {

// Surrogate derivatives dS/dH as functions of x = H - V_th (the forward is always Heaviside).
struct SigmoidSurrogate {
  template <class T> AUTOST_HD static T grad(T x, T alpha) {
    T s = Sigmoid::f(alpha * x);
    return alpha * s * (T(1) - s);
  }
};
struct ATanSurrogate {
  template <class T> AUTOST_HD static T grad(T x, T alpha) {
    T u = T(1.5707963267948966) * alpha * x;
    return alpha * T(0.5) / (T(1) + u * u);
  }
};

// The constants of one neuron layer, in the compute type. v_charge is the V_reset the charge uses:
// SpikingJelly decays towards 0 when v_reset is None (soft reset).
template <class T>
struct NeuronConsts {
  T v_th, v_reset, v_charge, alpha;
  bool hard_reset, decay_input, detach_reset;
};

// The charge is written as one explicit fused multiply-add on both backends. Left to the compilers,
// GCC contracts a * b + c on the host (even in ISO mode) and nvcc does so on its own terms; a
// one-ulp difference in H flips a spike at the threshold, so both must round identically. (The
// reset needs no care: its products with a 0/1 spike are exact.)
template <class T> AUTOST_HD T fma_hd(T a, T b, T c) {
#if defined(__CUDA_ARCH__)
  if constexpr (sizeof(T) == 4) return fmaf(a, b, c); else return fma(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

template <class T>
AUTOST_HD T neuron_charge(T v_prev, T x, T k, const NeuronConsts<T>& c) {
  return c.decay_input ? fma_hd(x - (v_prev - c.v_charge), k, v_prev) : fma_hd(c.v_charge - v_prev, k, v_prev) + x;
}

// Heaviside with the equality firing.
template <class T> AUTOST_HD T neuron_fire(T h, const NeuronConsts<T>& c) { return h >= c.v_th ? T(1) : T(0); }

template <class T>
AUTOST_HD T neuron_reset(T h, T s, const NeuronConsts<T>& c) {
  return c.hard_reset ? h * (T(1) - s) + c.v_reset * s : h - c.v_th * s;
}

// dV[t]/dH[t], including the reset path through the surrogate unless it is detached.
template <class T>
AUTOST_HD T neuron_dv_dh(T h, T s, T sg, const NeuronConsts<T>& c) {
  if (c.hard_reset) return (T(1) - s) + (c.detach_reset ? T(0) : (c.v_reset - h) * sg);
  return T(1) - (c.detach_reset ? T(0) : c.v_th * sg);
}

// dH[t]/dk, from H and V[t-1] only (X is not saved): with decay_input H - V_prev = k (X - (V_prev -
// V_charge)), so dH/dk = (H - V_prev) / k; without it dH/dk = -(V_prev - V_charge).
template <class T>
AUTOST_HD T neuron_dh_dk(T h, T v_prev, T k, const NeuronConsts<T>& c) {
  return c.decay_input ? (h - v_prev) / k : -(v_prev - c.v_charge);
}

// One reverse step. Given the upstream spike gradient and the gradient carried into V[t] from
// step t+1, returns g_H[t]; the caller forms g_X = g_H * dH/dX and carries g_H * (1 - k) to t-1.
template <class S, class T>
AUTOST_HD T neuron_grad_h(T g_s, T g_v, T h, T s, const NeuronConsts<T>& c) {
  T sg = S::grad(h - c.v_th, c.alpha);
  return g_s * sg + g_v * neuron_dv_dh(h, s, sg, c);
}

}  // namespace autost::math
