#pragma once
// Backends of kernels/neuron.h. Tensors are contiguous and viewed as [T, N]; checks are done.
#include "kernels/math/neuron.h"
#include "kernels/neuron.h"

namespace autost::kernels {
template <class T>
math::NeuronConsts<T> neuron_consts(const NeuronParams& p) {
  double vr = p.v_reset.value_or(0.0);
  return {T(p.v_threshold), T(vr), T(vr), T(p.alpha), p.v_reset.has_value(), p.decay_input, p.detach_reset};
}

// The surrogate is a template parameter of both backends' kernels; this picks it at run time.
template <class F>
decltype(auto) dispatch_surrogate(SurrogateKind kind, F&& fn) {
  if (kind == SurrogateKind::ATan) return fn(type_tag<math::ATanSurrogate>{});
  return fn(type_tag<math::SigmoidSurrogate>{});
}
}  // namespace autost::kernels

namespace autost::kernels::cpu {
void neuron_forward(const Tensor& spikes, const Tensor& mask, const Tensor& h, const Tensor& x, double k,
                    const Tensor& w, const NeuronParams& p, int64_t T, int64_t N);
void neuron_backward(const Tensor& gx, const Tensor& gw, const Tensor& gs, const Tensor& mask, const Tensor& h,
                     double k, const Tensor& w, const NeuronParams& p, int64_t T, int64_t N);
}  // namespace autost::kernels::cpu

namespace autost::kernels::cuda {
void neuron_forward(const Tensor& spikes, const Tensor& mask, const Tensor& h, const Tensor& x, double k,
                    const Tensor& w, const NeuronParams& p, int64_t T, int64_t N);
void neuron_backward(const Tensor& gx, const Tensor& gw, const Tensor& gs, const Tensor& mask, const Tensor& h,
                     double k, const Tensor& w, const NeuronParams& p, int64_t T, int64_t N);
}  // namespace autost::kernels::cuda
