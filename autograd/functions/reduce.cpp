// Differentiable reductions.
#include <algorithm>

#include "autograd/ops.h"
#include "kernels/reduce_plan.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost {
namespace {

// Shape of a keepdim=true result, for broadcasting a reduced gradient back over the input.
Shape kept_shape(const Shape& in, const std::vector<int64_t>& dims) {
  Shape s = in;
  if (dims.empty() || in.empty()) {  // a 0-d input reduced over its dim 0 keeps shape []
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

// var: d/dx = 2 (x - mean) / (R - correction), times the output gradient broadcast back. Saves x
// (the mean is recomputed: one cheap reduction instead of a second saved tensor).
class VarBackward : public Node {
 public:
  VarBackward(Tensor x, std::vector<int64_t> dims, Shape kept, double scale)
      : x_(std::move(x)), dims_(std::move(dims)), kept_(std::move(kept)), scale_(scale) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    using kernels::BinaryOp;
    Tensor centred = kernels::binary(BinaryOp::Sub, x_, kernels::mean(x_, dims_, true));
    Tensor gk = kernels::binary_scalar(BinaryOp::Mul, raw_view(raw_contiguous(g[0]), kept_), scale_);
    return {kernels::binary(BinaryOp::Mul, centred, gk)};
  }
  std::string name() const override { return "var_backward"; }
  void release_saved() override { x_ = Tensor(); }

 private:
  Tensor x_;
  std::vector<int64_t> dims_;
  Shape kept_;
  double scale_;
};

// max over everything: the gradient is shared evenly by every element equal to the maximum.
class MaxAllBackward : public Node {
 public:
  MaxAllBackward(Tensor x, Tensor y) : x_(std::move(x)), y_(std::move(y)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    using kernels::BinaryOp;
    using kernels::CompareOp;
    // Elements equal to the maximum, or every NaN when the maximum is NaN (NaN == NaN is false).
    auto as_float = [&](const Tensor& b) { return raw_to_dtype(b, x_.dtype()); };
    Tensor mask = kernels::binary(
        BinaryOp::Add, as_float(kernels::compare(CompareOp::Eq, x_, y_)),
        kernels::binary(BinaryOp::Mul, as_float(kernels::compare(CompareOp::Ne, x_, x_)),
                        as_float(kernels::compare(CompareOp::Ne, y_, y_))));
    Tensor share = kernels::binary(BinaryOp::Div, g[0], kernels::sum(mask, {}, false));
    return {kernels::binary(BinaryOp::Mul, mask, share)};
  }
  std::string name() const override { return "max_backward"; }
  void release_saved() override { x_ = y_ = Tensor(); }

 private:
  Tensor x_, y_;
};

// max along a dim: the whole gradient goes to the returned index. Only the int64 indices are
// saved; the mask is rebuilt by comparing them with a broadcast arange along the dim.
class MaxDimBackward : public Node {
 public:
  MaxDimBackward(Tensor indices, Shape in, int64_t dim, Shape kept)
      : indices_(std::move(indices)), in_(std::move(in)), dim_(dim), kept_(std::move(kept)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor gk = raw_view(raw_contiguous(g[0]), kept_);
    if (in_.empty()) return {gk};  // 0-d input: the maximum is the input itself
    Shape pos_shape(in_.size(), 1);
    pos_shape[dim_] = in_[dim_];
    Tensor pos = raw_view(arange(in_[dim_], TensorOptions(kInt64).device(g[0].device())), pos_shape);
    Tensor hit = kernels::compare(kernels::CompareOp::Eq, pos, raw_view(raw_contiguous(indices_), kept_));
    Tensor zero = zeros({}, TensorOptions(g[0].dtype()).device(g[0].device()));
    return {kernels::where(hit, gk, zero)};
  }
  std::string name() const override { return "max_dim_backward"; }
  void release_saved() override { indices_ = Tensor(); }

 private:
  Tensor indices_;
  Shape in_;
  int64_t dim_;
  Shape kept_;
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

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, bool unbiased, bool keepdim) {
  const int64_t correction = unbiased ? 1 : 0;
  Tensor y = kernels::var(x, dims, correction, keepdim);
  if (needs_grad({&x})) {
    double count = static_cast<double>(x.numel()) / static_cast<double>(std::max<int64_t>(y.numel(), 1));
    double scale = 2.0 / std::max(0.0, count - static_cast<double>(correction));
    set_history(y, make_node<VarBackward>({x}, saved(x), dims, kept_shape(x.shape(), dims), scale));
  }
  return y;
}

Tensor max(const Tensor& x) {
  Tensor y = kernels::max_all(x);
  if (needs_grad({&x})) set_history(y, make_node<MaxAllBackward>({x}, saved(x), saved(y)));
  return y;
}

std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  auto [values, indices] = kernels::max(x, dim, keepdim);
  if (needs_grad({&x})) {
    int64_t d = x.wrap_dim(dim, "max");
    Shape kept = x.dim() == 0 ? Shape{} : kept_shape(x.shape(), {d});
    set_history(values, make_node<MaxDimBackward>({x}, indices, x.shape(), d, kept));
  }
  return {values, indices};
}

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) { return kernels::max(x, dim, keepdim).second; }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  // Expressed through sum so the gradient (a broadcast back) comes for free.
  std::vector<int64_t> dims = kernels::sum_to_dims(x.shape(), shape);
  if (dims.empty()) return x.reshape(shape);
  return sum(x, dims, true).reshape(shape);
}

}  // namespace autost
