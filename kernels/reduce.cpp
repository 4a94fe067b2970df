// The boundary of the reductions: planning, output allocation and device dispatch.
#include "kernels/backend.h"
#include "kernels/cpu/reduce.h"
#include "kernels/ops.h"
#include "kernels/reduce_plan.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::kernels {
namespace {

Tensor sum_scaled(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool average, const char* op) {
  AUTOST_CHECK(x.defined(), op, ": undefined input");
  AUTOST_CHECK(x.dtype() == kFloat32 || x.dtype() == kFloat64, op, ": dtype ", dtype_name(x.dtype()),
               " not supported (float32 or float64), shape ", x.shape());
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

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  AUTOST_CHECK(lead >= 0, "sum_to: cannot reduce shape ", x.shape(), " to ", shape);
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < lead) {
      dims.push_back(d);
      continue;
    }
    int64_t want = shape[d - lead];
    AUTOST_CHECK(want == x.shape()[d] || want == 1, "sum_to: cannot reduce shape ", x.shape(), " to ", shape);
    if (want == 1 && x.shape()[d] != 1) dims.push_back(d);
  }
  if (dims.empty()) return raw_view(raw_contiguous(x), shape);  // only size-1 dims differ
  Tensor r = sum(x, dims, true);
  return raw_view(r, shape);
}

}  // namespace autost::kernels
