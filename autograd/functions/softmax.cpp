// Differentiable softmax, log_softmax and the cross-entropy losses. Softmax saves only its output
// (its gradient needs nothing else); the losses save the logits and recompute the softmax in
// backward rather than keeping an [N, C] probability tensor alive between passes.
#include "autograd/ops.h"

namespace autost {
namespace {

class SoftmaxBackward : public Node {
 public:
  SoftmaxBackward(Tensor y, int64_t dim, bool log) : y_(std::move(y)), dim_(dim), log_(log) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {log_ ? kernels::log_softmax_backward(g[0], y_, dim_) : kernels::softmax_backward(g[0], y_, dim_)};
  }
  std::string name() const override { return log_ ? "log_softmax_backward" : "softmax_backward"; }
  void release_saved() override { y_ = Tensor(); }

 private:
  Tensor y_;
  int64_t dim_;
  bool log_;
};

Tensor record_softmax(const Tensor& x, int64_t dim, bool log) {
  Tensor y = log ? kernels::log_softmax(x, dim) : kernels::softmax(x, dim);
  if (needs_grad({&x})) set_history(y, make_node<SoftmaxBackward>({x}, saved(y), dim, log));
  return y;
}

// The targets (class indices or probabilities) are constants: only the logits get a gradient.
class CrossEntropyBackward : public Node {
 public:
  CrossEntropyBackward(Tensor logits, Tensor target, double eps)
      : logits_(std::move(logits)), target_(std::move(target)), eps_(eps) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {kernels::cross_entropy_backward(g[0], logits_, target_, eps_)};
  }
  std::string name() const override { return "cross_entropy_backward"; }
  void release_saved() override { logits_ = target_ = Tensor(); }

 private:
  Tensor logits_, target_;
  double eps_;
};

class SoftCrossEntropyBackward : public Node {
 public:
  SoftCrossEntropyBackward(Tensor logits, Tensor probs) : logits_(std::move(logits)), probs_(std::move(probs)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {kernels::soft_cross_entropy_backward(g[0], logits_, probs_)};
  }
  std::string name() const override { return "soft_cross_entropy_backward"; }
  void release_saved() override { logits_ = probs_ = Tensor(); }

 private:
  Tensor logits_, probs_;
};

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return record_softmax(x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return record_softmax(x, dim, true); }

Tensor cross_entropy(const Tensor& logits, const Tensor& target, double label_smoothing) {
  Tensor loss = kernels::cross_entropy(logits, target, label_smoothing);
  if (needs_grad({&logits}))
    set_history(loss, make_node<CrossEntropyBackward>({logits}, saved(logits), saved(target), label_smoothing));
  return loss;
}

Tensor soft_cross_entropy(const Tensor& logits, const Tensor& target_probs) {
  Tensor loss = kernels::soft_cross_entropy(logits, target_probs);
  if (needs_grad({&logits}))
    set_history(loss, make_node<SoftCrossEntropyBackward>({logits}, saved(logits), saved(target_probs)));
  return loss;
}

}  // namespace autost
