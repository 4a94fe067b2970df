#pragma once
// Scalar math of batch and layer normalisation, shared by the CPU loops and the CUDA kernels.
// Statistics arrive in double (both backends accumulate per-channel sums in double), so the
// per-channel coefficients below are computed once in double and applied per element in T.
#include <cmath>

#include "tensor/hd.h"

namespace autost::math {

AUTOST_HD double inv_std(double var, double eps) {
  using std::sqrt;
  return 1.0 / sqrt(var + eps);
}

// torch's running-stat update: the running variance tracks the unbiased batch variance.
AUTOST_HD void running_update(double& running_mean, double& running_var, double mean, double biased_var,
                                     double count, double momentum) {
  double unbiased = count > 1 ? biased_var * count / (count - 1) : biased_var;
  running_mean = (1 - momentum) * running_mean + momentum * mean;
  running_var = (1 - momentum) * running_var + momentum * unbiased;
}

// out = (x - mean) * scale + b with scale = invstd * w. The centring stays a separate subtraction:
// folding it into one FMA (x * scale + shift) cancels catastrophically in float32 when |mean| >> std.
template <class T>
AUTOST_HD T norm_apply(T x, T mean, T scale, T bias) {
  return (x - mean) * scale + bias;
}

// The per-channel scale invstd * w in T, rounded once from double: the forward, its CUDA twin
// and batch_norm_apply all take it from here so that a recomputed output matches bit for bit.
template <class T>
AUTOST_HD T bn_scale(T invstd, const T* w, int64_t c) {
  return static_cast<T>(static_cast<double>(invstd) * (w ? static_cast<double>(w[c]) : 1.0));
}

// Batch-norm input gradient as dx = g * k_g + (x - mean) * k_x + k_c per channel. With M elements
// per channel, sum_g = sum(g) and sum_gxc = sum(g * (x - mean)):
//   training: dx = w invstd (g - sum_g / M - (x - mean) invstd^2 sum_gxc / M)
//   eval:     dx = w invstd g  (the statistics are constants)
struct GradCoeffs {
  double k_g, k_x, k_c;
};
AUTOST_HD GradCoeffs batch_norm_grad_coeffs(double invstd, double w, double sum_g, double sum_gxc, double count,
                                            bool training) {
  double k_g = w * invstd;
  if (!training) return {k_g, 0.0, 0.0};
  return {k_g, -k_g * invstd * invstd * sum_gxc / count, -k_g * sum_g / count};
}

// Layer-norm input gradient for one row of D elements, with xhat = (x - mean) rstd, gw = g * w:
//   dx = rstd (gw - mean(gw) - xhat mean(gw xhat)) = gw * rstd + xhat * a + c
struct RowGradCoeffs {
  double a, c;
};
AUTOST_HD RowGradCoeffs layer_norm_grad_coeffs(double rstd, double sum_gw, double sum_gw_xhat, double d) {
  return {-rstd * sum_gw_xhat / d, -rstd * sum_gw / d};
}

}  // namespace autost::math
