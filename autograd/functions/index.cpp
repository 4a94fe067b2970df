// Differentiable dropout, concatenation, splitting and indexing.
#include <numeric>

#include "autograd/ops.h"
#include "tensor/view.h"

namespace autost {
namespace {

class DropoutBackward : public Node {
 public:
  DropoutBackward(Tensor mask, double p) : mask_(std::move(mask)), p_(p) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {kernels::dropout_backward(g[0], mask_, p_)}; }
  std::string name() const override { return "dropout_backward"; }
  void release_saved() override { mask_ = Tensor(); }

 private:
  Tensor mask_;  // uint8: one byte per element is all backward needs
  double p_;
};

// Each input gets its slab of the gradient back (a view; nothing is saved but the sizes).
class CatBackward : public Node {
 public:
  CatBackward(int64_t dim, std::vector<int64_t> sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    std::vector<Tensor> out(sizes_.size());
    int64_t start = 0;
    for (size_t k = 0; k < sizes_.size(); ++k) {
      if (wants_grad(*this, k)) out[k] = raw_slice(g[0], dim_, start, start + sizes_[k], 1);
      start += sizes_[k];
    }
    return out;
  }
  std::string name() const override { return "cat_backward"; }

 private:
  int64_t dim_;
  std::vector<int64_t> sizes_;
};

class IndexSelectBackward : public Node {
 public:
  IndexSelectBackward(Shape x_shape, int64_t dim, Tensor index)
      : x_shape_(std::move(x_shape)), dim_(dim), index_(std::move(index)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {kernels::index_select_backward(g[0], x_shape_, dim_, index_)};
  }
  std::string name() const override { return "index_select_backward"; }
  void release_saved() override { index_ = Tensor(); }

 private:
  Shape x_shape_;
  int64_t dim_;
  Tensor index_;
};

class GatherBackward : public Node {
 public:
  GatherBackward(Shape x_shape, int64_t dim, Tensor index)
      : x_shape_(std::move(x_shape)), dim_(dim), index_(std::move(index)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {kernels::gather_backward(g[0], x_shape_, dim_, index_)};
  }
  std::string name() const override { return "gather_backward"; }
  void release_saved() override { index_ = Tensor(); }

 private:
  Shape x_shape_;
  int64_t dim_;
  Tensor index_;
};

}  // namespace

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  AUTOST_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability ", p, " outside [0, 1]");
  if (!training || p == 0.0) return x;
  auto [out, mask] = kernels::dropout(x, p, gen);
  if (needs_grad({&x})) set_history(out, make_node<DropoutBackward>({x}, mask, p));
  return out;
}

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  Tensor out = kernels::cat(xs, dim);  // validates shapes and dim
  if (needs_grad(xs)) {
    const int64_t d = dim < 0 ? dim + xs[0].dim() : dim;
    std::vector<int64_t> sizes;
    for (const Tensor& x : xs) sizes.push_back(x.size(d));
    set_history(out, make_node<CatBackward>(xs, d, std::move(sizes)));
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  AUTOST_CHECK(!xs.empty(), "stack: expected at least one tensor");
  for (size_t k = 0; k < xs.size(); ++k) {
    AUTOST_CHECK(xs[k].defined(), "stack: undefined input ", k);
    AUTOST_CHECK(xs[k].shape() == xs[0].shape(), "stack: input ", k, " has shape ", xs[k].shape(),
                 ", input 0 has shape ", xs[0].shape(), " (all must be equal)");
  }
  const int64_t nd = xs[0].dim() + 1;
  AUTOST_CHECK(dim >= -nd && dim < nd, "stack: dim ", dim, " out of range for inputs of shape ", xs[0].shape());
  const int64_t d = dim < 0 ? dim + nd : dim;
  std::vector<Tensor> parts;
  parts.reserve(xs.size());
  for (const Tensor& x : xs) parts.push_back(x.unsqueeze(d));
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  const int64_t d = x.wrap_dim(dim, "split");
  const int64_t n = x.size(d);
  AUTOST_CHECK(split_size > 0 || n == 0, "split: split_size must be positive, got ", split_size, " for input ",
               x.shape());
  std::vector<Tensor> out;
  if (n == 0) return {x.narrow(d, 0, 0)};
  for (int64_t start = 0; start < n; start += split_size) out.push_back(x.narrow(d, start, std::min(split_size, n - start)));
  return out;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  const int64_t d = x.wrap_dim(dim, "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    AUTOST_CHECK(s >= 0, "split: negative section size ", s, " for input ", x.shape());
    total += s;
  }
  AUTOST_CHECK(total == x.size(d), "split: sizes ", sizes, " sum to ", total, " but dim ", d, " of input ", x.shape(),
               " has size ", x.size(d));
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(x.narrow(d, start, s));
    start += s;
  }
  return out;
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  Tensor out = kernels::index_select(x, dim, index);
  if (needs_grad({&x}))
    set_history(out, make_node<IndexSelectBackward>({x}, x.shape(), x.wrap_dim(dim, "index_select"), saved(index)));
  return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  Tensor out = kernels::gather(x, dim, index);
  if (needs_grad({&x}))
    set_history(out, make_node<GatherBackward>({x}, x.shape(), x.wrap_dim(dim, "gather"), saved(index)));
  return out;
}

}  // namespace autost
