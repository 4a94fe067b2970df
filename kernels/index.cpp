// The boundary of cat, index_select and gather: checks (errors name the op and the shapes),
// contiguous inputs, outputs, index range checks, dispatch.
#include "kernels/backend.h"
#include "kernels/cpu/index.h"
#include "kernels/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::kernels {
namespace {

TensorOptions like(const Tensor& x) { return TensorOptions(x.dtype()).device(x.device()); }

void check_index(const char* op, const Tensor& x, const Tensor& index) {
  AUTOST_CHECK(x.defined() && index.defined(), op, ": undefined input");
  AUTOST_CHECK(index.dtype() == kInt64, op, ": index must be int64, got ", dtype_name(index.dtype()), " (input ",
               x.shape(), ", index ", index.shape(), ")");
  AUTOST_CHECK(index.device() == x.device(), op, ": index on ", index.device(), ", input on ", x.device());
}

void check_range(const char* op, const Tensor& index, int64_t dim, const Shape& x_shape) {
  bool ok = false;
  if (index.is_cuda()) {
#ifdef AUTOST_WITH_CUDA
    ok = cuda::index_in_range(index, x_shape[dim]);
#else
    no_cuda(op);
#endif
  } else {
    ok = cpu::index_in_range(index, x_shape[dim]);
  }
  AUTOST_CHECK(ok, op, ": index out of range for dim ", dim, " of size ", x_shape[dim], " (input ", x_shape,
               ", index ", index.shape(), ")");
}

struct Split3 {
  int64_t outer = 1, size = 1, inner = 1;
};
Split3 split3(const Shape& s, int64_t dim) {
  Split3 r;
  for (int64_t d = 0; d < static_cast<int64_t>(s.size()); ++d) {
    if (d < dim) r.outer *= s[d];
    else if (d == dim) r.size = s[d];
    else r.inner *= s[d];
  }
  return r;
}

int64_t wrap(int64_t dim, int64_t ndim, const char* op, const Shape& shape) {
  AUTOST_CHECK(dim >= -ndim && dim < ndim, op, ": dim ", dim, " out of range for shape ", shape);
  return dim < 0 ? dim + ndim : dim;
}

math::GatherGeom gather_geom(const Shape& x_shape, const Shape& index_shape, int64_t dim) {
  math::GatherGeom g;
  g.ndim = static_cast<int>(index_shape.size());
  g.dim = static_cast<int>(dim);
  Shape xs = contiguous_strides(x_shape);
  for (int d = 0; d < g.ndim; ++d) {
    g.sizes[d] = index_shape[d];
    g.x_strides[d] = xs[d];
    if (d > dim) g.inner *= index_shape[d];
  }
  g.len = index_shape[dim];
  g.lines = g.len > 0 ? shape_numel(index_shape) / g.len : 0;
  return g;
}

// gather and gather_backward share their shape rules (torch.gather's).
void check_gather(const char* op, const Shape& x_shape, const Tensor& index, int64_t dim) {
  const int64_t nd = static_cast<int64_t>(x_shape.size());
  AUTOST_CHECK(nd >= 1 && nd <= math::GatherGeom::kMaxDims, op, ": input must have 1 to ",
               math::GatherGeom::kMaxDims, " dims, got shape ", x_shape);
  AUTOST_CHECK(index.dim() == nd, op, ": index must have as many dims as the input (input ", x_shape,
               ", index ", index.shape(), ")");
  for (int64_t d = 0; d < nd; ++d)
    AUTOST_CHECK(d == dim || index.size(d) <= x_shape[d], op, ": index size ", index.size(d), " exceeds input size ",
                 x_shape[d], " in dim ", d, " (input ", x_shape, ", index ", index.shape(), ")");
}

}  // namespace

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  AUTOST_CHECK(!xs.empty(), "cat: expected at least one tensor");
  const Tensor& first = xs[0];
  AUTOST_CHECK(first.defined(), "cat: undefined input 0");
  AUTOST_CHECK(first.dim() >= 1, "cat: zero-dimensional tensor (input 0) cannot be concatenated");
  const int64_t d = wrap(dim, first.dim(), "cat", first.shape());
  Shape out_shape = first.shape();
  out_shape[d] = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const Tensor& x = xs[k];
    AUTOST_CHECK(x.defined(), "cat: undefined input ", k);
    AUTOST_CHECK(x.dtype() == first.dtype(), "cat: input ", k, " has dtype ", dtype_name(x.dtype()), ", input 0 has ",
                 dtype_name(first.dtype()));
    AUTOST_CHECK(x.device() == first.device(), "cat: input ", k, " on ", x.device(), ", input 0 on ",
                 first.device());
    bool match = x.dim() == first.dim();
    for (int64_t j = 0; match && j < x.dim(); ++j) match = j == d || x.size(j) == first.size(j);
    AUTOST_CHECK(match, "cat: input ", k, " has shape ", x.shape(), ", incompatible with input 0 of shape ",
                 first.shape(), " (sizes must match except in dim ", d, ")");
    out_shape[d] += x.size(d);
  }
  Tensor out = empty(out_shape, like(first));
  // Each input lands in its slab of the output through the strided copy, which already serves
  // every dtype on both devices.
  int64_t start = 0;
  for (const Tensor& x : xs) {
    const int64_t len = x.size(d);
    if (len > 0 && x.numel() > 0) copy_into(raw_slice(out, d, start, start + len, 1), x);
    start += len;
  }
  return out;
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index("index_select", x, index);
  AUTOST_CHECK(x.dim() >= 1, "index_select: zero-dimensional input");
  AUTOST_CHECK(index.dim() <= 1, "index_select: index must be 0-d or 1-d, got shape ", index.shape());
  const int64_t d = wrap(dim, x.dim(), "index_select", x.shape());
  Tensor idx = raw_contiguous(index);
  check_range("index_select", idx, d, x.shape());
  Shape out_shape = x.shape();
  out_shape[d] = idx.numel();
  Tensor out = empty(out_shape, like(x));
  Split3 s = split3(x.shape(), d);
  if (out.numel() > 0)
    AUTOST_BACKEND(x.device(), "index_select", index_select, out, raw_contiguous(x), idx, s.outer, s.size, s.inner);
  return out;
}

Tensor index_select_backward(const Tensor& grad, const Shape& x_shape, int64_t dim, const Tensor& index) {
  check_index("index_select_backward", grad, index);
  const int64_t nd = static_cast<int64_t>(x_shape.size());
  const int64_t d = wrap(dim, nd, "index_select_backward", x_shape);
  Shape expect = x_shape;
  expect[d] = index.numel();
  AUTOST_CHECK(grad.shape() == expect, "index_select_backward: gradient shape ", grad.shape(), ", expected ", expect);
  Tensor gx = zeros(x_shape, like(grad));
  Split3 s = split3(x_shape, d);
  if (grad.numel() > 0)
    AUTOST_BACKEND(grad.device(), "index_select_backward", index_select_backward, gx, raw_contiguous(grad),
                   raw_contiguous(index), s.outer, s.size, s.inner);
  return gx;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index("gather", x, index);
  const int64_t d = wrap(dim, x.dim(), "gather", x.shape());
  check_gather("gather", x.shape(), index, d);
  Tensor idx = raw_contiguous(index);
  check_range("gather", idx, d, x.shape());
  Tensor out = empty(index.shape(), like(x));
  if (out.numel() > 0)
    AUTOST_BACKEND(x.device(), "gather", gather, out, raw_contiguous(x), idx, gather_geom(x.shape(), index.shape(), d));
  return out;
}

Tensor gather_backward(const Tensor& grad, const Shape& x_shape, int64_t dim, const Tensor& index) {
  check_index("gather_backward", grad, index);
  const int64_t d = wrap(dim, static_cast<int64_t>(x_shape.size()), "gather_backward", x_shape);
  check_gather("gather_backward", x_shape, index, d);
  AUTOST_CHECK(grad.shape() == index.shape(), "gather_backward: gradient shape ", grad.shape(),
               " differs from index shape ", index.shape());
  Tensor gx = zeros(x_shape, like(grad));
  if (grad.numel() > 0)
    AUTOST_BACKEND(grad.device(), "gather_backward", gather_backward, gx, raw_contiguous(grad), raw_contiguous(index),
                   gather_geom(x_shape, index.shape(), d));
  return gx;
}

}  // namespace autost::kernels
