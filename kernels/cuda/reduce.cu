// CUDA sum over [outer, R, inner]. inner == 1: one block per row with a shared-memory tree
// reduction. inner > 1: one thread per output column walking R (reads are coalesced across i).
#include "kernels/cpu/reduce.h"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

template <class T>
__global__ void row_sum_kernel(const T* x, T* y, int64_t reduced, T scale) {
  __shared__ T buf[autost::cuda::kThreads];
  const T* row = x + blockIdx.x * reduced;
  T acc = 0;
  for (int64_t r = threadIdx.x; r < reduced; r += blockDim.x) acc += row[r];
  buf[threadIdx.x] = acc;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) buf[threadIdx.x] += buf[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) y[blockIdx.x] = buf[0] * scale;
}

template <class T>
__global__ void column_sum_kernel(const T* x, T* y, int64_t outer, int64_t reduced, int64_t inner, T scale) {
  AUTOST_GRID_STRIDE_LOOP(t, outer * inner) {
    int64_t o = t / inner, i = t % inner;
    const T* p = x + o * reduced * inner + i;
    T acc = 0;
    for (int64_t r = 0; r < reduced; ++r) acc += p[r * inner];
    y[t] = acc * scale;
  }
}

}  // namespace

void sum(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double scale) {
  AUTOST_CUDA_CHECK(cudaSetDevice(in.device().index));
  dispatch_floating(in.dtype(), "sum", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    if (inner == 1) {
      row_sum_kernel<T><<<static_cast<unsigned>(outer), autost::cuda::kThreads>>>(x, y, reduced, static_cast<T>(scale));
    } else {
      column_sum_kernel<T><<<autost::cuda::blocks_for(outer * inner), autost::cuda::kThreads>>>(
          x, y, outer, reduced, inner, static_cast<T>(scale));
    }
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost::kernels::cuda
