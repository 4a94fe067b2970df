// The boundary of the reductions: planning, output allocation and device dispatch.
#include <algorithm>
#include <limits>

#include "kernels/backend.h"
#include "kernels/cpu/reduce.h"
#include "kernels/ops.h"
#include "kernels/reduce_plan.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::kernels {
namespace {

Tensor sum_scaled(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool average, const char* op) {
  check_floating(op, x);
  ReducePlan p = plan_reduction(x, dims, keepdim, op);
  if (average) AUTOST_CHECK(p.reduced > 0, op, ": mean over an empty set of elements, shape ", x.shape());
  Tensor out = empty(p.out_shape, TensorOptions(x.dtype()).device(x.device()));
  if (out.numel() == 0) return out;
  if (p.reduced == 0) {  // a sum over nothing is 0
    out.zero_();
    return out;
  }
  double scale = average ? 1.0 / static_cast<double>(p.reduced) : 1.0;
  AUTOST_BACKEND(x.device(), op, sum, out, p.input, p.outer, p.reduced, p.inner, scale);
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return sum_scaled(x, dims, keepdim, false, "sum");
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return sum_scaled(x, dims, keepdim, true, "mean");
}

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  check_floating("var", x);
  AUTOST_CHECK(correction >= 0, "var: correction ", correction, " must be non-negative, shape ", x.shape());
  ReducePlan p = plan_reduction(x, dims, keepdim, "var");
  Tensor out = empty(p.out_shape, TensorOptions(x.dtype()).device(x.device()));
  if (out.numel() == 0) return out;
  if (p.reduced == 0) {  // torch: the variance of nothing is NaN
    out.fill_(std::numeric_limits<double>::quiet_NaN());
    return out;
  }
  // Too few elements for the correction gives 0 / 0 = NaN or x / 0 = inf, as torch does.
  double divisor = std::max<double>(0.0, static_cast<double>(p.reduced - correction));
  AUTOST_BACKEND(x.device(), "var", var, out, p.input, p.outer, p.reduced, p.inner, divisor);
  return out;
}

std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  check_floating("max", x);
  int64_t d = x.wrap_dim(dim, "max");
  // A 0-d tensor is its own maximum over "dim 0"; plan it as a length-1 vector.
  Tensor in = x.dim() == 0 ? raw_view(x, {1}) : x;
  AUTOST_CHECK(in.shape()[d] > 0, "max: reduction over dimension ", dim, " of size 0, shape ", x.shape());
  ReducePlan p = plan_reduction(in, {d}, keepdim && x.dim() > 0, "max");
  if (x.dim() == 0) p.out_shape = {};
  TensorOptions opts = TensorOptions(x.dtype()).device(x.device());
  Tensor values = empty(p.out_shape, opts);
  Tensor indices = empty(p.out_shape, TensorOptions(kInt64).device(x.device()));
  if (values.numel() == 0) return {values, indices};
  AUTOST_BACKEND(x.device(), "max", max, values, indices, p.input, p.outer, p.reduced, p.inner);
  return {values, indices};
}

Tensor max_all(const Tensor& x) {
  AUTOST_CHECK(x.defined(), "max: undefined input");
  AUTOST_CHECK(x.numel() > 0, "max: empty input of shape ", x.shape(), " has no maximum");
  Tensor flat = raw_view(raw_contiguous(x), {x.numel()});
  return max(flat, 0, false).first;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  std::vector<int64_t> dims = sum_to_dims(x.shape(), shape);
  if (dims.empty()) return raw_view(raw_contiguous(x), shape);  // only size-1 dims differ
  return raw_view(sum(x, dims, true), shape);
}

}  // namespace autost::kernels
