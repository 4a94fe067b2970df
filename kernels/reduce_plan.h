#pragma once
// Reductions are planned as [outer, R, inner]: the reduced dims (after dropping size-1 dims and
// merging neighbours) form one block of R elements between `outer` kept rows and `inner` kept
// columns. When the reduced dims are not adjacent the input is first permuted (copied) so they are.
#include <vector>

#include "tensor/tensor.h"

namespace autost::kernels {

struct ReducePlan {
  Tensor input;        // contiguous, laid out as [outer, R, inner]
  int64_t outer = 1, reduced = 1, inner = 1;
  Shape out_shape;     // result shape (keepdim applied)
};

// dims: any order, negative allowed, empty = all. `op` names the caller in errors.
ReducePlan plan_reduction(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const char* op);

// The dims to sum (with keepdim) so that shape `from` becomes `to`, undoing numpy broadcasting:
// the extra leading dims, and every dim where `to` has 1 and `from` does not. An error when `to`
// is not a shape `from` could have been broadcast from. Shared by the kernel and autograd sum_to.
std::vector<int64_t> sum_to_dims(const Shape& from, const Shape& to);

}  // namespace autost::kernels
