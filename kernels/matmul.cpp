// The boundary of matmul: shape checks, batch broadcasting, and the GEMM plan both backends run.
#include "kernels/backend.h"
#include "kernels/cpu/matmul.h"
#include "kernels/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::kernels {
namespace {

// Describes the last two dims of x (logical [rows, cols], already expanded to the batch shape) as a
// GEMM operand. A view with unit stride along either axis is used in place, so x.transpose(-1, -2)
// costs nothing; anything else is made contiguous first.
GemmOperand describe(const Tensor& x, bool trans, const Shape& batch) {
  Shape full = batch;
  full.push_back(x.size(-2));
  full.push_back(x.size(-1));
  Tensor e = raw_expand(x, full);
  const int64_t rows = e.size(-2), cols = e.size(-1), sr = e.stride(-2), sc = e.stride(-1);
  if ((cols <= 1 || sc == 1) && (rows <= 1 || sr >= cols)) return {e, trans, rows <= 1 ? std::max<int64_t>(cols, 1) : sr};
  if ((rows <= 1 || sr == 1) && (cols <= 1 || sc >= rows)) return {e, !trans, cols <= 1 ? std::max<int64_t>(rows, 1) : sc};
  Tensor c = raw_expand(raw_contiguous(x), full);
  return {c, trans, std::max<int64_t>(cols, 1)};
}

struct BatchDim {
  int64_t size, sa, sb;
};

void plan_batch(MatmulPlan& p, const Shape& batch) {
  // Size-1 dims vanish; neighbours whose strides nest merge, so a contiguous batch is one run.
  std::vector<BatchDim> dims;
  for (size_t d = 0; d < batch.size(); ++d) {
    if (batch[d] == 1) continue;
    BatchDim cur{batch[d], p.a.t.stride(static_cast<int64_t>(d)), p.b.t.stride(static_cast<int64_t>(d))};
    if (!dims.empty() && dims.back().sa == cur.sa * cur.size && dims.back().sb == cur.sb * cur.size) {
      dims.back() = {dims.back().size * cur.size, cur.sa, cur.sb};
    } else {
      dims.push_back(cur);
    }
  }
  p.count = 1;
  p.stride_a = p.stride_b = 0;
  if (!dims.empty()) {
    p.count = dims.back().size;
    p.stride_a = dims.back().sa;
    p.stride_b = dims.back().sb;
    dims.pop_back();
  }
  p.outer_a = {0};
  p.outer_b = {0};
  for (const BatchDim& d : dims) {  // outer dims, slowest first
    std::vector<int64_t> na, nb;
    for (size_t r = 0; r < p.outer_a.size(); ++r)
      for (int64_t i = 0; i < d.size; ++i) {
        na.push_back(p.outer_a[r] + i * d.sa);
        nb.push_back(p.outer_b[r] + i * d.sb);
      }
    p.outer_a = std::move(na);
    p.outer_b = std::move(nb);
  }
  // A batch against one shared B whose A rows follow each other in memory is a single taller GEMM.
  if (p.count > 1 && p.stride_b == 0 && !p.a.trans && p.stride_a == p.M * p.a.ld) {
    p.M *= p.count;
    p.count = 1;
  }
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  AUTOST_CHECK(a.defined() && b.defined(), "matmul: undefined input");
  AUTOST_CHECK(a.device() == b.device(), "matmul: inputs on different devices (", a.device(), " and ", b.device(),
               "), shapes ", a.shape(), " and ", b.shape());
  AUTOST_CHECK(a.dtype() == b.dtype(), "matmul: dtype mismatch (", dtype_name(a.dtype()), " and ",
               dtype_name(b.dtype()), "), shapes ", a.shape(), " and ", b.shape());
  AUTOST_CHECK(a.dtype() == kFloat32 || a.dtype() == kFloat64, "matmul: dtype ", dtype_name(a.dtype()),
               " not supported (float32 or float64), shapes ", a.shape(), " and ", b.shape());
  AUTOST_CHECK(a.dim() >= 2 && b.dim() >= 2, "matmul: operands need at least 2 dims, got shapes ", a.shape(),
               " and ", b.shape());
  MatmulPlan p;
  p.M = trans_a ? a.size(-1) : a.size(-2);
  p.K = trans_a ? a.size(-2) : a.size(-1);
  const int64_t kb = trans_b ? b.size(-1) : b.size(-2);
  p.N = trans_b ? b.size(-2) : b.size(-1);
  AUTOST_CHECK(p.K == kb, "matmul: inner dimensions differ (", p.K, " vs ", kb, ") for shapes ", a.shape(), " and ",
               b.shape(), trans_a ? " (a transposed)" : "", trans_b ? " (b transposed)" : "");
  Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes(batch_a, batch_b, "matmul");
  } catch (const Error&) {
    AUTOST_FAIL("matmul: batch dimensions of shapes ", a.shape(), " and ", b.shape(), " do not broadcast");
  }
  Shape out_shape = batch;
  out_shape.push_back(p.M);
  out_shape.push_back(p.N);
  Tensor out = empty(out_shape, TensorOptions(a.dtype()).device(a.device()));
  if (out.numel() == 0) return out;
  if (p.K == 0) return out.zero_();
  p.a = describe(a, trans_a, batch);
  p.b = describe(b, trans_b, batch);
  plan_batch(p, batch);
  AUTOST_BACKEND(a.device(), "matmul", matmul, out, p);
  return out;
}

}  // namespace autost::kernels
