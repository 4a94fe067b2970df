#include "apps/bench/vendor.h"

#include <cstring>

#include <oneapi/dnnl/dnnl.h>

#include "tensor/error.h"
#include "tensor/parallel.h"

#ifdef AUTOST_WITH_CUDA
#include <cublas_v2.h>

#include "tensor/cuda_check.h"
#endif

namespace autost::apps::bench {

void device_sync(const Device& dev) {
#ifdef AUTOST_WITH_CUDA
  if (dev.is_cuda()) AUTOST_CUDA_CHECK(cudaDeviceSynchronize());
#endif
}

#ifdef AUTOST_WITH_CUDA
namespace {
cublasHandle_t cublas_handle(int device) {
  // One handle for the program: creating one per call would be timed as part of the ceiling.
  static cublasHandle_t h = [device] {
    AUTOST_CUDA_CHECK(cudaSetDevice(device));
    cublasHandle_t handle = nullptr;
    AUTOST_CHECK(cublasCreate(&handle) == CUBLAS_STATUS_SUCCESS, "bench: cublasCreate failed");
    return handle;
  }();
  return h;
}
}  // namespace
#endif

void vendor_sgemm(const Device& dev, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A,
                  const float* B, float* C) {
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  if (dev.is_cpu()) {
    dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);
    AUTOST_CHECK(st == dnnl_success, "bench: dnnl_sgemm failed with status ", static_cast<int>(st));
    return;
  }
#ifdef AUTOST_WITH_CUDA
  // cuBLAS is column-major: a row-major [r, c] buffer reads as its transpose, so compute
  // Cᵀ = op(B)ᵀ op(A)ᵀ by passing B first.
  const float one = 1.0f, zero = 0.0f;
  cublasStatus_t st = cublasSgemm(cublas_handle(dev.index), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                  static_cast<int>(N), static_cast<int>(M), static_cast<int>(K), &one, B,
                                  static_cast<int>(ldb), A, static_cast<int>(lda), &zero, C, static_cast<int>(N));
  AUTOST_CHECK(st == CUBLAS_STATUS_SUCCESS, "bench: cublasSgemm failed with status ", static_cast<int>(st));
#else
  AUTOST_FAIL("bench: autost was built without CUDA");
#endif
}

void vendor_copy(const Device& dev, void* dst, const void* src, size_t n) {
  if (dev.is_cpu()) {
    // One contiguous slice per thread: a single-threaded memcpy reaches only a fraction of the
    // socket's bandwidth, and the kernels it is compared with use every thread.
    auto* d = static_cast<char*>(dst);
    const auto* s = static_cast<const char*>(src);
    parallel_for(static_cast<int64_t>(n), 1 << 20, [&](int64_t b, int64_t e) {
      std::memcpy(d + b, s + b, static_cast<size_t>(e - b));
    });
    return;
  }
#ifdef AUTOST_WITH_CUDA
  AUTOST_CUDA_CHECK(cudaMemcpy(dst, src, n, cudaMemcpyDeviceToDevice));
#else
  AUTOST_FAIL("bench: autost was built without CUDA");
#endif
}

const char* vendor_sgemm_name(const Device& dev) { return dev.is_cpu() ? "dnnl_sgemm" : "cublasSgemm"; }

}  // namespace autost::apps::bench
