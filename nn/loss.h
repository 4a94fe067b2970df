#pragma once
// Loss objects over the differentiable losses of autograd/ops.h (mean over the batch).
#include "tensor/tensor.h"

namespace autost::nn {

// logits [N, C], target int64 class indices [N].
class CrossEntropyLoss {
 public:
  explicit CrossEntropyLoss(double label_smoothing = 0.0);
  Tensor forward(const Tensor& logits, const Tensor& target) const;
  Tensor operator()(const Tensor& logits, const Tensor& target) const { return forward(logits, target); }
  double label_smoothing;
};

// logits [N, C], target probabilities [N, C] (mixup/cutmix targets), as timm's SoftTargetCrossEntropy.
class SoftTargetCrossEntropy {
 public:
  Tensor forward(const Tensor& logits, const Tensor& target_probs) const;
  Tensor operator()(const Tensor& logits, const Tensor& target_probs) const { return forward(logits, target_probs); }
};

}  // namespace autost::nn
