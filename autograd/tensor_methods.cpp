// The differentiable Tensor member functions (views, copies, conversions) and the autograd
// accessors. Views share storage with their input; their backward maps the gradient back to the
// input's shape.
#include <algorithm>

#include "autograd/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost {
namespace {

// Gradient of any reshaping view: reshape back.
class ReshapeBackward : public Node {
 public:
  explicit ReshapeBackward(Shape in) : in_(std::move(in)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {raw_view(raw_contiguous(g[0]), in_)}; }
  std::string name() const override { return "reshape_backward"; }

 private:
  Shape in_;
};

class PermuteBackward : public Node {
 public:
  explicit PermuteBackward(std::vector<int64_t> dims) : inverse_(dims.size()) {
    for (size_t i = 0; i < dims.size(); ++i) inverse_[dims[i]] = static_cast<int64_t>(i);
  }
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {raw_permute(g[0], inverse_)}; }
  std::string name() const override { return "permute_backward"; }

 private:
  std::vector<int64_t> inverse_;
};

// Slices (narrow, slice with step, select): scatter the gradient into zeros of the input's shape.
class SliceBackward : public Node {
 public:
  SliceBackward(Shape in, int64_t dim, int64_t start, int64_t end, int64_t step, bool squeezed)
      : in_(std::move(in)), dim_(dim), start_(start), end_(end), step_(step), squeezed_(squeezed) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor out = zeros(in_, TensorOptions(g[0].dtype()).device(g[0].device()));
    Tensor window = raw_slice(out, dim_, start_, end_, step_);
    copy_into(window, squeezed_ ? raw_unsqueeze(g[0], dim_) : g[0]);
    return {out};
  }
  std::string name() const override { return "slice_backward"; }

 private:
  Shape in_;
  int64_t dim_, start_, end_, step_;
  bool squeezed_;
};

class ExpandBackward : public Node {
 public:
  explicit ExpandBackward(Shape in) : in_(std::move(in)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {kernels::sum_to(g[0], in_)}; }
  std::string name() const override { return "expand_backward"; }

 private:
  Shape in_;
};

class IdentityBackward : public Node {
 public:
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0]}; }
  std::string name() const override { return "identity_backward"; }
};

// Device and dtype moves: the gradient goes back to where (and what) the input was.
class ToBackward : public Node {
 public:
  ToBackward(Device d, DType t) : device_(d), dtype_(t) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {raw_to_dtype(raw_to_device(g[0], device_), dtype_)};
  }
  std::string name() const override { return "to_backward"; }

 private:
  Device device_;
  DType dtype_;
};

template <class NodeT, class... Args>
Tensor record(const Tensor& self, Tensor out, Args&&... args) {
  if (needs_grad({&self})) set_history(out, make_node<NodeT>({self}, std::forward<Args>(args)...));
  return out;
}

// A contiguous copy made for a layout change (contiguous(), reshape()): spikes stay spikes, so
// their byte copy (Storage::byte_shadow) is repacked alongside. clone() makes an ordinary tensor.
Tensor relayout(const Tensor& t) {
  Tensor out = raw_clone(t);
  Tensor bytes = raw_byte_shadow(t);
  if (bytes.defined()) out.storage()->set_byte_shadow(raw_clone(bytes).storage());
  return out;
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const { return record<ReshapeBackward>(*this, raw_view(*this, shape), this->shape()); }

Tensor Tensor::reshape(const Shape& shape) const {
  Shape s = infer_shape(shape, numel(), "reshape");
  auto st = view_strides(this->shape(), strides(), s);
  Tensor out = st ? as_strided(*this, s, *st, offset()) : raw_view(relayout(*this), s);
  return record<ReshapeBackward>(*this, out, this->shape());
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  Tensor out = raw_permute(*this, dims);
  std::vector<int64_t> wrapped(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) wrapped[i] = wrap_dim(dims[i], "permute");
  return record<PermuteBackward>(*this, out, wrapped);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  d0 = wrap_dim(d0, "transpose");
  d1 = wrap_dim(d1, "transpose");
  if (dim() < 2) return *this;
  std::vector<int64_t> dims(dim());
  for (int64_t i = 0; i < dim(); ++i) dims[i] = i;
  std::swap(dims[d0], dims[d1]);
  return permute(dims);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  d = wrap_dim(d, "slice");
  AUTOST_CHECK(dim() > 0, "slice: a 0-d tensor has no dimension to slice");
  int64_t n = shape()[d];
  int64_t s = start < 0 ? start + n : start, e = end < 0 ? end + n : end;
  s = std::clamp<int64_t>(s, 0, n);
  e = std::clamp<int64_t>(e, s, n);
  return record<SliceBackward>(*this, raw_slice(*this, d, s, e, step), shape(), d, s, e, step, false);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  d = wrap_dim(d, "narrow");
  AUTOST_CHECK(dim() > 0, "narrow: a 0-d tensor has no dimension to narrow");
  AUTOST_CHECK(start >= 0 && length >= 0 && start + length <= shape()[d], "narrow: [", start, ", ", start + length,
               ") out of range for dimension ", d, " of shape ", shape());
  return slice(d, start, start + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = wrap_dim(d, "select");
  AUTOST_CHECK(dim() > 0, "select: a 0-d tensor has no dimension to select");
  int64_t n = shape()[d];
  int64_t i = index < 0 ? index + n : index;
  AUTOST_CHECK(i >= 0 && i < n, "select: index ", index, " out of range for dimension ", d, " of shape ", shape());
  Tensor out = raw_squeeze(raw_slice(*this, d, i, i + 1, 1), d);
  return record<SliceBackward>(*this, out, shape(), d, i, i + 1, 1, true);
}

Tensor Tensor::expand(const Shape& shape) const { return record<ExpandBackward>(*this, raw_expand(*this, shape), this->shape()); }

Tensor Tensor::squeeze() const { return record<ReshapeBackward>(*this, raw_squeeze(*this, std::nullopt), shape()); }
Tensor Tensor::squeeze(int64_t d) const { return record<ReshapeBackward>(*this, raw_squeeze(*this, d), shape()); }
Tensor Tensor::unsqueeze(int64_t d) const { return record<ReshapeBackward>(*this, raw_unsqueeze(*this, d), shape()); }

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  int64_t s = wrap_dim(start_dim, "flatten"), e = wrap_dim(end_dim, "flatten");
  AUTOST_CHECK(s <= e, "flatten: start_dim ", start_dim, " after end_dim ", end_dim, " for shape ", shape());
  Shape out;
  for (int64_t d = 0; d < s; ++d) out.push_back(shape()[d]);
  int64_t m = 1;
  for (int64_t d = s; d <= e; ++d) m *= shape()[d];
  out.push_back(m);
  for (int64_t d = e + 1; d < dim(); ++d) out.push_back(shape()[d]);
  return reshape(out);
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return record<IdentityBackward>(*this, relayout(*this));
}

Tensor Tensor::clone() const { return record<IdentityBackward>(*this, raw_clone(*this)); }

Tensor Tensor::to(Device d) const {
  if (device() == d) return *this;
  return record<ToBackward>(*this, raw_to_device(*this, d), device(), dtype());
}

Tensor Tensor::to(DType d) const {
  if (dtype() == d) return *this;
  Tensor out = raw_to_dtype(*this, d);
  if (!is_floating(d)) return out;  // integer results carry no gradient
  return record<ToBackward>(*this, out, device(), dtype());
}

Tensor Tensor::detach() const { return saved(*this); }

// In-place writes are invisible to autograd, so they are refused on tensors that take part in it
// unless grad mode is off (as an optimizer step runs).
static void check_in_place(const Tensor& t, const char* op) {
  AUTOST_CHECK(!(GradMode::enabled() && t.requires_grad()), op, ": in-place write to a tensor of shape ", t.shape(),
               " that requires grad (use NoGradGuard or detach())");
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_in_place(*this, "copy_");
  copy_into(*this, src);
  return *this;
}

Tensor& Tensor::fill_(double value) {
  check_in_place(*this, "fill_");
  raw_fill(*this, value);
  return *this;
}

bool Tensor::requires_grad() const {
  const auto& m = checked()->autograd;
  return m && (m->requires_grad || m->grad_fn);
}

Tensor& Tensor::set_requires_grad(bool r) {
  auto& m = checked()->autograd;
  AUTOST_CHECK(!(m && m->grad_fn), "set_requires_grad: only leaf tensors can be set (this one has a grad_fn)");
  AUTOST_CHECK(!r || is_floating(dtype()), "set_requires_grad: only floating tensors can require grad, got ",
               dtype_name(dtype()));
  if (!m) m = std::make_shared<AutogradMeta>();
  m->requires_grad = r;
  return *this;
}

bool Tensor::is_leaf() const {
  const auto& m = checked()->autograd;
  return !m || !m->grad_fn;
}

Tensor Tensor::grad() const {
  const auto& m = checked()->autograd;
  return m ? m->grad : Tensor();
}

void Tensor::set_grad(const Tensor& g) {
  auto& m = checked()->autograd;
  if (!m) m = std::make_shared<AutogradMeta>();
  AUTOST_CHECK(!g.defined() || g.shape() == shape(), "set_grad: gradient of shape ", g.shape(), " for a tensor of shape ",
               shape());
  m->grad = g;
}

std::shared_ptr<Node> Tensor::grad_fn() const {
  const auto& m = checked()->autograd;
  return m ? m->grad_fn : nullptr;
}

void Tensor::backward(const Tensor& gradient) const {
  Tensor g = gradient;
  if (!g.defined()) {
    AUTOST_CHECK(numel() == 1, "backward: gradient can be implicit only for one-element outputs, got shape ", shape());
    g = ones(shape(), TensorOptions(dtype()).device(device()));
  }
  AUTOST_CHECK(g.shape() == shape(), "backward: gradient of shape ", g.shape(), " for an output of shape ", shape());
  run_backward({*this}, {g});
}

}  // namespace autost
