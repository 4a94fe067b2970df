// CUDA matmul through cuBLAS strided-batched GEMM. cuBLAS is column-major; a row-major C = A B is
// the column-major C^T = B^T A^T, so the operands swap places and keep their own transpose flags.
#include <climits>
#include <type_traits>

#include "kernels/cpu/matmul.h"
#include "kernels/cuda/cublas_check.h"
#include "tensor/cuda_check.h"

namespace autost::kernels::cuda {
namespace {

int as_int(int64_t v, const MatmulPlan& p) {
  AUTOST_CHECK(v <= INT_MAX, "matmul: size ", v, " exceeds cuBLAS's int range (M=", p.M, ", N=", p.N, ", K=", p.K, ")");
  return static_cast<int>(v);
}

template <class T>
void gemm_batched(cublasHandle_t h, cublasOperation_t ob, cublasOperation_t oa, int n, int m, int k, const T* B,
                  int ldb, int64_t sb, const T* A, int lda, int64_t sa, T* C, int ldc, int64_t sc, int count) {
  const T one = 1, zero = 0;
  if constexpr (std::is_same_v<T, float>) {
    AUTOST_CUBLAS_CHECK(cublasSgemmStridedBatched(h, ob, oa, n, m, k, &one, B, ldb, sb, A, lda, sa, &zero, C, ldc, sc,
                                                  count));
  } else {
    AUTOST_CUBLAS_CHECK(cublasDgemmStridedBatched(h, ob, oa, n, m, k, &one, B, ldb, sb, A, lda, sa, &zero, C, ldc, sc,
                                                  count));
  }
}

}  // namespace

void matmul(const Tensor& out, const MatmulPlan& p) {
  const int dev = out.device().index;
  AUTOST_CUDA_CHECK(cudaSetDevice(dev));
  cublasHandle_t h = cublas_handle(dev);
  const int m = as_int(p.M, p), n = as_int(p.N, p), k = as_int(p.K, p);
  const int lda = as_int(p.a.ld, p), ldb = as_int(p.b.ld, p), count = as_int(p.count, p);
  const cublasOperation_t oa = p.a.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t ob = p.b.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int64_t mat = p.M * p.N;
  dispatch_floating(out.dtype(), "matmul", [&](auto tt) {
    using T = typename decltype(tt)::type;
    const T* A = static_cast<const T*>(p.a.t.data_ptr());
    const T* B = static_cast<const T*>(p.b.t.data_ptr());
    T* C = static_cast<T*>(out.data_ptr());
    for (size_t r = 0; r < p.outer_a.size(); ++r)
      gemm_batched<T>(h, ob, oa, n, m, k, B + p.outer_b[r], ldb, p.stride_b, A + p.outer_a[r], lda, p.stride_a,
                      C + static_cast<int64_t>(r) * p.count * mat, n, mat, count);
  });
}

}  // namespace autost::kernels::cuda
