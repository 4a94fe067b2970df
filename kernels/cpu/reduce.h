#pragma once
// Reduction backends over a contiguous [outer, R, inner] input (see kernels/reduce_plan.h); the
// outputs are contiguous [outer, inner].
#include "tensor/tensor.h"

namespace autost::kernels::cpu {
void sum(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double scale);
// Two-pass variance: sum of squared deviations from the mean, divided by `divisor` (R - correction).
void var(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double divisor);
// Maximum and the int64 index of its first occurrence along R (R >= 1).
void max(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner);
}  // namespace autost::kernels::cpu
namespace autost::kernels::cuda {
void sum(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double scale);
void var(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, double divisor);
void max(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner);
}  // namespace autost::kernels::cuda
