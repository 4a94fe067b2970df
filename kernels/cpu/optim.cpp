// CPU optimizer steps: one parallel pass over contiguous buffers; each chunk is a plain pointer
// loop over kernels/math/optim.h that the compiler vectorises.
#include "kernels/cpu/optim.h"

#include "tensor/parallel.h"

namespace autost::kernels::cpu {

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buf, const math::SgdCoef<double>& cd,
              bool nesterov) {
  dispatch_floating(param.dtype(), "sgd_step", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const auto c = math::cast_coef<T>(cd);
    T* p = static_cast<T*>(param.data_ptr());
    const T* g = static_cast<const T*>(grad.data_ptr());
    T* b = buf.defined() ? static_cast<T*>(buf.data_ptr()) : nullptr;
    parallel_for(param.numel(), kGrainElementwise, [&](int64_t lo, int64_t hi) {
      if (!b) {
        for (int64_t i = lo; i < hi; ++i) math::sgd_plain(p[i], g[i], c);
      } else if (nesterov) {
        for (int64_t i = lo; i < hi; ++i) math::sgd_momentum<T, true>(p[i], g[i], b[i], c);
      } else {
        for (int64_t i = lo; i < hi; ++i) math::sgd_momentum<T, false>(p[i], g[i], b[i], c);
      }
    });
  });
}

void adamw_step(const Tensor& param, const Tensor& grad, const Tensor& m, const Tensor& v,
                const math::AdamWCoef<double>& cd) {
  dispatch_floating(param.dtype(), "adamw_step", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const auto c = math::cast_coef<T>(cd);
    T* p = static_cast<T*>(param.data_ptr());
    const T* g = static_cast<const T*>(grad.data_ptr());
    T* mp = static_cast<T*>(m.data_ptr());
    T* vp = static_cast<T*>(v.data_ptr());
    parallel_for(param.numel(), kGrainElementwise, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) math::adamw(p[i], g[i], mp[i], vp[i], c);
    });
  });
}

void scale(const Tensor& t, double s) {
  dispatch_floating(t.dtype(), "scale_", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T sc = static_cast<T>(s);
    T* x = static_cast<T*>(t.data_ptr());
    parallel_for(t.numel(), kGrainElementwise, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) x[i] *= sc;
    });
  });
}

}  // namespace autost::kernels::cpu
