// CUDA optimizer steps: one thread per element over contiguous buffers, the same
// kernels/math/optim.h updates as the CPU loops.
#include "kernels/cpu/optim.h"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

template <class T>
__global__ void sgd_plain_kernel(T* p, const T* g, int64_t n, math::SgdCoef<T> c) {
  AUTOST_GRID_STRIDE_LOOP(i, n) math::sgd_plain(p[i], g[i], c);
}

template <class T, bool kNesterov>
__global__ void sgd_momentum_kernel(T* p, const T* g, T* b, int64_t n, math::SgdCoef<T> c) {
  AUTOST_GRID_STRIDE_LOOP(i, n) math::sgd_momentum<T, kNesterov>(p[i], g[i], b[i], c);
}

template <class T>
__global__ void adamw_kernel(T* p, const T* g, T* m, T* v, int64_t n, math::AdamWCoef<T> c) {
  AUTOST_GRID_STRIDE_LOOP(i, n) math::adamw(p[i], g[i], m[i], v[i], c);
}

template <class T>
__global__ void scale_kernel(T* x, int64_t n, T s) {
  AUTOST_GRID_STRIDE_LOOP(i, n) x[i] *= s;
}

}  // namespace

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buf, const math::SgdCoef<double>& cd,
              bool nesterov) {
  dispatch_floating(param.dtype(), "sgd_step", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const auto c = math::cast_coef<T>(cd);
    AUTOST_CUDA_CHECK(cudaSetDevice(param.device().index));
    int64_t n = param.numel();
    T* p = static_cast<T*>(param.data_ptr());
    const T* g = static_cast<const T*>(grad.data_ptr());
    auto blocks = autost::cuda::blocks_for(n);
    if (!buf.defined()) {
      sgd_plain_kernel<T><<<blocks, autost::cuda::kThreads>>>(p, g, n, c);
    } else {
      T* b = static_cast<T*>(buf.data_ptr());
      if (nesterov)
        sgd_momentum_kernel<T, true><<<blocks, autost::cuda::kThreads>>>(p, g, b, n, c);
      else
        sgd_momentum_kernel<T, false><<<blocks, autost::cuda::kThreads>>>(p, g, b, n, c);
    }
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void adamw_step(const Tensor& param, const Tensor& grad, const Tensor& m, const Tensor& v,
                const math::AdamWCoef<double>& cd) {
  dispatch_floating(param.dtype(), "adamw_step", [&](auto tt) {
    using T = typename decltype(tt)::type;
    AUTOST_CUDA_CHECK(cudaSetDevice(param.device().index));
    int64_t n = param.numel();
    adamw_kernel<T><<<autost::cuda::blocks_for(n), autost::cuda::kThreads>>>(
        static_cast<T*>(param.data_ptr()), static_cast<const T*>(grad.data_ptr()), static_cast<T*>(m.data_ptr()),
        static_cast<T*>(v.data_ptr()), n, math::cast_coef<T>(cd));
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void scale(const Tensor& t, double s) {
  dispatch_floating(t.dtype(), "scale_", [&](auto tt) {
    using T = typename decltype(tt)::type;
    AUTOST_CUDA_CHECK(cudaSetDevice(t.device().index));
    int64_t n = t.numel();
    scale_kernel<T><<<autost::cuda::blocks_for(n), autost::cuda::kThreads>>>(static_cast<T*>(t.data_ptr()), n,
                                                                              static_cast<T>(s));
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost::kernels::cuda
