#pragma once
// Maps the runtime op enums of kernels/ops.h to the compile-time functors of kernels/math/, so that
// each backend instantiates one tight loop per (functor, dtype).
#include "kernels/math/elementwise.h"
#include "kernels/ops.h"

namespace autost::kernels {

template <class F>
decltype(auto) dispatch_unary(UnaryOp op, F&& fn) {
  switch (op) {
    case UnaryOp::Neg: return fn(type_tag<math::Neg>{});
    case UnaryOp::Abs: return fn(type_tag<math::Abs>{});
    case UnaryOp::Exp: return fn(type_tag<math::Exp>{});
    case UnaryOp::Log: return fn(type_tag<math::Log>{});
    case UnaryOp::Sqrt: return fn(type_tag<math::Sqrt>{});
    case UnaryOp::Rsqrt: return fn(type_tag<math::Rsqrt>{});
    case UnaryOp::Relu: return fn(type_tag<math::Relu>{});
    case UnaryOp::Sigmoid: return fn(type_tag<math::Sigmoid>{});
    case UnaryOp::Tanh: return fn(type_tag<math::Tanh>{});
    case UnaryOp::Gelu: return fn(type_tag<math::Gelu>{});
  }
  AUTOST_FAIL("unknown unary op");
}

template <class F>
decltype(auto) dispatch_binary(BinaryOp op, F&& fn) {
  switch (op) {
    case BinaryOp::Add: return fn(type_tag<math::Add>{});
    case BinaryOp::Sub: return fn(type_tag<math::Sub>{});
    case BinaryOp::Mul: return fn(type_tag<math::Mul>{});
    case BinaryOp::Div: return fn(type_tag<math::Div>{});
    case BinaryOp::Pow: return fn(type_tag<math::Pow>{});
    case BinaryOp::Maximum: return fn(type_tag<math::Maximum>{});
    case BinaryOp::Minimum: return fn(type_tag<math::Minimum>{});
  }
  AUTOST_FAIL("unknown binary op");
}

template <class F>
decltype(auto) dispatch_compare(CompareOp op, F&& fn) {
  switch (op) {
    case CompareOp::Eq: return fn(type_tag<math::Eq>{});
    case CompareOp::Ne: return fn(type_tag<math::Ne>{});
    case CompareOp::Lt: return fn(type_tag<math::Lt>{});
    case CompareOp::Le: return fn(type_tag<math::Le>{});
    case CompareOp::Gt: return fn(type_tag<math::Gt>{});
    case CompareOp::Ge: return fn(type_tag<math::Ge>{});
  }
  AUTOST_FAIL("unknown comparison");
}

}  // namespace autost::kernels
