// Library handles, one per device, created on first use. Creating a handle costs milliseconds and
// allocates device memory, so every op shares these.
#include <mutex>
#include <vector>

#include "kernels/cuda/cublas_check.h"
#include "kernels/cuda/cudnn_check.h"
#include "tensor/cuda_check.h"

namespace autost::kernels::cuda {
namespace {

template <class H, class Make>
H cached(std::vector<H>& handles, std::mutex& mu, int device, Make make) {
  std::lock_guard<std::mutex> lock(mu);
  AUTOST_CHECK(device >= 0, "invalid CUDA device index ", device);
  if (static_cast<size_t>(device) >= handles.size()) handles.resize(device + 1, nullptr);
  if (handles[device] == nullptr) handles[device] = make();
  return handles[device];
}

}  // namespace

cublasHandle_t cublas_handle(int device) {
  static std::vector<cublasHandle_t> handles;
  static std::mutex mu;
  return cached(handles, mu, device, [] {
    cublasHandle_t h = nullptr;
    AUTOST_CUBLAS_CHECK(cublasCreate(&h));
    AUTOST_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_PEDANTIC_MATH));
    return h;
  });
}

cudnnHandle_t cudnn_handle(int device) {
  static std::vector<cudnnHandle_t> handles;
  static std::mutex mu;
  return cached(handles, mu, device, [] {
    cudnnHandle_t h = nullptr;
    AUTOST_CUDNN_CHECK(cudnnCreate(&h));
    return h;
  });
}

}  // namespace autost::kernels::cuda
