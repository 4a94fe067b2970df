// Differentiable reductions.
#include "autograd/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost {
namespace {

// Shape of a keepdim=true result, for broadcasting a reduced gradient back over the input.
Shape kept_shape(const Shape& in, const std::vector<int64_t>& dims) {
  Shape s = in;
  if (dims.empty()) {
    for (auto& v : s) v = 1;
    return s;
  }
  for (int64_t d : dims) s[d < 0 ? d + static_cast<int64_t>(in.size()) : d] = 1;
  return s;
}

// sum and mean: the gradient is the output gradient broadcast back (times 1/R for mean).
class SumBackward : public Node {
 public:
  SumBackward(Shape in, Shape kept, double scale) : in_(std::move(in)), kept_(std::move(kept)), scale_(scale) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor gk = raw_view(raw_contiguous(g[0]), kept_);
    Tensor out = empty(in_, TensorOptions(g[0].dtype()).device(g[0].device()));
    copy_into(out, scale_ == 1.0 ? gk : kernels::binary_scalar(kernels::BinaryOp::Mul, gk, scale_));
    return {out};
  }
  std::string name() const override { return "sum_backward"; }

 private:
  Shape in_, kept_;
  double scale_;
};

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor y = kernels::sum(x, dims, keepdim);
  if (needs_grad({&x})) set_history(y, make_node<SumBackward>({x}, x.shape(), kept_shape(x.shape(), dims), 1.0));
  return y;
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor y = kernels::mean(x, dims, keepdim);
  if (needs_grad({&x})) {
    double count = static_cast<double>(x.numel()) / static_cast<double>(std::max<int64_t>(y.numel(), 1));
    set_history(y, make_node<SumBackward>({x}, x.shape(), kept_shape(x.shape(), dims), 1.0 / count));
  }
  return y;
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  // Expressed through sum so the gradient (a broadcast back) comes for free.
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  AUTOST_CHECK(lead >= 0, "sum_to: cannot reduce shape ", x.shape(), " to ", shape);
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1)) dims.push_back(d);
  if (dims.empty()) return x.reshape(shape);
  return sum(x, dims, true).reshape(shape);
}

}  // namespace autost
