// The boundary of batch and layer normalisation: checks, contiguous inputs, outputs, dispatch.
#include "kernels/backend.h"
#include "kernels/cpu/norm.h"
#include "kernels/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::kernels {
namespace {

// An optional per-channel (or per-feature) tensor: undefined, or of `shape` on x's dtype and device.
Tensor optional_param(const char* op, const char* what, const Tensor& t, const Tensor& x, const Shape& shape) {
  if (!t.defined()) return t;
  AUTOST_CHECK(t.shape() == shape, op, ": ", what, " has shape ", t.shape(), ", expected ", shape, " for input ",
               x.shape());
  AUTOST_CHECK(t.dtype() == x.dtype(), op, ": ", what, " dtype ", dtype_name(t.dtype()), " differs from input dtype ",
               dtype_name(x.dtype()));
  AUTOST_CHECK(t.device() == x.device(), op, ": ", what, " on ", t.device(), ", input on ", x.device());
  return raw_contiguous(t);
}

TensorOptions like(const Tensor& x) { return TensorOptions(x.dtype()).device(x.device()); }

BatchNormGeom batch_norm_geom(const char* op, const Tensor& x) {
  AUTOST_CHECK(x.dim() >= 2, op, ": expected input [N, C, *] with at least 2 dims, got shape ", x.shape());
  BatchNormGeom g;
  g.n = x.size(0);
  g.c = x.size(1);
  for (int64_t d = 2; d < x.dim(); ++d) g.s *= x.size(d);
  return g;
}

}  // namespace

BatchNormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                           const Tensor& running_var, bool training, double momentum, double eps) {
  const char* op = "batch_norm";
  check_floating(op, x);
  BatchNormGeom g = batch_norm_geom(op, x);
  const Shape cs{g.c};
  Tensor w = optional_param(op, "weight", weight, x, cs);
  Tensor b = optional_param(op, "bias", bias, x, cs);
  Tensor rm = optional_param(op, "running_mean", running_mean, x, cs);
  Tensor rv = optional_param(op, "running_var", running_var, x, cs);
  AUTOST_CHECK(rm.defined() == rv.defined(), op, ": running_mean and running_var must be given together");
  AUTOST_CHECK(training || rm.defined(), op, ": eval mode needs running statistics, input ", x.shape());
  AUTOST_CHECK(!training || g.count() > 1, op, ": expected more than 1 value per channel when training, input ",
               x.shape());
  // Running stats are updated in place; a strided buffer is updated through a contiguous copy.
  Tensor xc = raw_contiguous(x);
  BatchNormResult r{empty(x.shape(), like(x)), empty(cs, like(x)), empty(cs, like(x))};
  if (g.c > 0)
    AUTOST_BACKEND(x.device(), op, batch_norm_forward, r.out, r.save_mean, r.save_invstd, xc, w, b, rm, rv, g,
                   training, momentum, eps);
  if (training && rm.defined()) {
    if (!rm.same(running_mean)) copy_into(running_mean, rm);
    if (!rv.same(running_var)) copy_into(running_var, rv);
  }
  return r;
}

Tensor batch_norm_apply(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& save_mean,
                        const Tensor& save_invstd) {
  const char* op = "batch_norm_apply";
  check_floating(op, x);
  BatchNormGeom g = batch_norm_geom(op, x);
  const Shape cs{g.c};
  Tensor w = optional_param(op, "weight", weight, x, cs);
  Tensor b = optional_param(op, "bias", bias, x, cs);
  Tensor sm = optional_param(op, "save_mean", save_mean, x, cs);
  Tensor si = optional_param(op, "save_invstd", save_invstd, x, cs);
  AUTOST_CHECK(sm.defined() && si.defined(), op, ": save_mean and save_invstd are required");
  Tensor out = empty(x.shape(), like(x));
  if (x.numel() > 0) AUTOST_BACKEND(x.device(), op, batch_norm_apply, out, raw_contiguous(x), w, b, sm, si, g);
  return out;
}

BatchNormGrads batch_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                   const Tensor& save_mean, const Tensor& save_invstd, bool training) {
  const char* op = "batch_norm_backward";
  check_floating(op, x);
  BatchNormGeom g = batch_norm_geom(op, x);
  const Shape cs{g.c};
  AUTOST_CHECK(grad.defined() && grad.shape() == x.shape(), op, ": gradient shape ",
               grad.defined() ? grad.shape() : Shape{}, " differs from input shape ", x.shape());
  Tensor gc = optional_param(op, "gradient", grad, x, x.shape());
  Tensor w = optional_param(op, "weight", weight, x, cs);
  Tensor sm = optional_param(op, "save_mean", save_mean, x, cs);
  Tensor si = optional_param(op, "save_invstd", save_invstd, x, cs);
  AUTOST_CHECK(sm.defined() && si.defined(), op, ": save_mean and save_invstd are required");
  BatchNormGrads r{empty(x.shape(), like(x)), empty(cs, like(x)), empty(cs, like(x))};
  if (g.c > 0)
    AUTOST_BACKEND(x.device(), op, batch_norm_backward, r.x, r.weight, r.bias, gc, raw_contiguous(x), w, sm, si, g,
                   training);
  return r;
}

LayerNormResult layer_norm(const Tensor& x, int64_t normalized_ndim, const Tensor& weight, const Tensor& bias,
                           double eps) {
  const char* op = "layer_norm";
  check_floating(op, x);
  AUTOST_CHECK(normalized_ndim >= 1 && normalized_ndim <= x.dim(), op, ": cannot normalise the last ",
               normalized_ndim, " dims of an input of shape ", x.shape());
  const int64_t lead = x.dim() - normalized_ndim;
  Shape norm_shape(x.shape().begin() + lead, x.shape().end());
  Shape stat_shape(x.shape().begin(), x.shape().begin() + lead);
  stat_shape.resize(x.dim(), 1);  // torch's layout: one value per row, normalised dims kept as 1
  const int64_t d = shape_numel(norm_shape), rows = shape_numel(stat_shape);
  Tensor w = optional_param(op, "weight", weight, x, norm_shape);
  Tensor b = optional_param(op, "bias", bias, x, norm_shape);
  LayerNormResult r{empty(x.shape(), like(x)), empty(stat_shape, like(x)), empty(stat_shape, like(x))};
  if (rows > 0 && d > 0)
    AUTOST_BACKEND(x.device(), op, layer_norm_forward, r.out, r.mean, r.rstd, raw_contiguous(x), w, b, rows, d, eps);
  return r;
}

LayerNormGrads layer_norm_backward(const Tensor& grad, const Tensor& x, int64_t normalized_ndim,
                                   const Tensor& weight, const Tensor& mean, const Tensor& rstd) {
  const char* op = "layer_norm_backward";
  check_floating(op, x);
  AUTOST_CHECK(normalized_ndim >= 1 && normalized_ndim <= x.dim(), op, ": cannot normalise the last ",
               normalized_ndim, " dims of an input of shape ", x.shape());
  const int64_t lead = x.dim() - normalized_ndim;
  Shape norm_shape(x.shape().begin() + lead, x.shape().end());
  const int64_t d = shape_numel(norm_shape), rows = d > 0 ? x.numel() / d : 0;
  AUTOST_CHECK(grad.defined() && grad.shape() == x.shape(), op, ": gradient shape ",
               grad.defined() ? grad.shape() : Shape{}, " differs from input shape ", x.shape());
  Tensor gc = optional_param(op, "gradient", grad, x, x.shape());
  Tensor w = optional_param(op, "weight", weight, x, norm_shape);
  AUTOST_CHECK(mean.defined() && rstd.defined() && mean.numel() == rows && rstd.numel() == rows, op,
               ": mean/rstd must hold one value per row (", rows, ") for input ", x.shape());
  Tensor m = optional_param(op, "mean", mean, x, mean.shape());
  Tensor rs = optional_param(op, "rstd", rstd, x, rstd.shape());
  LayerNormGrads r{empty(x.shape(), like(x)), zeros(norm_shape, like(x)), zeros(norm_shape, like(x))};
  if (rows > 0 && d > 0)
    AUTOST_BACKEND(x.device(), op, layer_norm_backward, r.x, r.weight, r.bias, gc, raw_contiguous(x), w, m, rs, rows,
                   d);
  return r;
}

}  // namespace autost::kernels
