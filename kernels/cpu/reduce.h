#pragma once
// Reduction backends over a contiguous [outer, R, inner] input (see kernels/reduce_plan.h); the
// output is contiguous [outer, inner].
#include "tensor/tensor.h"

namespace autost::kernels::cpu {
void sum(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double scale);
}
namespace autost::kernels::cuda {
void sum(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double scale);
}
