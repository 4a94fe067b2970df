// The boundary of the fused optimizer steps: checks, coefficient folding, device dispatch.
#include "kernels/optim.h"

#include <cmath>

#include "kernels/backend.h"
#include "kernels/cpu/optim.h"
#include "tensor/copy.h"

namespace autost::kernels {
namespace {

void check_state(const char* op, const Tensor& param, const Tensor& t, const char* what) {
  AUTOST_CHECK(t.defined(), op, ": undefined ", what, " for a parameter of shape ", param.shape());
  AUTOST_CHECK(t.shape() == param.shape(), op, ": ", what, " of shape ", t.shape(), " for a parameter of shape ",
               param.shape());
  AUTOST_CHECK(t.dtype() == param.dtype(), op, ": ", what, " dtype ", dtype_name(t.dtype()), " differs from the ",
               "parameter's ", dtype_name(param.dtype()), ", shape ", param.shape());
  AUTOST_CHECK(t.device() == param.device(), op, ": ", what, " on ", t.device(), ", parameter on ", param.device(),
               ", shape ", param.shape());
}

void check_param(const char* op, const Tensor& param) {
  check_floating(op, param);
  AUTOST_CHECK(param.is_contiguous(), op, ": parameter of shape ", param.shape(), " must be contiguous");
}

void check_inplace(const char* op, const Tensor& param, const Tensor& t, const char* what) {
  check_state(op, param, t, what);
  AUTOST_CHECK(t.is_contiguous(), op, ": ", what, " of shape ", t.shape(), " must be contiguous");
}

}  // namespace

void sgd_step_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdStep& s) {
  const char* op = "sgd_step";
  check_param(op, param);
  check_state(op, param, grad, "gradient");
  bool has_buf = s.momentum != 0.0;
  if (has_buf) check_inplace(op, param, momentum_buffer, "momentum buffer");
  math::SgdCoef<double> c{-s.lr, s.weight_decay, s.first ? 0.0 : s.momentum, s.first ? 1.0 : 1.0 - s.dampening,
                          s.momentum};
  if (param.numel() == 0) return;
  Tensor g = raw_contiguous(grad);
  AUTOST_BACKEND(param.device(), op, sgd_step, param, g, has_buf ? momentum_buffer : Tensor(), c, s.nesterov);
}

void adamw_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                 const AdamWStep& s) {
  const char* op = "adamw_step";
  check_param(op, param);
  check_state(op, param, grad, "gradient");
  check_inplace(op, param, exp_avg, "exp_avg");
  check_inplace(op, param, exp_avg_sq, "exp_avg_sq");
  AUTOST_CHECK(s.step >= 1, op, ": step count ", s.step, " (the first step is 1), parameter shape ", param.shape());
  double t = static_cast<double>(s.step);
  double bc1 = 1.0 - std::pow(s.beta1, t), bc2 = 1.0 - std::pow(s.beta2, t);
  math::AdamWCoef<double> c{1.0 - s.lr * s.weight_decay, s.beta1, 1.0 - s.beta1, s.beta2, 1.0 - s.beta2,
                            -(s.lr / bc1), std::sqrt(bc2), s.eps};
  if (param.numel() == 0) return;
  Tensor g = raw_contiguous(grad);
  AUTOST_BACKEND(param.device(), op, adamw_step, param, g, exp_avg, exp_avg_sq, c);
}

void scale_(const Tensor& t, double s) {
  check_floating("scale_", t);
  AUTOST_CHECK(t.is_contiguous(), "scale_: tensor of shape ", t.shape(), " must be contiguous");
  if (t.numel() == 0) return;
  AUTOST_BACKEND(t.device(), "scale_", scale, t, s);
}

}  // namespace autost::kernels
