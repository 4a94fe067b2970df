// CUDA launch glue for random fills: the same Philox functions as the CPU path, one thread per
// element, so a seed gives identical tensors on both devices.
#include "tensor/cuda/launch.cuh"
#include "tensor/philox.h"
#include "tensor/random.h"

namespace autost {
namespace {

template <class T>
__global__ void random_kernel(T* p, int64_t n, RandomKind kind, T a, T b, uint64_t seed, uint64_t offset) {
  AUTOST_GRID_STRIDE_LOOP(i, n) {
    switch (kind) {
      case RandomKind::Uniform: p[i] = a + (b - a) * philox_uniform<T>(seed, offset, i); break;
      case RandomKind::Normal: p[i] = a + b * philox_normal<T>(seed, offset, i); break;
      case RandomKind::Bernoulli: p[i] = philox_uniform<T>(seed, offset, i) < a ? T(1) : T(0); break;
    }
  }
}

}  // namespace

void random_fill_cuda(const Tensor& t, RandomKind kind, double a, double b, uint64_t seed, uint64_t offset) {
  int64_t n = t.numel();
  AUTOST_CUDA_CHECK(cudaSetDevice(t.device().index));
  dispatch_floating(t.dtype(), "random", [&](auto tag) {
    using T = typename decltype(tag)::type;
    random_kernel<T><<<cuda::blocks_for(n), cuda::kThreads>>>(static_cast<T*>(t.data_ptr()), n, kind,
                                                               static_cast<T>(a), static_cast<T>(b), seed, offset);
    AUTOST_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace autost
