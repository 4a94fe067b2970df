#pragma once
// Every op's kernel entry point, declared once. Each function checks its inputs (shape, dtype,
// device; errors name the op and the shapes), makes strided inputs contiguous, allocates the
// output, and dispatches to the CPU (kernels/cpu/) or CUDA (kernels/cuda/) implementation. Nothing
// here records autograd history: that is autograd/'s job. Backward kernels sit beside forwards.
#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace autost::kernels {

// ---------------- elementwise (kernels/elementwise.cpp) ----------------
enum class UnaryOp { Neg, Abs, Exp, Log, Sqrt, Rsqrt, Relu, Sigmoid, Tanh, Gelu };
enum class BinaryOp { Add, Sub, Mul, Div, Pow, Maximum, Minimum };
enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge };
const char* op_name(UnaryOp op);
const char* op_name(BinaryOp op);
const char* op_name(CompareOp op);

Tensor unary(UnaryOp op, const Tensor& x);
// grad * d op(x)/dx, computed from x and/or the forward output y (whichever the op needs).
Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y);
// Broadcasting a op b; a and b must share dtype and device.
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor binary_scalar(BinaryOp op, const Tensor& a, double s);  // a op s
Tensor scalar_binary(BinaryOp op, double s, const Tensor& a);  // s op a
// Gradients of a op b w.r.t. a and b at the broadcast shape (the caller reduces with sum_to).
std::pair<Tensor, Tensor> binary_backward(BinaryOp op, const Tensor& grad, const Tensor& a, const Tensor& b,
                                          bool need_a, bool need_b);
Tensor binary_scalar_backward(BinaryOp op, const Tensor& grad, const Tensor& a, double s);
Tensor scalar_binary_backward(BinaryOp op, const Tensor& grad, double s, const Tensor& a);
// dst += alpha * src, in place; shapes equal, dst contiguous.
void add_(const Tensor& dst, const Tensor& src, double alpha);
Tensor compare(CompareOp op, const Tensor& a, const Tensor& b);  // bool result, broadcasting
Tensor compare_scalar(CompareOp op, const Tensor& a, double s);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // broadcasting

// ---------------- reductions (kernels/reduce.cpp) ----------------
// dims empty = all dims. Result has the reduced dims removed, or kept as size 1 with keepdim.
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);
// Variance with Bessel's `correction` (1 = unbiased, as torch.var's default).
Tensor var(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim);
// Max over one dim: values and int64 indices (first occurrence of the max).
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim);
Tensor max_all(const Tensor& x);  // 0-d
// Sums x down to `shape` (undoes broadcasting; used by every broadcasting backward).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---------------- softmax and losses (kernels/softmax.cpp) ----------------
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim);
Tensor log_softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim);
// Mean cross-entropy of logits [N, C] against int64 class indices [N], with label smoothing eps:
// the target is (1 - eps) one-hot + eps / C uniform (torch.nn.CrossEntropyLoss semantics).
Tensor cross_entropy(const Tensor& logits, const Tensor& target, double label_smoothing);
Tensor cross_entropy_backward(const Tensor& grad, const Tensor& logits, const Tensor& target, double label_smoothing);
// Mean over N of -sum_c p[n,c] log_softmax(logits)[n,c] (timm SoftTargetCrossEntropy).
Tensor soft_cross_entropy(const Tensor& logits, const Tensor& target_probs);
Tensor soft_cross_entropy_backward(const Tensor& grad, const Tensor& logits, const Tensor& target_probs);

// ---------------- matmul (kernels/matmul.cpp) ----------------
// op(a) @ op(b) with op = transpose of the last two dims when the flag is set. 2-D x 2-D, or batched
// with broadcasting of the leading dims (torch.matmul rules for >= 2-D operands).
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// ---------------- convolution and pooling (kernels/conv.cpp, kernels/pool.cpp) ----------------
struct Conv2dParams {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
};
// x [N, C, H, W], w [O, C, kh, kw], bias [O] or undefined.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);
Tensor conv2d_backward_input(const Tensor& grad, const Tensor& w, const Shape& x_shape, const Conv2dParams& p);
Tensor conv2d_backward_weight(const Tensor& grad, const Tensor& x, const Shape& w_shape, const Conv2dParams& p);
// grad [N, O, H, W] -> [O]
Tensor conv2d_backward_bias(const Tensor& grad);

struct Pool2dParams {
  std::array<int64_t, 2> kernel{2, 2};
  std::array<int64_t, 2> stride{2, 2};
  std::array<int64_t, 2> padding{0, 0};
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg_pool2d only
};
// Returns the output and the int64 argmax index (within each H*W plane), torch's return_indices.
std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, const Pool2dParams& p);
// Returns the output and the argmax as a uint8 position inside its window (kh_off * kernel_w +
// kw_off): 1 byte per output for backward instead of 8. Needs max_pool2d_offsets_fit(p).
std::pair<Tensor, Tensor> max_pool2d_with_offsets(const Tensor& x, const Pool2dParams& p);
bool max_pool2d_offsets_fit(const Pool2dParams& p);  // kernel_h * kernel_w <= 256
// `indices` is either form above (int64 flat indices or uint8 window offsets), told by its dtype.
Tensor max_pool2d_backward(const Tensor& grad, const Tensor& indices, const Shape& x_shape, const Pool2dParams& p);
Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward(const Tensor& grad, const Shape& x_shape, const Pool2dParams& p);

// ---------------- normalisation (kernels/norm.cpp) ----------------
struct BatchNormResult {
  Tensor out;
  Tensor save_mean;    // [C] batch mean (training) or running mean (eval)
  Tensor save_invstd;  // [C] 1/sqrt(var + eps) with the statistics used
};
// x [N, C, *]. Training: normalises by batch statistics and, when running stats are given, updates
// them in place: running = (1 - momentum) running + momentum stat, with the unbiased variance.
BatchNormResult batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                           const Tensor& running_var, bool training, double momentum, double eps);
// The normalisation step of batch_norm alone, from the save_mean/save_invstd a batch_norm call
// returned: that call's output, bit for bit (for ops that recompute it in backward).
Tensor batch_norm_apply(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& save_mean,
                        const Tensor& save_invstd);
struct BatchNormGrads {
  Tensor x, weight, bias;
};
BatchNormGrads batch_norm_backward(const Tensor& grad, const Tensor& x, const Tensor& weight,
                                   const Tensor& save_mean, const Tensor& save_invstd, bool training);
struct LayerNormResult {
  Tensor out, mean, rstd;  // mean/rstd: one per normalised row
};
// Normalises over the last `normalized_ndim` dims.
LayerNormResult layer_norm(const Tensor& x, int64_t normalized_ndim, const Tensor& weight, const Tensor& bias,
                           double eps);
struct LayerNormGrads {
  Tensor x, weight, bias;
};
LayerNormGrads layer_norm_backward(const Tensor& grad, const Tensor& x, int64_t normalized_ndim,
                                   const Tensor& weight, const Tensor& mean, const Tensor& rstd);

// ---------------- dropout and indexing (kernels/dropout.cpp, kernels/index.cpp) ----------------
// Keeps each element with probability 1 - p and scales kept ones by 1 / (1 - p); the uint8 mask
// comes from the Philox stream, so CPU and CUDA drop the same elements for a seed.
std::pair<Tensor, Tensor> dropout(const Tensor& x, double p, Generator* gen);
Tensor dropout_backward(const Tensor& grad, const Tensor& mask, double p);
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// zeros(x_shape) with grad rows added at `index` along dim (index_add).
Tensor index_select_backward(const Tensor& grad, const Shape& x_shape, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// zeros(x_shape) with grad scatter-added at `index` along dim.
Tensor gather_backward(const Tensor& grad, const Shape& x_shape, int64_t dim, const Tensor& index);

}  // namespace autost::kernels
