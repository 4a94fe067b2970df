// Differentiable batch and layer normalisation. Running statistics are buffers: the kernel updates
// them in place in training mode, and they never receive gradients.
#include "autograd/ops.h"

namespace autost {
namespace {

// Inputs: x, weight, bias (either of the last two may be undefined: affine=False).
class BatchNormBackward : public Node {
 public:
  BatchNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor invstd, bool training)
      : x_(std::move(x)), w_(std::move(weight)), mean_(std::move(mean)), invstd_(std::move(invstd)),
        training_(training) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    kernels::BatchNormGrads r = kernels::batch_norm_backward(g[0], x_, w_, mean_, invstd_, training_);
    return {wants_grad(*this, 0) ? r.x : Tensor(), wants_grad(*this, 1) ? r.weight : Tensor(),
            wants_grad(*this, 2) ? r.bias : Tensor()};
  }
  std::string name() const override { return "batch_norm_backward"; }
  void release_saved() override { x_ = w_ = mean_ = invstd_ = Tensor(); }

 private:
  Tensor x_, w_, mean_, invstd_;
  bool training_;
};

class LayerNormBackward : public Node {
 public:
  LayerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, int64_t ndim)
      : x_(std::move(x)), w_(std::move(weight)), mean_(std::move(mean)), rstd_(std::move(rstd)), ndim_(ndim) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    kernels::LayerNormGrads r = kernels::layer_norm_backward(g[0], x_, ndim_, w_, mean_, rstd_);
    return {wants_grad(*this, 0) ? r.x : Tensor(), wants_grad(*this, 1) ? r.weight : Tensor(),
            wants_grad(*this, 2) ? r.bias : Tensor()};
  }
  std::string name() const override { return "layer_norm_backward"; }
  void release_saved() override { x_ = w_ = mean_ = rstd_ = Tensor(); }

 private:
  Tensor x_, w_, mean_, rstd_;
  int64_t ndim_;
};

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  AUTOST_CHECK(!(running_mean.defined() && running_mean.requires_grad()) &&
                   !(running_var.defined() && running_var.requires_grad()),
               "batch_norm: running statistics are buffers and must not require grad");
  kernels::BatchNormResult r =
      kernels::batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps);
  if (needs_grad({&x, &weight, &bias}))
    set_history(r.out, make_node<BatchNormBackward>({x, weight, bias}, saved(x), saved(weight),
                                                    r.save_mean, r.save_invstd, training));
  return r.out;
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  AUTOST_CHECK(x.defined(), "layer_norm: undefined input");
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool match = k >= 1 && k <= x.dim();
  for (int64_t i = 0; match && i < k; ++i) match = x.size(x.dim() - k + i) == normalized_shape[i];
  AUTOST_CHECK(match, "layer_norm: normalized_shape ", normalized_shape, " does not match the trailing dims of input ",
               x.shape());
  kernels::LayerNormResult r = kernels::layer_norm(x, k, weight, bias, eps);
  if (needs_grad({&x, &weight, &bias}))
    set_history(r.out,
                make_node<LayerNormBackward>({x, weight, bias}, saved(x), saved(weight), r.mean, r.rstd, k));
  return r.out;
}

}  // namespace autost
