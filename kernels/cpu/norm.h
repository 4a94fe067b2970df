#pragma once
// Normalisation backends. Every tensor is contiguous and of one floating dtype (checked by
// kernels/norm.cpp). Batch norm sees x as [N, C, S]; layer norm sees it as [R, D]. Optional
// tensors (weight, bias, running stats, wanted gradients) may be undefined.
#include "tensor/tensor.h"

namespace autost::kernels {
struct BatchNormGeom {
  int64_t n = 0, c = 0, s = 1;  // x viewed as [n, c, s]
  int64_t count() const { return n * s; }  // elements per channel
};
}  // namespace autost::kernels

namespace autost::kernels::cpu {
// Training: batch statistics into save_mean/save_invstd and running stats updated in place.
// Eval: save_mean/save_invstd from the running stats. Then out = (x - mean) invstd w + b.
// batch_norm_apply: that last step alone, from given save_mean/save_invstd.
void batch_norm_forward(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd, const Tensor& x,
                        const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                        const Tensor& running_var, const BatchNormGeom& g, bool training, double momentum,
                        double eps);
void batch_norm_apply(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                      const Tensor& save_mean, const Tensor& save_invstd, const BatchNormGeom& g);
void batch_norm_backward(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& grad, const Tensor& x,
                         const Tensor& weight, const Tensor& save_mean, const Tensor& save_invstd,
                         const BatchNormGeom& g, bool training);
void layer_norm_forward(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                        const Tensor& weight, const Tensor& bias, int64_t rows, int64_t d, double eps);
void layer_norm_backward(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& grad, const Tensor& x,
                         const Tensor& weight, const Tensor& mean, const Tensor& rstd, int64_t rows, int64_t d);
}  // namespace autost::kernels::cpu

namespace autost::kernels::cuda {
void batch_norm_forward(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd, const Tensor& x,
                        const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                        const Tensor& running_var, const BatchNormGeom& g, bool training, double momentum,
                        double eps);
void batch_norm_apply(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                      const Tensor& save_mean, const Tensor& save_invstd, const BatchNormGeom& g);
void batch_norm_backward(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& grad, const Tensor& x,
                         const Tensor& weight, const Tensor& save_mean, const Tensor& save_invstd,
                         const BatchNormGeom& g, bool training);
void layer_norm_forward(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                        const Tensor& weight, const Tensor& bias, int64_t rows, int64_t d, double eps);
void layer_norm_backward(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& grad, const Tensor& x,
                         const Tensor& weight, const Tensor& mean, const Tensor& rstd, int64_t rows, int64_t d);
}  // namespace autost::kernels::cuda
