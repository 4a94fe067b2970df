#pragma once
// How a (batched) matmul maps onto GEMM calls, computed once at the op boundary and shared by both
// backends. Each operand is described by its storage: a matrix whose rows or columns are unit
// stride (a transposed view is just the other layout, so it is never copied), plus the element
// strides of the broadcast batch dims (0 where the operand is broadcast).
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace autost::kernels {

struct GemmOperand {
  Tensor t;            // points at element (0, 0) of batch 0
  bool trans = false;  // storage holds op(X) transposed (so GEMM must transpose it back)
  int64_t ld = 1;      // leading dimension of the storage (row stride of the stored matrix)
};

// C[b] (M x N, contiguous) = op(A[b]) (M x K) * op(B[b]) (K x N) for every batch index b. The batch
// is walked as `outer` (one entry per outer batch index: element offsets into A and B) times an
// inner run of `count` matrices with constant strides, which is what strided-batched GEMM takes.
struct MatmulPlan {
  GemmOperand a, b;
  int64_t M = 0, N = 0, K = 0;
  int64_t count = 1;
  int64_t stride_a = 0, stride_b = 0;  // between consecutive matrices of a run; C's is M * N
  std::vector<int64_t> outer_a, outer_b;  // one pair of element offsets per run; C's is run * count * M * N
};

}  // namespace autost::kernels
