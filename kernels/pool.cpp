// The boundary of max/avg pooling: parameter and shape checks (torch's rules), contiguous inputs,
// output allocation, device dispatch.
#include "kernels/backend.h"
#include "kernels/cpu/pool.h"
#include "kernels/ops.h"
#include "tensor/copy.h"

namespace autost::kernels {
namespace {

// Window geometry for an input of shape x_shape [N, C, H, W].
math::PoolGeom plan_shape(const char* op, const Shape& x_shape, const Pool2dParams& p) {
  AUTOST_CHECK(x_shape.size() == 4, op, ": expected input [N, C, H, W], got ", x_shape);
  math::PoolGeom g{};
  g.H = x_shape[2];
  g.W = x_shape[3];
  for (int i = 0; i < 2; ++i) {
    AUTOST_CHECK(p.kernel[i] >= 1 && p.stride[i] >= 1 && p.padding[i] >= 0, op, ": kernel ", p.kernel[i],
                 ", stride ", p.stride[i], ", padding ", p.padding[i], " must be positive (padding >= 0)");
    AUTOST_CHECK(2 * p.padding[i] <= p.kernel[i], op, ": padding ", p.padding[i],
                 " must be at most half the kernel size ", p.kernel[i]);
  }
  g.kh = p.kernel[0];
  g.kw = p.kernel[1];
  g.sh = p.stride[0];
  g.sw = p.stride[1];
  g.ph = p.padding[0];
  g.pw = p.padding[1];
  g.count_include_pad = p.count_include_pad;
  AUTOST_CHECK(g.H + 2 * g.ph >= g.kh && g.W + 2 * g.pw >= g.kw, op, ": kernel [", g.kh, ", ", g.kw,
               "] is larger than the padded input ", x_shape);
  g.OH = math::pool_out_size(g.H, g.kh, g.sh, g.ph, p.ceil_mode);
  g.OW = math::pool_out_size(g.W, g.kw, g.sw, g.pw, p.ceil_mode);
  AUTOST_CHECK(g.OH >= 1 && g.OW >= 1, op, ": output would be empty for input ", x_shape);
  return g;
}

math::PoolGeom plan(const char* op, const Tensor& x, const Pool2dParams& p) {
  AUTOST_CHECK(x.defined(), op, ": undefined input");
  AUTOST_CHECK(x.dtype() == kFloat32 || x.dtype() == kFloat64, op, ": dtype ", dtype_name(x.dtype()),
               " not supported (float32 or float64), shape ", x.shape());
  return plan_shape(op, x.shape(), p);
}

Shape out_shape(const Tensor& x, const math::PoolGeom& g) { return {x.size(0), x.size(1), g.OH, g.OW}; }

void check_grad(const char* op, const Tensor& grad, const Shape& x_shape) {
  AUTOST_CHECK(grad.defined() && grad.dim() == 4 && x_shape.size() == 4, op, ": expected a gradient [N, C, OH, OW] ",
               "and an input shape [N, C, H, W], got ", grad.defined() ? grad.shape() : Shape{}, " and ", x_shape);
  AUTOST_CHECK(grad.size(0) == x_shape[0] && grad.size(1) == x_shape[1], op, ": gradient ", grad.shape(),
               " does not match input ", x_shape);
  AUTOST_CHECK(grad.dtype() == kFloat32 || grad.dtype() == kFloat64, op, ": dtype ", dtype_name(grad.dtype()),
               " not supported (float32 or float64)");
}

// The max pool with its argmax in either form: int64 flat indices or uint8 window offsets.
std::pair<Tensor, Tensor> max_pool2d_as(const char* op, const Tensor& x, const Pool2dParams& p, DType argmax) {
  math::PoolGeom g = plan(op, x, p);
  Tensor y = empty(out_shape(x, g), TensorOptions(x.dtype()).device(x.device()));
  Tensor idx = empty(out_shape(x, g), TensorOptions(argmax).device(x.device()));
  if (y.numel() == 0) return {y, idx};
  AUTOST_BACKEND(x.device(), op, max_pool2d, y, idx, raw_contiguous(x), g);
  return {y, idx};
}

}  // namespace

bool max_pool2d_offsets_fit(const Pool2dParams& p) { return p.kernel[0] * p.kernel[1] <= math::kMaxOffsetWindow; }

std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, const Pool2dParams& p) {
  return max_pool2d_as("max_pool2d", x, p, kInt64);
}

std::pair<Tensor, Tensor> max_pool2d_with_offsets(const Tensor& x, const Pool2dParams& p) {
  AUTOST_CHECK(max_pool2d_offsets_fit(p), "max_pool2d_with_offsets: kernel [", p.kernel[0], ", ", p.kernel[1],
               "] has more than ", math::kMaxOffsetWindow, " elements, too many for uint8 window offsets");
  return max_pool2d_as("max_pool2d_with_offsets", x, p, kUInt8);
}

Tensor max_pool2d_backward(const Tensor& grad, const Tensor& indices, const Shape& x_shape, const Pool2dParams& p) {
  check_grad("max_pool2d_backward", grad, x_shape);
  AUTOST_CHECK(indices.defined() && indices.shape() == grad.shape() &&
                   (indices.dtype() == kInt64 || indices.dtype() == kUInt8) && indices.device() == grad.device(),
               "max_pool2d_backward: indices must be int64 (flat) or uint8 (window offsets) of the gradient's shape ",
               grad.shape(), " on ", grad.device(), ", got ", indices.defined() ? indices.shape() : Shape{}, " ",
               indices.defined() ? dtype_name(indices.dtype()) : "undefined");
  AUTOST_CHECK(indices.dtype() != kUInt8 || max_pool2d_offsets_fit(p), "max_pool2d_backward: kernel [", p.kernel[0],
               ", ", p.kernel[1], "] is too large for uint8 window offsets");
  math::PoolGeom g = plan_shape("max_pool2d_backward", x_shape, p);
  AUTOST_CHECK(grad.size(2) == g.OH && grad.size(3) == g.OW, "max_pool2d_backward: gradient ", grad.shape(),
               " does not match the pooled size of input ", x_shape);
  Tensor gx = zeros(x_shape, TensorOptions(grad.dtype()).device(grad.device()));
  if (grad.numel() == 0) return gx;
  AUTOST_BACKEND(grad.device(), "max_pool2d_backward", max_pool2d_backward, gx, raw_contiguous(grad),
                 raw_contiguous(indices), g);
  return gx;
}

Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p) {
  math::PoolGeom g = plan("avg_pool2d", x, p);
  Tensor y = empty(out_shape(x, g), TensorOptions(x.dtype()).device(x.device()));
  if (y.numel() == 0) return y;
  AUTOST_BACKEND(x.device(), "avg_pool2d", avg_pool2d, y, raw_contiguous(x), g);
  return y;
}

Tensor avg_pool2d_backward(const Tensor& grad, const Shape& x_shape, const Pool2dParams& p) {
  check_grad("avg_pool2d_backward", grad, x_shape);
  Tensor like = empty(x_shape, TensorOptions(grad.dtype()).device(grad.device()));
  math::PoolGeom g = plan("avg_pool2d_backward", like, p);
  AUTOST_CHECK(grad.size(2) == g.OH && grad.size(3) == g.OW, "avg_pool2d_backward: gradient ", grad.shape(),
               " does not match the pooled shape of input ", x_shape);
  if (like.numel() == 0) return like;
  AUTOST_BACKEND(grad.device(), "avg_pool2d_backward", avg_pool2d_backward, like, raw_contiguous(grad), g);
  return like;
}

}  // namespace autost::kernels
