// CUDA reductions over [outer, R, inner]. Rows (inner == 1) get a block each with a shuffle tree
// reduction; columns (inner > 1) get a thread per output column walking R, so reads coalesce
// across the column index. When there are too few rows or columns to fill the GPU and R is long
// (the bias gradient: [16384, 384] summed over dim 0 is only 384 columns), R is split into S
// chunks reduced in parallel into a partial buffer, which a second pass reduces in a fixed order:
// no atomics, so results are deterministic.
#include <cmath>

#include "kernels/cpu/reduce.h"
#include "kernels/cuda/block_reduce.cuh"
#include "tensor/cuda/launch.cuh"

namespace autost::kernels::cuda {
namespace {

// Enough threads to occupy every SM of a large GPU a few times over.
constexpr int64_t kTargetThreads = int64_t{1} << 18;
constexpr int64_t kTargetBlocks = 1024;

// Block (blockIdx.x = o, blockIdx.y = s) sums row o's chunk s of `chunk` elements into
// y[o * S + s]; with S == 1 this is the whole row.
template <class T>
__global__ void row_sum_kernel(const T* x, T* y, int64_t reduced, int64_t chunk, T scale) {
  const int64_t o = blockIdx.x, s = blockIdx.y, S = gridDim.y;
  const int64_t r0 = s * chunk, r1 = r0 + chunk < reduced ? r0 + chunk : reduced;
  const T* row = x + o * reduced;
  T acc = 0;
  for (int64_t r = r0 + threadIdx.x; r < r1; r += blockDim.x) acc += row[r];
  acc = block_reduce(acc, SumOp{}, T(0));
  if (threadIdx.x == 0) y[o * S + s] = acc * scale;
}

// Thread (o, s, i) sums column (o, i) over chunk s of R into y[(o * S + s) * inner + i].
template <class T>
__global__ void column_sum_kernel(const T* x, T* y, int64_t outer, int64_t reduced, int64_t inner, int64_t chunk,
                                  int64_t S, T scale) {
  AUTOST_GRID_STRIDE_LOOP(t, outer * S * inner) {
    const int64_t i = t % inner, s = (t / inner) % S, o = t / (inner * S);
    const int64_t r0 = s * chunk, r1 = r0 + chunk < reduced ? r0 + chunk : reduced;
    const T* p = x + o * reduced * inner + i;
    T acc = 0;
    for (int64_t r = r0; r < r1; ++r) acc += p[r * inner];
    y[t] = acc * scale;
  }
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Splits R into S chunks of `chunk` (S == 1: no split) given how many independent outputs exist
// and how much parallel work we aim for.
void split_reduction(int64_t reduced, int64_t outputs, int64_t target, int64_t min_chunk, int64_t max_split,
                     int64_t& chunk, int64_t& S) {
  S = 1;
  if (outputs < target && reduced >= 2 * min_chunk)
    S = std::min({ceil_div(reduced, min_chunk), ceil_div(target, outputs), max_split});
  chunk = ceil_div(reduced, S);
  S = ceil_div(reduced, chunk);
}

template <class T>
void sum_impl(T* y, const T* x, int64_t outer, int64_t reduced, int64_t inner, T scale, const Tensor& like) {
  int64_t chunk, S;
  if (inner == 1) {
    split_reduction(reduced, outer, kTargetBlocks, 4096, 65535, chunk, S);
    if (S == 1) {
      row_sum_kernel<T><<<dim3(row_blocks(outer), 1), row_threads(reduced)>>>(x, y, reduced, reduced, scale);
      AUTOST_CUDA_CHECK_LAUNCH();
      return;
    }
    Tensor partial = empty({outer, S}, TensorOptions(like.dtype()).device(like.device()));
    T* py = static_cast<T*>(partial.data_ptr());
    row_sum_kernel<T><<<dim3(row_blocks(outer), static_cast<unsigned>(S)), autost::cuda::kThreads>>>(
        x, py, reduced, chunk, T(1));
    AUTOST_CUDA_CHECK_LAUNCH();
    sum_impl<T>(y, py, outer, S, 1, scale, like);
    return;
  }
  split_reduction(reduced, outer * inner, kTargetThreads, 32, 1 << 16, chunk, S);
  if (S == 1) {
    column_sum_kernel<T><<<autost::cuda::blocks_for(outer * inner), autost::cuda::kThreads>>>(
        x, y, outer, reduced, inner, reduced, 1, scale);
    AUTOST_CUDA_CHECK_LAUNCH();
    return;
  }
  Tensor partial = empty({outer, S, inner}, TensorOptions(like.dtype()).device(like.device()));
  T* py = static_cast<T*>(partial.data_ptr());
  column_sum_kernel<T><<<autost::cuda::blocks_for(outer * S * inner), autost::cuda::kThreads>>>(
      x, py, outer, reduced, inner, chunk, S, T(1));
  AUTOST_CUDA_CHECK_LAUNCH();
  sum_impl<T>(y, py, outer, S, inner, scale, like);
}

// Two-pass variance of one row per block: the mean first, then squared deviations from it.
template <class T>
__global__ void row_var_kernel(const T* x, T* y, int64_t reduced, T divisor) {
  const T* row = x + blockIdx.x * reduced;
  T s = 0;
  for (int64_t r = threadIdx.x; r < reduced; r += blockDim.x) s += row[r];
  const T m = block_reduce(s, SumOp{}, T(0)) / static_cast<T>(reduced);
  T ss = 0;
  for (int64_t r = threadIdx.x; r < reduced; r += blockDim.x) ss += (row[r] - m) * (row[r] - m);
  ss = block_reduce(ss, SumOp{}, T(0));
  if (threadIdx.x == 0) y[blockIdx.x] = ss / divisor;
}

template <class T>
__global__ void column_var_kernel(const T* x, T* y, int64_t outer, int64_t reduced, int64_t inner, T divisor) {
  AUTOST_GRID_STRIDE_LOOP(t, outer * inner) {
    const int64_t o = t / inner, i = t % inner;
    const T* p = x + o * reduced * inner + i;
    T s = 0;
    for (int64_t r = 0; r < reduced; ++r) s += p[r * inner];
    const T m = s / static_cast<T>(reduced);
    T ss = 0;
    for (int64_t r = 0; r < reduced; ++r) ss += (p[r * inner] - m) * (p[r * inner] - m);
    y[t] = ss / divisor;
  }
}

// Maximum of one row per block; ties resolve to the smallest index whatever order the tree meets
// them in.
template <class T>
__global__ void row_max_kernel(const T* x, T* values, int64_t* indices, int64_t reduced) {
  __shared__ T sv[autost::cuda::kThreads];
  __shared__ int64_t si[autost::cuda::kThreads];
  const T* row = x + blockIdx.x * reduced;
  T best = row[0];
  int64_t bi = 0;
  for (int64_t r = threadIdx.x; r < reduced; r += blockDim.x) {
    if (math::max_replaces(row[r], best)) {  // r only grows, so ties keep the earlier index
      best = row[r];
      bi = r;
    }
  }
  sv[threadIdx.x] = best;
  si[threadIdx.x] = bi;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s && math::max_pair_wins(sv[threadIdx.x + s], static_cast<long long>(si[threadIdx.x + s]),
                                               sv[threadIdx.x], static_cast<long long>(si[threadIdx.x]))) {
      sv[threadIdx.x] = sv[threadIdx.x + s];
      si[threadIdx.x] = si[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    values[blockIdx.x] = sv[0];
    indices[blockIdx.x] = si[0];
  }
}

template <class T>
__global__ void column_max_kernel(const T* x, T* values, int64_t* indices, int64_t outer, int64_t reduced,
                                  int64_t inner) {
  AUTOST_GRID_STRIDE_LOOP(t, outer * inner) {
    const int64_t o = t / inner, i = t % inner;
    const T* p = x + o * reduced * inner + i;
    T best = p[0];
    int64_t bi = 0;
    for (int64_t r = 1; r < reduced; ++r) {
      T v = p[r * inner];
      if (math::max_replaces(v, best)) {
        best = v;
        bi = r;
      }
    }
    values[t] = best;
    indices[t] = bi;
  }
}

}  // namespace

void sum(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double scale) {
  AUTOST_CUDA_CHECK(cudaSetDevice(in.device().index));
  dispatch_floating(in.dtype(), "sum", [&](auto tt) {
    using T = typename decltype(tt)::type;
    sum_impl<T>(static_cast<T*>(out.data_ptr()), static_cast<const T*>(in.data_ptr()), outer, reduced, inner,
                static_cast<T>(scale), in);
  });
}

void var(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double divisor) {
  AUTOST_CUDA_CHECK(cudaSetDevice(in.device().index));
  dispatch_floating(in.dtype(), "var", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* y = static_cast<T*>(out.data_ptr());
    if (inner == 1)
      row_var_kernel<T><<<row_blocks(outer), row_threads(reduced)>>>(x, y, reduced, static_cast<T>(divisor));
    else
      column_var_kernel<T><<<autost::cuda::blocks_for(outer * inner), autost::cuda::kThreads>>>(
          x, y, outer, reduced, inner, static_cast<T>(divisor));
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

void max(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner) {
  AUTOST_CUDA_CHECK(cudaSetDevice(in.device().index));
  dispatch_floating(in.dtype(), "max", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* x = static_cast<const T*>(in.data_ptr());
    T* v = static_cast<T*>(values.data_ptr());
    int64_t* idx = static_cast<int64_t*>(indices.data_ptr());
    if (inner == 1)
      row_max_kernel<T><<<row_blocks(outer), row_threads(reduced)>>>(x, v, idx, reduced);
    else
      column_max_kernel<T><<<autost::cuda::blocks_for(outer * inner), autost::cuda::kThreads>>>(x, v, idx, outer,
                                                                                                reduced, inner);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost::kernels::cuda
