#include "nn/layers/norm.h"

#include "autograd/ops.h"
#include "nn/distributed/sync_batch_norm.h"

namespace autost::nn {

BatchNorm::BatchNorm(const char* type, int64_t c, double eps_, double momentum_, bool affine, bool track,
                     DType dtype)
    : Module(type), num_features(c), eps(eps_), momentum(momentum_) {
  AUTOST_CHECK(c > 0, type, ": num_features must be positive, got ", c);
  if (affine) {
    weight = register_parameter("weight", ones({c}, dtype));
    bias = register_parameter("bias", zeros({c}, dtype));
  }
  if (track) {
    running_mean = register_buffer("running_mean", zeros({c}, dtype));
    running_var = register_buffer("running_var", ones({c}, dtype));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

void BatchNorm::state_changed() {
  if (num_batches_tracked.defined()) batches_ = num_batches_tracked.item<int64_t>();
}

void BatchNorm::count_batch() {
  if (!num_batches_tracked.defined()) return;
  NoGradGuard no_grad;
  num_batches_tracked.fill_(static_cast<double>(++batches_));
}

bool BatchNorm::begin_fused_forward(const Tensor& x) {
  if (!is_training() || (sync_ && sync_->is_distributed())) return false;
  check_input(x);
  count_batch();
  return true;
}

Tensor BatchNorm::forward(const Tensor& x) {
  check_input(x);
  const bool tracking = running_mean.defined();
  if (is_training()) count_batch();
  if (is_training() && sync_ && sync_->is_distributed())
    return sync_batch_norm(x, weight, bias, running_mean, running_var, momentum, eps, *sync_);
  // Without running statistics, batch statistics normalise in eval mode too (torch's rule).
  return batch_norm(x, weight, bias, running_mean, running_var, is_training() || !tracking, momentum, eps);
}

BatchNorm1d::BatchNorm1d(int64_t c, double eps, double momentum, bool affine, bool track, DType dtype)
    : BatchNorm("BatchNorm1d", c, eps, momentum, affine, track, dtype) {}

void BatchNorm1d::check_input(const Tensor& x) const {
  AUTOST_CHECK((x.dim() == 2 || x.dim() == 3) && x.size(1) == num_features, "BatchNorm1d: expected input [N, ",
               num_features, "] or [N, ", num_features, ", L], got ", x.shape());
}

BatchNorm2d::BatchNorm2d(int64_t c, double eps, double momentum, bool affine, bool track, DType dtype)
    : BatchNorm("BatchNorm2d", c, eps, momentum, affine, track, dtype) {}

void BatchNorm2d::check_input(const Tensor& x) const {
  AUTOST_CHECK(x.dim() == 4 && x.size(1) == num_features, "BatchNorm2d: expected input [N, ", num_features,
               ", H, W], got ", x.shape());
}

LayerNorm::LayerNorm(Shape shape, double eps_, bool affine, DType dtype)
    : Module("LayerNorm"), normalized_shape(std::move(shape)), eps(eps_) {
  AUTOST_CHECK(!normalized_shape.empty() && shape_numel(normalized_shape) > 0,
               "LayerNorm: normalized_shape must be non-empty, got ", normalized_shape);
  if (affine) {
    weight = register_parameter("weight", ones(normalized_shape, dtype));
    bias = register_parameter("bias", zeros(normalized_shape, dtype));
  }
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, normalized_shape, weight, bias, eps); }

}  // namespace autost::nn
