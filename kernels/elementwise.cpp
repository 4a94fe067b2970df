// The boundary of the elementwise ops: checks, broadcasting, output allocation, device dispatch.
#include "kernels/backend.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::kernels {

const char* op_name(UnaryOp op) {
  static const char* names[] = {"neg", "abs", "exp", "log", "sqrt", "rsqrt", "relu", "sigmoid", "tanh", "gelu"};
  return names[static_cast<int>(op)];
}
const char* op_name(BinaryOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum"};
  return names[static_cast<int>(op)];
}
const char* op_name(CompareOp op) {
  static const char* names[] = {"eq", "ne", "lt", "le", "gt", "ge"};
  return names[static_cast<int>(op)];
}

namespace {

void check_pair(const char* op, const Tensor& a, const Tensor& b) {
  AUTOST_CHECK(a.defined() && b.defined(), op, ": undefined input");
  AUTOST_CHECK(a.device() == b.device(), op, ": inputs on different devices (", a.device(), " and ", b.device(),
               "), shapes ", a.shape(), " and ", b.shape());
  AUTOST_CHECK(a.dtype() == b.dtype(), op, ": dtype mismatch (", dtype_name(a.dtype()), " and ",
               dtype_name(b.dtype()), "), shapes ", a.shape(), " and ", b.shape());
}

Tensor new_like(const Shape& shape, DType dtype, Device device) {
  return empty(shape, TensorOptions(dtype).device(device));
}

Tensor scalar_like(double s, const Tensor& like) {
  return full({}, s, TensorOptions(like.dtype()).device(like.device()));
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) {
  AUTOST_CHECK(x.defined(), op_name(op), ": undefined input");
  check_floating(op_name(op), x);
  Tensor y = new_like(x.shape(), x.dtype(), x.device());
  AUTOST_BACKEND(x.device(), op_name(op), unary, op, y, x);
  return y;
}

Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y) {
  const Tensor& any = x.defined() ? x : y;
  check_pair(op_name(op), grad, any);
  AUTOST_CHECK(grad.shape() == any.shape(), op_name(op), " backward: gradient shape ", grad.shape(),
               " differs from input shape ", any.shape());
  Tensor gx = new_like(any.shape(), any.dtype(), any.device());
  // Each functor's df reads only what it needs; the unneeded operand may be a stand-in.
  AUTOST_BACKEND(any.device(), op_name(op), unary_backward, op, gx, grad, x.defined() ? x : y, y.defined() ? y : x);
  return gx;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  check_pair(op_name(op), a, b);
  check_floating(op_name(op), a);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), op_name(op));
  Tensor out = new_like(shape, a.dtype(), a.device());
  AUTOST_BACKEND(a.device(), op_name(op), binary, op, out, raw_expand(a, shape), raw_expand(b, shape));
  return out;
}

Tensor binary_scalar(BinaryOp op, const Tensor& a, double s) { return binary(op, a, scalar_like(s, a)); }
Tensor scalar_binary(BinaryOp op, double s, const Tensor& a) { return binary(op, scalar_like(s, a), a); }

std::pair<Tensor, Tensor> binary_backward(BinaryOp op, const Tensor& grad, const Tensor& a, const Tensor& b,
                                          bool need_a, bool need_b) {
  check_pair(op_name(op), a, b);
  check_pair(op_name(op), grad, a);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), op_name(op));
  AUTOST_CHECK(grad.shape() == shape, op_name(op), " backward: gradient shape ", grad.shape(),
               " differs from output shape ", shape);
  Tensor ga = need_a ? new_like(shape, a.dtype(), a.device()) : Tensor();
  Tensor gb = need_b ? new_like(shape, a.dtype(), a.device()) : Tensor();
  if (need_a || need_b)
    AUTOST_BACKEND(a.device(), op_name(op), binary_backward, op, ga, gb, grad, raw_expand(a, shape),
                   raw_expand(b, shape));
  return {ga, gb};
}

Tensor binary_scalar_backward(BinaryOp op, const Tensor& grad, const Tensor& a, double s) {
  return binary_backward(op, grad, a, scalar_like(s, a), true, false).first;
}

Tensor scalar_binary_backward(BinaryOp op, const Tensor& grad, double s, const Tensor& a) {
  return binary_backward(op, grad, scalar_like(s, a), a, false, true).second;
}

void add_(const Tensor& dst, const Tensor& src, double alpha) {
  check_pair("add_", dst, src);
  check_floating("add_", dst);
  AUTOST_CHECK(dst.is_contiguous(), "add_: destination of shape ", dst.shape(), " must be contiguous");
  Tensor s = src.shape() == dst.shape() ? src : raw_expand(src, dst.shape());
  AUTOST_BACKEND(dst.device(), "add_", add_, dst, s, alpha);
}

Tensor compare(CompareOp op, const Tensor& a, const Tensor& b) {
  check_pair(op_name(op), a, b);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), op_name(op));
  Tensor out = new_like(shape, kBool, a.device());
  AUTOST_BACKEND(a.device(), op_name(op), compare, op, out, raw_expand(a, shape), raw_expand(b, shape));
  return out;
}

Tensor compare_scalar(CompareOp op, const Tensor& a, double s) { return compare(op, a, scalar_like(s, a)); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_pair("where", a, b);
  AUTOST_CHECK(cond.device() == a.device(), "where: condition on ", cond.device(), ", values on ", a.device());
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor c = raw_to_dtype(cond, a.dtype());
  Tensor out = new_like(shape, a.dtype(), a.device());
  AUTOST_BACKEND(a.device(), "where", where, out, raw_expand(c, shape), raw_expand(a, shape), raw_expand(b, shape));
  return out;
}

}  // namespace autost::kernels
