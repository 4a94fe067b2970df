#include "nn/loss.h"

#include "autograd/ops.h"

namespace autost::nn {

CrossEntropyLoss::CrossEntropyLoss(double eps) : label_smoothing(eps) {
  AUTOST_CHECK(eps >= 0.0 && eps <= 1.0, "CrossEntropyLoss: label_smoothing ", eps, " outside [0, 1]");
}

Tensor CrossEntropyLoss::forward(const Tensor& logits, const Tensor& target) const {
  return cross_entropy(logits, target, label_smoothing);
}

Tensor SoftTargetCrossEntropy::forward(const Tensor& logits, const Tensor& target_probs) const {
  return soft_cross_entropy(logits, target_probs);
}

}  // namespace autost::nn
