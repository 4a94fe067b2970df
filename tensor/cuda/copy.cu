// CUDA launch glue for strided copies with dtype conversion and for fills.
#include "tensor/convert.h"
#include "tensor/copy.h"
#include "tensor/cuda/launch.cuh"
#include "tensor/strided.h"

namespace autost {
namespace {

template <class D, class S>
__global__ void strided_copy_kernel(D* dst, const S* src, OffsetCalc<2> calc, int64_t n) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    int64_t off[2];
    calc.get(i, off);
    dst[off[0]] = convert_value<D>(src[off[1]]);
  }
}

template <class T>
__global__ void fill_kernel(T* p, T v, int64_t n) {
  AUTOST_GRID_STRIDE_LOOP(i, n) { p[i] = v; }
}

}  // namespace

void strided_copy_cuda(const Tensor& dst, const Tensor& src) {
  CopyPlan p = make_copy_plan(dst, src);
  OffsetCalc<2> calc;
  calc.ndim = p.ndim;
  for (int d = 0; d < p.ndim; ++d) {
    calc.sizes[d] = p.sizes[d];
    calc.strides[0][d] = p.dst_strides[d];
    calc.strides[1][d] = p.src_strides[d];
  }
  int64_t n = dst.numel();
  AUTOST_CUDA_CHECK(cudaSetDevice(dst.device().index));
  dispatch_all(dst.dtype(), "copy", [&](auto dt) {
    using D = typename decltype(dt)::type;
    dispatch_all(src.dtype(), "copy", [&](auto st) {
      using S = typename decltype(st)::type;
      strided_copy_kernel<D, S><<<cuda::blocks_for(n), cuda::kThreads>>>(
          static_cast<D*>(dst.data_ptr()), static_cast<const S*>(src.data_ptr()), calc, n);
      AUTOST_CUDA_CHECK_LAUNCH();
    });
  });
}

void fill_cuda(const Tensor& t, double value) {
  int64_t n = t.numel();
  AUTOST_CUDA_CHECK(cudaSetDevice(t.device().index));
  dispatch_all(t.dtype(), "fill", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v;
    if constexpr (std::is_same_v<T, bfloat16>)
      v = bfloat16(static_cast<float>(value));
    else
      v = static_cast<T>(value);
    fill_kernel<T><<<cuda::blocks_for(n), cuda::kThreads>>>(static_cast<T*>(t.data_ptr()), v, n);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost
