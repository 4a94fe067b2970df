// Differentiable elementwise ops. Each backward is one fused kernel computing grad * f'(...).
#include "autograd/ops.h"
#include "tensor/view.h"

namespace autost {
namespace {

using kernels::BinaryOp;
using kernels::UnaryOp;

// Ops whose derivative is cheapest from the output (exp, sigmoid, ...) save y; the others save x.
bool derivative_uses_output(UnaryOp op) {
  return op == UnaryOp::Exp || op == UnaryOp::Sqrt || op == UnaryOp::Rsqrt || op == UnaryOp::Sigmoid ||
         op == UnaryOp::Tanh;
}

class UnaryBackward : public Node {
 public:
  UnaryBackward(UnaryOp op, Tensor x, Tensor y) : op_(op), x_(std::move(x)), y_(std::move(y)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    if (op_ == UnaryOp::Neg) return {kernels::unary(UnaryOp::Neg, g[0])};
    return {kernels::unary_backward(op_, g[0], x_, y_)};
  }
  std::string name() const override { return std::string(kernels::op_name(op_)) + "_backward"; }
  void release_saved() override { x_ = y_ = Tensor(); }

 private:
  UnaryOp op_;
  Tensor x_, y_;
};

Tensor record_unary(UnaryOp op, const Tensor& x) {
  Tensor y = kernels::unary(op, x);
  if (needs_grad({&x})) {
    bool use_y = derivative_uses_output(op);
    Tensor sx = (op == UnaryOp::Neg || use_y) ? Tensor() : saved(x);
    Tensor sy = use_y ? saved(y) : Tensor();
    set_history(y, make_node<UnaryBackward>({x}, op, sx, sy));
  }
  return y;
}

// Add and Sub need no saved inputs; the others keep both operands.
bool backward_needs_operands(BinaryOp op) { return op != BinaryOp::Add && op != BinaryOp::Sub; }

class BinaryBackward : public Node {
 public:
  BinaryBackward(BinaryOp op, Tensor a, Tensor b, Shape a_shape, Shape b_shape)
      : op_(op), a_(std::move(a)), b_(std::move(b)), a_shape_(std::move(a_shape)), b_shape_(std::move(b_shape)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    bool need_a = wants_grad(*this, 0), need_b = wants_grad(*this, 1);
    Tensor ga, gb;
    if (op_ == BinaryOp::Add || op_ == BinaryOp::Sub) {
      if (need_a) ga = g[0];
      if (need_b) gb = op_ == BinaryOp::Add ? g[0] : kernels::unary(UnaryOp::Neg, g[0]);
    } else {
      std::tie(ga, gb) = kernels::binary_backward(op_, g[0], a_, b_, need_a, need_b);
    }
    if (ga.defined()) ga = kernels::sum_to(ga, a_shape_);
    if (gb.defined()) gb = kernels::sum_to(gb, b_shape_);
    return {ga, gb};
  }
  std::string name() const override { return std::string(kernels::op_name(op_)) + "_backward"; }
  void release_saved() override { a_ = b_ = Tensor(); }

 private:
  BinaryOp op_;
  Tensor a_, b_;
  Shape a_shape_, b_shape_;
};

Tensor record_binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  Tensor y = kernels::binary(op, a, b);
  if (needs_grad({&a, &b})) {
    bool keep = backward_needs_operands(op);
    set_history(y, make_node<BinaryBackward>({a, b}, op, keep ? saved(a) : Tensor(), keep ? saved(b) : Tensor(),
                                             a.shape(), b.shape()));
  }
  return y;
}

// tensor op scalar, or scalar op tensor (scalar_first).
class ScalarBackward : public Node {
 public:
  ScalarBackward(BinaryOp op, Tensor a, double s, bool scalar_first)
      : op_(op), a_(std::move(a)), s_(s), scalar_first_(scalar_first) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    if (op_ == BinaryOp::Add || (op_ == BinaryOp::Sub && !scalar_first_)) return {g[0]};
    if (op_ == BinaryOp::Sub) return {kernels::unary(UnaryOp::Neg, g[0])};
    if (op_ == BinaryOp::Mul) return {kernels::binary_scalar(BinaryOp::Mul, g[0], s_)};
    if (op_ == BinaryOp::Div && !scalar_first_) return {kernels::binary_scalar(BinaryOp::Div, g[0], s_)};
    return {scalar_first_ ? kernels::scalar_binary_backward(op_, g[0], s_, a_)
                          : kernels::binary_scalar_backward(op_, g[0], a_, s_)};
  }
  std::string name() const override { return std::string(kernels::op_name(op_)) + "_scalar_backward"; }
  void release_saved() override { a_ = Tensor(); }

 private:
  BinaryOp op_;
  Tensor a_;
  double s_;
  bool scalar_first_;
};

Tensor with_scalar(BinaryOp op, const Tensor& a, double s, bool scalar_first) {
  Tensor y = scalar_first ? kernels::scalar_binary(op, s, a) : kernels::binary_scalar(op, a, s);
  if (needs_grad({&a})) {
    bool keep = op != BinaryOp::Add && op != BinaryOp::Sub && op != BinaryOp::Mul && !(op == BinaryOp::Div && !scalar_first);
    set_history(y, make_node<ScalarBackward>({a}, op, keep ? saved(a) : Tensor(), s, scalar_first));
  }
  return y;
}

class WhereBackward : public Node {
 public:
  WhereBackward(Tensor cond, Shape a_shape, Shape b_shape)
      : cond_(std::move(cond)), a_shape_(std::move(a_shape)), b_shape_(std::move(b_shape)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor zero = zeros({}, TensorOptions(g[0].dtype()).device(g[0].device()));
    Tensor ga, gb;
    if (wants_grad(*this, 0)) ga = kernels::sum_to(kernels::where(cond_, g[0], zero), a_shape_);
    if (wants_grad(*this, 1)) gb = kernels::sum_to(kernels::where(cond_, zero, g[0]), b_shape_);
    return {ga, gb};
  }
  std::string name() const override { return "where_backward"; }
  void release_saved() override { cond_ = Tensor(); }

 private:
  Tensor cond_;
  Shape a_shape_, b_shape_;
};

}  // namespace

Tensor neg(const Tensor& x) { return record_unary(UnaryOp::Neg, x); }
Tensor abs(const Tensor& x) { return record_unary(UnaryOp::Abs, x); }
Tensor exp(const Tensor& x) { return record_unary(UnaryOp::Exp, x); }
Tensor log(const Tensor& x) { return record_unary(UnaryOp::Log, x); }
Tensor sqrt(const Tensor& x) { return record_unary(UnaryOp::Sqrt, x); }
Tensor rsqrt(const Tensor& x) { return record_unary(UnaryOp::Rsqrt, x); }
Tensor relu(const Tensor& x) { return record_unary(UnaryOp::Relu, x); }
Tensor sigmoid(const Tensor& x) { return record_unary(UnaryOp::Sigmoid, x); }
Tensor tanh(const Tensor& x) { return record_unary(UnaryOp::Tanh, x); }
Tensor gelu(const Tensor& x) { return record_unary(UnaryOp::Gelu, x); }

Tensor add(const Tensor& a, const Tensor& b) { return record_binary(BinaryOp::Add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return record_binary(BinaryOp::Sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return record_binary(BinaryOp::Mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return record_binary(BinaryOp::Div, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return record_binary(BinaryOp::Pow, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return record_binary(BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return record_binary(BinaryOp::Minimum, a, b); }
Tensor add(const Tensor& a, double s) { return with_scalar(BinaryOp::Add, a, s, false); }
Tensor sub(const Tensor& a, double s) { return with_scalar(BinaryOp::Sub, a, s, false); }
Tensor mul(const Tensor& a, double s) { return with_scalar(BinaryOp::Mul, a, s, false); }
Tensor div(const Tensor& a, double s) { return with_scalar(BinaryOp::Div, a, s, false); }
Tensor pow(const Tensor& a, double s) { return with_scalar(BinaryOp::Pow, a, s, false); }
Tensor maximum(const Tensor& a, double s) { return with_scalar(BinaryOp::Maximum, a, s, false); }
Tensor minimum(const Tensor& a, double s) { return with_scalar(BinaryOp::Minimum, a, s, false); }
Tensor rsub(double s, const Tensor& a) { return with_scalar(BinaryOp::Sub, a, s, true); }
Tensor rdiv(double s, const Tensor& a) { return with_scalar(BinaryOp::Div, a, s, true); }
Tensor rpow(double s, const Tensor& a) { return with_scalar(BinaryOp::Pow, a, s, true); }

Tensor eq(const Tensor& a, const Tensor& b) { return kernels::compare(kernels::CompareOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return kernels::compare(kernels::CompareOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return kernels::compare(kernels::CompareOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return kernels::compare(kernels::CompareOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return kernels::compare(kernels::CompareOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return kernels::compare(kernels::CompareOp::Ge, a, b); }
Tensor eq(const Tensor& a, double s) { return kernels::compare_scalar(kernels::CompareOp::Eq, a, s); }
Tensor ne(const Tensor& a, double s) { return kernels::compare_scalar(kernels::CompareOp::Ne, a, s); }
Tensor lt(const Tensor& a, double s) { return kernels::compare_scalar(kernels::CompareOp::Lt, a, s); }
Tensor le(const Tensor& a, double s) { return kernels::compare_scalar(kernels::CompareOp::Le, a, s); }
Tensor gt(const Tensor& a, double s) { return kernels::compare_scalar(kernels::CompareOp::Gt, a, s); }
Tensor ge(const Tensor& a, double s) { return kernels::compare_scalar(kernels::CompareOp::Ge, a, s); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Tensor y = kernels::where(cond, a, b);
  if (needs_grad({&a, &b})) set_history(y, make_node<WhereBackward>({a, b}, saved(cond), a.shape(), b.shape()));
  return y;
}

Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double s) { return add(a, s); }
Tensor operator-(const Tensor& a, double s) { return sub(a, s); }
Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
Tensor operator/(const Tensor& a, double s) { return div(a, s); }
Tensor operator+(double s, const Tensor& a) { return add(a, s); }
Tensor operator-(double s, const Tensor& a) { return rsub(s, a); }
Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
Tensor operator/(double s, const Tensor& a) { return rdiv(s, a); }

}  // namespace autost
