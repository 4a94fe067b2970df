#pragma once
// Deterministic block-wide reductions (warp shuffles, then one warp over the per-warp results):
// the combination order depends only on blockDim, never on timing, so results are reproducible.
// blockDim.x must be a multiple of 32 and every thread of the block must call them.
#include <cuda_runtime.h>

#include "kernels/math/reduce.h"
#include "tensor/error.h"

namespace autost::kernels::cuda {

struct SumOp {
  template <class T> __device__ T operator()(T a, T b) const { return a + b; }
};
// NaN-propagating maximum, like torch.max.
struct MaxOp {
  template <class T> __device__ T operator()(T a, T b) const { return math::max_replaces(b, a) ? b : a; }
};

template <class T, class Op>
__device__ T warp_reduce(T v, Op op) {
  for (int off = 16; off > 0; off >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, off));
  return v;
}

// Returns the reduction of every thread's v to all threads of the block; `identity` pads the
// unused lanes of the last step (0 for sums, -inf for maxima).
template <class T, class Op>
__device__ T block_reduce(T v, Op op, T identity) {
  __shared__ T warp_results[32];
  __shared__ T result;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_reduce(v, op);
  if (lane == 0) warp_results[warp] = v;
  __syncthreads();
  if (warp == 0) {
    T w = lane < warps ? warp_results[lane] : identity;
    w = warp_reduce(w, op);
    if (lane == 0) result = w;
  }
  __syncthreads();
  T r = result;
  __syncthreads();  // the shared slots may be reused by the next call
  return r;
}

// Grid for one block per row. gridDim.x stops at 2^31 - 1; a plain cast of a larger count would
// wrap (2^32 + 5 rows launching 5 blocks) and silently skip rows.
inline unsigned row_blocks(int64_t rows) {
  AUTOST_CHECK(rows >= 1 && rows <= 2147483647LL, "CUDA row kernel: ", rows,
               " rows do not fit in one grid (at most 2^31 - 1)");
  return static_cast<unsigned>(rows);
}

// Threads for a block that walks a row of n elements: a power of two from 32 to 256, so short rows
// do not leave most of a 256-thread block idle.
inline int row_threads(int64_t n) {
  int t = 32;
  while (t < 256 && t < n) t <<= 1;
  return t;
}

}  // namespace autost::kernels::cuda
