#pragma once
// Launch helpers shared by every CUDA kernel file: a 1-D grid of 256-thread blocks, capped so huge
// tensors use grid-stride loops instead of enormous grids.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "tensor/cuda_check.h"

namespace autost::cuda {

inline constexpr int kThreads = 256;

inline unsigned int blocks_for(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned int>(std::clamp<int64_t>(b, 1, 65535 * 8));
}

#define AUTOST_GRID_STRIDE_LOOP(i, n)                                                        \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n);      \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

}  // namespace autost::cuda
