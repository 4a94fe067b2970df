// CPU dropout: the mask is a pure function of (seed, offset, element), so threads split freely.
#include "kernels/cpu/index.h"
#include "tensor/parallel.h"

namespace autost::kernels::cpu {

void dropout(const Tensor& out, const Tensor& mask, const Tensor& x, double p, uint64_t seed, uint64_t offset) {
  dispatch_floating(x.dtype(), "dropout", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* xp = static_cast<const T*>(x.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    uint8_t* m = static_cast<uint8_t*>(mask.data_ptr());
    const float pf = static_cast<float>(p);
    const T scale = static_cast<T>(math::dropout_scale(p));
    parallel_for(x.numel(), 4096, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        bool keep = math::dropout_keep(seed, offset, i, pf);
        m[i] = keep ? 1 : 0;
        y[i] = keep ? xp[i] * scale : T(0);
      }
    });
  });
}

void dropout_backward(const Tensor& gx, const Tensor& grad, const Tensor& mask, double p) {
  dispatch_floating(grad.dtype(), "dropout_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* g = static_cast<const T*>(grad.data_ptr());
    const uint8_t* m = static_cast<const uint8_t*>(mask.data_ptr());
    T* o = static_cast<T*>(gx.data_ptr());
    const T scale = static_cast<T>(math::dropout_scale(p));
    parallel_for(grad.numel(), kGrainElementwise, [&](int64_t lo, int64_t hi) {
#pragma omp simd
      for (int64_t i = lo; i < hi; ++i) o[i] = m[i] ? g[i] * scale : T(0);
    });
  });
}

}  // namespace autost::kernels::cpu
