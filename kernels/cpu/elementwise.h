#pragma once
// CPU elementwise backends. All operands share the output's shape (inputs pre-expanded, strides of
// 0 for broadcast dims); dtypes are already checked by kernels/elementwise.cpp.
#include "kernels/ops.h"

namespace autost::kernels::cpu {
void unary(UnaryOp op, const Tensor& y, const Tensor& x);
void unary_backward(UnaryOp op, const Tensor& gx, const Tensor& g, const Tensor& x, const Tensor& y);
void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
// ga / gb may be undefined (not wanted).
void binary_backward(BinaryOp op, const Tensor& ga, const Tensor& gb, const Tensor& g, const Tensor& a, const Tensor& b);
void compare(CompareOp op, const Tensor& out, const Tensor& a, const Tensor& b);
void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
void add_(const Tensor& dst, const Tensor& src, double alpha);
}  // namespace autost::kernels::cpu

namespace autost::kernels::cuda {
void unary(UnaryOp op, const Tensor& y, const Tensor& x);
void unary_backward(UnaryOp op, const Tensor& gx, const Tensor& g, const Tensor& x, const Tensor& y);
void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
void binary_backward(BinaryOp op, const Tensor& ga, const Tensor& gb, const Tensor& g, const Tensor& a, const Tensor& b);
void compare(CompareOp op, const Tensor& out, const Tensor& a, const Tensor& b);
void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
void add_(const Tensor& dst, const Tensor& src, double alpha);
}  // namespace autost::kernels::cuda
