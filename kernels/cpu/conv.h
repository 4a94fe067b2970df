#pragma once
// conv2d backends. Every tensor is contiguous NCHW / OIHW and already shape-checked by
// kernels/conv.cpp; outputs are allocated by the caller. `bias` may be undefined.
#include "kernels/ops.h"

namespace autost::kernels::cpu {
void conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);
void conv2d_backward_input(const Tensor& gx, const Tensor& grad, const Tensor& w, const Conv2dParams& p);
void conv2d_backward_weight(const Tensor& gw, const Tensor& grad, const Tensor& x, const Conv2dParams& p);

// float32 through oneDNN primitives (kernels/cpu/conv_onednn.cpp).
void onednn_conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);
void onednn_conv2d_backward_input(const Tensor& gx, const Tensor& grad, const Tensor& w, const Conv2dParams& p);
void onednn_conv2d_backward_weight(const Tensor& gw, const Tensor& grad, const Tensor& x, const Conv2dParams& p);
}  // namespace autost::kernels::cpu

namespace autost::kernels::cuda {
void conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);
void conv2d_backward_input(const Tensor& gx, const Tensor& grad, const Tensor& w, const Conv2dParams& p);
void conv2d_backward_weight(const Tensor& gw, const Tensor& grad, const Tensor& x, const Conv2dParams& p);
}  // namespace autost::kernels::cuda
