// CUDA index_select and gather. Forwards: one thread per output element. Backwards (scatter-adds):
// one thread per destination column (index_select) or line (gather) that walks the index in
// order, so repeated indices accumulate without atomics and the result is deterministic.
#include "kernels/cpu/index.h"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

using autost::cuda::blocks_for;
using autost::cuda::kThreads;

__global__ void index_range_kernel(const int64_t* index, int64_t n, int64_t size, int32_t* bad) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    if (index[i] < 0 || index[i] >= size) *bad = 1;  // every writer stores the same value
  }
}

template <class T>
__global__ void index_select_kernel(T* out, const T* x, const int64_t* index, int64_t k, int64_t size,
                                    int64_t inner, int64_t total) {
  AUTOST_GRID_STRIDE_LOOP(e, total) {
    const int64_t i = e % inner, j = (e / inner) % k, o = e / (inner * k);
    out[e] = x[(o * size + index[j]) * inner + i];
  }
}

template <class T>
__global__ void index_select_backward_kernel(T* gx, const T* grad, const int64_t* index, int64_t k, int64_t size,
                                             int64_t inner, int64_t columns) {
  AUTOST_GRID_STRIDE_LOOP(t, columns) {
    const int64_t o = t / inner, i = t % inner;
    for (int64_t j = 0; j < k; ++j) gx[(o * size + index[j]) * inner + i] += grad[(o * k + j) * inner + i];
  }
}

template <class T>
__global__ void gather_kernel(T* out, const T* x, const int64_t* index, math::GatherGeom geom, int64_t total) {
  const int64_t step = geom.x_strides[geom.dim];
  AUTOST_GRID_STRIDE_LOOP(e, total) {
    const int64_t line = (e / (geom.len * geom.inner)) * geom.inner + e % geom.inner;
    out[e] = x[geom.line_base(line) + index[e] * step];
  }
}

template <class T>
__global__ void gather_backward_kernel(T* gx, const T* grad, const int64_t* index, math::GatherGeom geom) {
  const int64_t step = geom.x_strides[geom.dim];
  AUTOST_GRID_STRIDE_LOOP(line, geom.lines) {
    T* base = gx + geom.line_base(line);
    for (int64_t j = 0; j < geom.len; ++j) {
      const int64_t e = geom.index_offset(line, j);
      base[index[e] * step] += grad[e];
    }
  }
}

}  // namespace

bool index_in_range(const Tensor& index, int64_t size) {
  const int64_t n = index.numel();
  if (n == 0) return true;
  AUTOST_CUDA_CHECK(cudaSetDevice(index.device().index));
  Tensor bad = zeros({1}, TensorOptions(kInt32).device(index.device()));
  index_range_kernel<<<blocks_for(n), kThreads>>>(static_cast<const int64_t*>(index.data_ptr()), n, size,
                                                  static_cast<int32_t*>(bad.data_ptr()));
  AUTOST_CUDA_CHECK_LAUNCH();
  return bad.item() == 0;  // a device-to-host copy: waits for the kernel
}

void index_select(const Tensor& out, const Tensor& x, const Tensor& index, int64_t outer, int64_t size,
                  int64_t inner) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  const int64_t total = out.numel();
  dispatch_bytes(x.dtype(), "index_select", [&](auto tt) {
    using T = typename decltype(tt)::type;
    index_select_kernel<T><<<blocks_for(total), kThreads>>>(
        static_cast<T*>(out.data_ptr()), static_cast<const T*>(x.data_ptr()),
        static_cast<const int64_t*>(index.data_ptr()), index.numel(), size, inner, total);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void index_select_backward(const Tensor& gx, const Tensor& grad, const Tensor& index, int64_t outer, int64_t size,
                           int64_t inner) {
  AUTOST_CUDA_CHECK(cudaSetDevice(grad.device().index));
  const int64_t columns = outer * inner;
  dispatch_floating(grad.dtype(), "index_select_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    index_select_backward_kernel<T><<<blocks_for(columns), kThreads>>>(
        static_cast<T*>(gx.data_ptr()), static_cast<const T*>(grad.data_ptr()),
        static_cast<const int64_t*>(index.data_ptr()), index.numel(), size, inner, columns);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void gather(const Tensor& out, const Tensor& x, const Tensor& index, const math::GatherGeom& geom) {
  AUTOST_CUDA_CHECK(cudaSetDevice(x.device().index));
  const int64_t total = out.numel();
  dispatch_bytes(x.dtype(), "gather", [&](auto tt) {
    using T = typename decltype(tt)::type;
    gather_kernel<T><<<blocks_for(total), kThreads>>>(static_cast<T*>(out.data_ptr()),
                                                      static_cast<const T*>(x.data_ptr()),
                                                      static_cast<const int64_t*>(index.data_ptr()), geom, total);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void gather_backward(const Tensor& gx, const Tensor& grad, const Tensor& index, const math::GatherGeom& geom) {
  AUTOST_CUDA_CHECK(cudaSetDevice(grad.device().index));
  dispatch_floating(grad.dtype(), "gather_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    gather_backward_kernel<T><<<blocks_for(geom.lines), kThreads>>>(
        static_cast<T*>(gx.data_ptr()), static_cast<const T*>(grad.data_ptr()),
        static_cast<const int64_t*>(index.data_ptr()), geom);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost::kernels::cuda
