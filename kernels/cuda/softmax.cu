// CUDA softmax and cross-entropy. A softmax over the last dim (inner == 1) and every loss row get a
// block each, with deterministic shuffle reductions for the row max and sums; a softmax over an
// inner dim gets a thread per (outer, inner) column walking R, so reads coalesce across columns.
// Loss backwards read the 0-d output gradient on the device: no host synchronisation.
#include <limits>

#include "kernels/cpu/softmax.h"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/math/fastmath.h"
#include "kernels/math/reduce.h"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

template <class T>
__device__ T neg_inf() {
  return -std::numeric_limits<T>::infinity();
}

// Row maximum m and log(sum exp(x - m)), shared by all threads of the block.
template <class T>
struct RowStats {
  T m, log_s;
};
template <class T>
__device__ RowStats<T> row_stats(const T* x, int64_t n) {
  T m = neg_inf<T>();
  for (int64_t r = threadIdx.x; r < n; r += blockDim.x) m = MaxOp{}(m, x[r]);
  m = block_reduce(m, MaxOp{}, neg_inf<T>());
  T s = 0;
  for (int64_t r = threadIdx.x; r < n; r += blockDim.x) s += math::fexp(x[r] - m);
  s = block_reduce(s, SumOp{}, T(0));
  return {m, log(s)};
}

template <class T>
__global__ void softmax_row_kernel(const T* x, T* y, int64_t n, bool log_out) {
  const T* xr = x + blockIdx.x * n;
  T* yr = y + blockIdx.x * n;
  const RowStats<T> st = row_stats(xr, n);
  // (x - m) - log s keeps the largest log-probabilities exact (see the CPU backend).
  for (int64_t r = threadIdx.x; r < n; r += blockDim.x)
    yr[r] = log_out ? (xr[r] - st.m) - st.log_s : math::fexp((xr[r] - st.m) - st.log_s);
}

template <class T>
__global__ void softmax_column_kernel(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool log_out) {
  AUTOST_GRID_STRIDE_LOOP(t, outer * inner) {
    const int64_t o = t / inner, i = t % inner;
    const T* p = x + o * n * inner + i;
    T* q = y + o * n * inner + i;
    T m = neg_inf<T>();
    for (int64_t r = 0; r < n; ++r) m = MaxOp{}(m, p[r * inner]);
    T s = 0;
    for (int64_t r = 0; r < n; ++r) s += math::fexp(p[r * inner] - m);
    const T ls = log(s);
    for (int64_t r = 0; r < n; ++r) q[r * inner] = log_out ? (p[r * inner] - m) - ls : math::fexp((p[r * inner] - m) - ls);
  }
}

// softmax: gx = y (g - sum g y); log_softmax: gx = g - exp(y) sum g.
template <class T>
__global__ void softmax_backward_row_kernel(T* gx, const T* g, const T* y, int64_t n, bool log_out) {
  const int64_t base = blockIdx.x * n;
  T d = 0;
  for (int64_t r = threadIdx.x; r < n; r += blockDim.x) d += log_out ? g[base + r] : g[base + r] * y[base + r];
  d = block_reduce(d, SumOp{}, T(0));
  for (int64_t r = threadIdx.x; r < n; r += blockDim.x) {
    const int64_t k = base + r;
    gx[k] = log_out ? g[k] - math::fexp(y[k]) * d : y[k] * (g[k] - d);
  }
}

template <class T>
__global__ void softmax_backward_column_kernel(T* gx, const T* g, const T* y, int64_t outer, int64_t n, int64_t inner,
                                               bool log_out) {
  AUTOST_GRID_STRIDE_LOOP(t, outer * inner) {
    const int64_t o = t / inner, i = t % inner, base = o * n * inner + i;
    T d = 0;
    for (int64_t r = 0; r < n; ++r) {
      const int64_t k = base + r * inner;
      d += log_out ? g[k] : g[k] * y[k];
    }
    for (int64_t r = 0; r < n; ++r) {
      const int64_t k = base + r * inner;
      gx[k] = log_out ? g[k] - math::fexp(y[k]) * d : y[k] * (g[k] - d);
    }
  }
}

template <class T>
__global__ void cross_entropy_kernel(T* loss, const T* x, const int64_t* target, int64_t C, T eps) {
  const T* xr = x + blockIdx.x * C;
  const RowStats<T> st = row_stats(xr, C);
  T rs = 0;
  if (eps != T(0)) {
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) rs += xr[c] - st.m;
    rs = block_reduce(rs, SumOp{}, T(0));
  }
  if (threadIdx.x == 0)
    loss[blockIdx.x] = math::smoothed_nll(st.log_s, st.m - xr[target[blockIdx.x]], rs, eps, static_cast<T>(C));
}

template <class T>
__global__ void cross_entropy_backward_kernel(T* gx, const T* grad, const T* x, const int64_t* target, int64_t N,
                                              int64_t C, T eps) {
  const T* xr = x + blockIdx.x * C;
  T* out = gx + blockIdx.x * C;
  const RowStats<T> st = row_stats(xr, C);
  const T scale = grad[0] / static_cast<T>(N);
  const int64_t t = target[blockIdx.x];
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x)
    out[c] = scale * math::smoothed_nll_grad(math::fexp((xr[c] - st.m) - st.log_s), c == t, eps, static_cast<T>(C));
}

template <class T>
__global__ void soft_cross_entropy_kernel(T* loss, const T* x, const T* p, int64_t C) {
  const int64_t base = blockIdx.x * C;
  const RowStats<T> st = row_stats(x + base, C);
  T acc = 0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) acc += p[base + c] * (st.log_s - (x[base + c] - st.m));
  acc = block_reduce(acc, SumOp{}, T(0));
  if (threadIdx.x == 0) loss[blockIdx.x] = acc;
}

template <class T>
__global__ void soft_cross_entropy_backward_kernel(T* gx, const T* grad, const T* x, const T* p, int64_t N, int64_t C) {
  const int64_t base = blockIdx.x * C;
  const RowStats<T> st = row_stats(x + base, C);
  T psum = 0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) psum += p[base + c];
  psum = block_reduce(psum, SumOp{}, T(0));
  const T scale = grad[0] / static_cast<T>(N);
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x)
    gx[base + c] = scale * (math::fexp((x[base + c] - st.m) - st.log_s) * psum - p[base + c]);
}

template <class T>
const T* cptr(const Tensor& t) {
  return static_cast<const T*>(t.data_ptr());
}
template <class T>
T* mptr(const Tensor& t) {
  return static_cast<T*>(t.data_ptr());
}

}  // namespace

void softmax(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, bool log) {
  AUTOST_CUDA_CHECK(cudaSetDevice(in.device().index));
  dispatch_floating(in.dtype(), log ? "log_softmax" : "softmax", [&](auto tt) {
    using T = typename decltype(tt)::type;
    if (inner == 1)
      softmax_row_kernel<T><<<row_blocks(outer), row_threads(reduced)>>>(cptr<T>(in), mptr<T>(out), reduced,
                                                                                    log);
    else
      softmax_column_kernel<T><<<autost::cuda::blocks_for(outer * inner), autost::cuda::kThreads>>>(
          cptr<T>(in), mptr<T>(out), outer, reduced, inner, log);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void softmax_backward(const Tensor& gx, const Tensor& grad, const Tensor& y, int64_t outer, int64_t reduced,
                      int64_t inner, bool log) {
  AUTOST_CUDA_CHECK(cudaSetDevice(y.device().index));
  dispatch_floating(y.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    if (inner == 1)
      softmax_backward_row_kernel<T><<<row_blocks(outer), row_threads(reduced)>>>(
          mptr<T>(gx), cptr<T>(grad), cptr<T>(y), reduced, log);
    else
      softmax_backward_column_kernel<T><<<autost::cuda::blocks_for(outer * inner), autost::cuda::kThreads>>>(
          mptr<T>(gx), cptr<T>(grad), cptr<T>(y), outer, reduced, inner, log);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void cross_entropy(const Tensor& rows, const Tensor& logits, const Tensor& target, double eps) {
  AUTOST_CUDA_CHECK(cudaSetDevice(logits.device().index));
  dispatch_floating(logits.dtype(), "cross_entropy", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t N = logits.shape()[0], C = logits.shape()[1];
    cross_entropy_kernel<T><<<row_blocks(N), row_threads(C)>>>(mptr<T>(rows), cptr<T>(logits),
                                                                          cptr<int64_t>(target), C, static_cast<T>(eps));
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void cross_entropy_backward(const Tensor& gx, const Tensor& grad, const Tensor& logits, const Tensor& target,
                            double eps) {
  AUTOST_CUDA_CHECK(cudaSetDevice(logits.device().index));
  dispatch_floating(logits.dtype(), "cross_entropy_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t N = logits.shape()[0], C = logits.shape()[1];
    cross_entropy_backward_kernel<T><<<row_blocks(N), row_threads(C)>>>(
        mptr<T>(gx), cptr<T>(grad), cptr<T>(logits), cptr<int64_t>(target), N, C, static_cast<T>(eps));
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void soft_cross_entropy(const Tensor& rows, const Tensor& logits, const Tensor& probs) {
  AUTOST_CUDA_CHECK(cudaSetDevice(logits.device().index));
  dispatch_floating(logits.dtype(), "soft_cross_entropy", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t N = logits.shape()[0], C = logits.shape()[1];
    soft_cross_entropy_kernel<T><<<row_blocks(N), row_threads(C)>>>(mptr<T>(rows), cptr<T>(logits),
                                                                               cptr<T>(probs), C);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void soft_cross_entropy_backward(const Tensor& gx, const Tensor& grad, const Tensor& logits, const Tensor& probs) {
  AUTOST_CUDA_CHECK(cudaSetDevice(logits.device().index));
  dispatch_floating(logits.dtype(), "soft_cross_entropy_backward", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const int64_t N = logits.shape()[0], C = logits.shape()[1];
    soft_cross_entropy_backward_kernel<T><<<row_blocks(N), row_threads(C)>>>(
        mptr<T>(gx), cptr<T>(grad), cptr<T>(logits), cptr<T>(probs), N, C);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost::kernels::cuda
