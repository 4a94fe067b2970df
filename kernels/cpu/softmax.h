#pragma once
// Softmax and loss backends. Softmax works on a contiguous [outer, R, inner] input (the softmax
// dim is R); the losses on contiguous logits [N, C]. `grad` of a loss backward is the 0-d output
// gradient, on the logits' device (read there, so CUDA never synchronises for it).
#include "tensor/tensor.h"

namespace autost::kernels::cpu {
void softmax(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, bool log);
void softmax_backward(const Tensor& gx, const Tensor& grad, const Tensor& y, int64_t outer, int64_t reduced,
                      int64_t inner, bool log);
// Per-row losses into rows [N]; the boundary takes their mean.
void cross_entropy(const Tensor& rows, const Tensor& logits, const Tensor& target, double eps);
void cross_entropy_backward(const Tensor& gx, const Tensor& grad, const Tensor& logits, const Tensor& target,
                            double eps);
void soft_cross_entropy(const Tensor& rows, const Tensor& logits, const Tensor& probs);
void soft_cross_entropy_backward(const Tensor& gx, const Tensor& grad, const Tensor& logits, const Tensor& probs);
}  // namespace autost::kernels::cpu

namespace autost::kernels::cuda {
void softmax(const Tensor& out, const Tensor& in, int64_t outer, int64_t reduced, int64_t inner, bool log);
void softmax_backward(const Tensor& gx, const Tensor& grad, const Tensor& y, int64_t outer, int64_t reduced,
                      int64_t inner, bool log);
void cross_entropy(const Tensor& rows, const Tensor& logits, const Tensor& target, double eps);
void cross_entropy_backward(const Tensor& gx, const Tensor& grad, const Tensor& logits, const Tensor& target,
                            double eps);
void soft_cross_entropy(const Tensor& rows, const Tensor& logits, const Tensor& probs);
void soft_cross_entropy_backward(const Tensor& gx, const Tensor& grad, const Tensor& logits, const Tensor& probs);
}  // namespace autost::kernels::cuda
