#include "kernels/reduce_plan.h"

#include <algorithm>

#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::kernels {

ReducePlan plan_reduction(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const char* op) {
  const int64_t n = x.dim();
  std::vector<bool> reduce(n, dims.empty());
  for (int64_t d : dims) {
    int64_t w = x.wrap_dim(d, op);
    if (n == 0) continue;  // a 0-d tensor's dim 0 is the tensor itself: nothing to mark
    AUTOST_CHECK(!reduce[w] || dims.empty(), op, ": dimension ", d, " repeated in reduction dims for shape ", x.shape());
    reduce[w] = true;
  }
  ReducePlan p;
  for (int64_t d = 0; d < n; ++d) {
    if (!reduce[d])
      p.out_shape.push_back(x.shape()[d]);
    else if (keepdim)
      p.out_shape.push_back(1);
  }
  // Reduced dims of size 1 change nothing; ignore them when deciding adjacency.
  std::vector<int64_t> red, rest;
  for (int64_t d = 0; d < n; ++d) (reduce[d] && x.shape()[d] != 1 ? red : rest).push_back(d);
  bool adjacent = red.empty() || red.back() - red.front() + 1 == static_cast<int64_t>(red.size());
  Tensor in = x;
  if (!adjacent) {  // move the reduced dims to the end, in order
    std::vector<int64_t> order = rest;
    order.insert(order.end(), red.begin(), red.end());
    in = raw_permute(x, order);
    int64_t k = static_cast<int64_t>(red.size());
    for (int64_t i = 0; i < k; ++i) red[i] = n - k + i;
  }
  p.input = raw_contiguous(in);
  const Shape& s = p.input.shape();
  int64_t first = red.empty() ? n : red.front(), last = red.empty() ? n - 1 : red.back();
  for (int64_t d = 0; d < first; ++d) p.outer *= s[d];
  for (int64_t d = first; d <= last && d < n; ++d) p.reduced *= s[d];
  for (int64_t d = last + 1; d < n; ++d) p.inner *= s[d];
  if (red.empty()) p.reduced = 1;
  return p;
}

std::vector<int64_t> sum_to_dims(const Shape& from, const Shape& to) {
  const int64_t n = static_cast<int64_t>(from.size()), lead = n - static_cast<int64_t>(to.size());
  AUTOST_CHECK(lead >= 0, "sum_to: cannot reduce shape ", from, " to ", to);
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < n; ++d) {
    if (d < lead) {
      dims.push_back(d);
      continue;
    }
    const int64_t want = to[d - lead];
    AUTOST_CHECK(want == from[d] || want == 1, "sum_to: cannot reduce shape ", from, " to ", to);
    if (want == 1 && from[d] != 1) dims.push_back(d);
  }
  return dims;
}

}  // namespace autost::kernels
