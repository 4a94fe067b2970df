// The boundary of conv2d and its gradients: shape checks naming the op, contiguous inputs, output
// allocation, device dispatch.
#include "kernels/backend.h"
#include "kernels/cpu/conv.h"
#include "kernels/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::kernels {
namespace {

void check_params(const char* op, const Conv2dParams& p) {
  for (int i = 0; i < 2; ++i) {
    AUTOST_CHECK(p.stride[i] >= 1, op, ": stride must be >= 1, got ", p.stride[i]);
    AUTOST_CHECK(p.dilation[i] >= 1, op, ": dilation must be >= 1, got ", p.dilation[i]);
    AUTOST_CHECK(p.padding[i] >= 0, op, ": padding must be >= 0, got ", p.padding[i]);
  }
}

// Output shape of x (conv'd by) w, with the checks every entry point shares.
Shape output_shape(const char* op, const Shape& x, const Shape& w, const Conv2dParams& p) {
  check_params(op, p);
  AUTOST_CHECK(x.size() == 4 && w.size() == 4, op, ": expected input [N, C, H, W] and weight [O, C, kh, kw], got ",
               x, " and ", w);
  AUTOST_CHECK(x[1] == w[1], op, ": input channels ", x[1], " differ from weight channels ", w[1], " (input ", x,
               ", weight ", w, "; groups are not supported)");
  Shape out{x[0], w[0], 0, 0};
  for (int i = 0; i < 2; ++i) {
    int64_t span = p.dilation[i] * (w[2 + i] - 1) + 1;
    int64_t padded = x[2 + i] + 2 * p.padding[i];
    AUTOST_CHECK(padded >= span && w[2 + i] >= 1, op, ": kernel ", w, " (dilation ", p.dilation[i],
                 ") is larger than the padded input ", x);
    out[2 + i] = (padded - span) / p.stride[i] + 1;
  }
  return out;
}

void check_same(const char* op, const Tensor& a, const Tensor& b) {
  AUTOST_CHECK(a.defined() && b.defined(), op, ": undefined input");
  AUTOST_CHECK(a.device() == b.device(), op, ": inputs on different devices (", a.device(), " and ", b.device(),
               "), shapes ", a.shape(), " and ", b.shape());
  AUTOST_CHECK(a.dtype() == b.dtype(), op, ": dtype mismatch (", dtype_name(a.dtype()), " and ",
               dtype_name(b.dtype()), "), shapes ", a.shape(), " and ", b.shape());
  AUTOST_CHECK(a.dtype() == kFloat32 || a.dtype() == kFloat64, op, ": dtype ", dtype_name(a.dtype()),
               " not supported (float32 or float64), shape ", a.shape());
}

Tensor new_like(const Shape& s, const Tensor& like) { return empty(s, TensorOptions(like.dtype()).device(like.device())); }

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  check_same("conv2d", x, w);
  Shape out_shape = output_shape("conv2d", x.shape(), w.shape(), p);
  if (bias.defined()) {
    check_same("conv2d", x, bias);
    AUTOST_CHECK(bias.dim() == 1 && bias.size(0) == w.size(0), "conv2d: bias shape ", bias.shape(),
                 " does not match weight ", w.shape());
  }
  Tensor y = new_like(out_shape, x);
  if (y.numel() == 0) return y;
  if (x.size(1) == 0) {  // an empty sum: only the bias remains
    if (bias.defined()) copy_into(y, raw_view(bias, {1, bias.size(0), 1, 1}));
    else y.zero_();
    return y;
  }
  Tensor b = bias.defined() ? raw_contiguous(bias) : Tensor();
  AUTOST_BACKEND(x.device(), "conv2d", conv2d, y, raw_contiguous(x), raw_contiguous(w), b, p);
  return y;
}

Tensor conv2d_backward_input(const Tensor& grad, const Tensor& w, const Shape& x_shape, const Conv2dParams& p) {
  check_same("conv2d_backward_input", grad, w);
  Shape out_shape = output_shape("conv2d_backward_input", x_shape, w.shape(), p);
  AUTOST_CHECK(grad.shape() == out_shape, "conv2d_backward_input: gradient shape ", grad.shape(),
               " differs from the output shape ", out_shape, " of input ", x_shape, " and weight ", w.shape());
  Tensor gx = new_like(x_shape, w);
  if (gx.numel() == 0) return gx;
  if (grad.numel() == 0) return gx.zero_();
  AUTOST_BACKEND(w.device(), "conv2d_backward_input", conv2d_backward_input, gx, raw_contiguous(grad),
                 raw_contiguous(w), p);
  return gx;
}

Tensor conv2d_backward_weight(const Tensor& grad, const Tensor& x, const Shape& w_shape, const Conv2dParams& p) {
  check_same("conv2d_backward_weight", grad, x);
  Shape out_shape = output_shape("conv2d_backward_weight", x.shape(), w_shape, p);
  AUTOST_CHECK(grad.shape() == out_shape, "conv2d_backward_weight: gradient shape ", grad.shape(),
               " differs from the output shape ", out_shape, " of input ", x.shape(), " and weight ", w_shape);
  Tensor gw = new_like(w_shape, x);
  if (gw.numel() == 0) return gw;
  if (grad.numel() == 0) return gw.zero_();
  AUTOST_BACKEND(x.device(), "conv2d_backward_weight", conv2d_backward_weight, gw, raw_contiguous(grad),
                 raw_contiguous(x), p);
  return gw;
}

Tensor conv2d_backward_bias(const Tensor& grad) {
  AUTOST_CHECK(grad.defined() && grad.dim() == 4, "conv2d_backward_bias: expected a gradient [N, O, H, W], got ",
               grad.defined() ? grad.shape() : Shape{});
  return sum(grad, {0, 2, 3}, false);
}

}  // namespace autost::kernels
