// CUDA dropout: one thread per element, the same Philox draw as the CPU loop, so a seed gives the
// same mask on both devices.
#include "kernels/cpu/index.h"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

template <class T>
__global__ void dropout_kernel(T* out, uint8_t* mask, const T* x, int64_t n, float p, T scale, uint64_t seed,
                               uint64_t offset) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    const bool keep = math::dropout_keep(seed, offset, i, p);
    mask[i] = keep ? 1 : 0;
    out[i] = keep ? x[i] * scale : T(0);
  }
}

template <class T>
__global__ void dropout_backward_kernel(T* gx, const T* grad, const uint8_t* mask, int64_t n, T scale) {
  AUTOST_GRID_STRIDE_LOOP(i, n) { gx[i] = mask[i] ? grad[i] * scale : T(0); }
}

}  // namespace

void dropout(const Tensor& out, const Tensor& mask, const Tensor& x, double p, uint64_t seed, uint64_t offset) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  const int64_t n = x.numel();
  dispatch_floating(x.dtype(), "dropout", [&](auto tt) {
    using T = typename decltype(tt)::type;
    dropout_kernel<T><<<autost::cuda::blocks_for(n), autost::cuda::kThreads>>>(
        static_cast<T*>(out.data_ptr()), static_cast<uint8_t*>(mask.data_ptr()), static_cast<const T*>(x.data_ptr()),
        n, static_cast<float>(p), static_cast<T>(math::dropout_scale(p)), seed, offset);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void dropout_backward(const Tensor& gx, const Tensor& grad, const Tensor& mask, double p) {
  AUTOST_CUDA_CHECK(cudaSetDevice(grad.device().index));
  const int64_t n = grad.numel();
  dispatch_floating(grad.dtype(), "dropout_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    dropout_backward_kernel<T><<<autost::cuda::blocks_for(n), autost::cuda::kThreads>>>(
        static_cast<T*>(gx.data_ptr()), static_cast<const T*>(grad.data_ptr()),
        static_cast<const uint8_t*>(mask.data_ptr()), n, static_cast<T>(math::dropout_scale(p)));
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost::kernels::cuda
