#pragma once
// Evaluation metrics (and, for convenience, the loss objects of nn/loss.h).
#include "nn/loss.h"
#include "tensor/tensor.h"

namespace autost::nn {

// Fraction of rows whose target is among the k largest logits (timm's accuracy(); k is capped at
// C). Equal logits rank by lower class index, so a tie with the target counts only from the left.
// logits [N, C] floating (any device), target integer [N].
double topk_accuracy(const Tensor& logits, const Tensor& target, int64_t k);

// Number of rows counted correct by topk_accuracy (for summing over batches).
int64_t topk_correct(const Tensor& logits, const Tensor& target, int64_t k);

}  // namespace autost::nn
