// Differentiable matmul. For C = A B: dA = dC B^T and dB = A^T dC, computed with GEMM transpose
// flags (no transposed copies) and summed over the batch dims each operand was broadcast along.
// An operand that holds spikes is kept as bytes until backward (saved_compact).
#include "autograd/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost {
namespace {

class MatmulBackward : public Node {
 public:
  MatmulBackward(Tensor a, Tensor b, Shape a_shape, Shape b_shape)
      : a_(std::move(a)), b_(std::move(b)), a_shape_(std::move(a_shape)), b_shape_(std::move(b_shape)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor& gc = g[0];
    Tensor ga, gb;
    if (wants_grad(*this, 0)) {
      ga = kernels::sum_to(kernels::matmul(gc, unpack_saved(b_, gc.dtype()), false, true), a_shape_);
    }
    if (wants_grad(*this, 1)) {
      const Tensor a = unpack_saved(a_, gc.dtype());
      if (b_shape_.size() == 2 && a_shape_.size() > 2) {
        // A shared weight: fold A's batch into the GEMM's inner dimension, one K x N product
        // instead of a batch of them followed by a reduction.
        const int64_t k = a.size(-1);
        Tensor a2 = raw_view(raw_contiguous(a), {-1, k});
        Tensor g2 = raw_view(raw_contiguous(gc), {-1, gc.size(-1)});
        gb = kernels::matmul(a2, g2, true, false);
      } else {
        gb = kernels::sum_to(kernels::matmul(a, gc, true, false), b_shape_);
      }
    }
    return {ga, gb};
  }
  std::string name() const override { return "matmul_backward"; }
  void release_saved() override { a_ = b_ = Tensor(); }

 private:
  Tensor a_, b_;  // a_ is saved only for dB, b_ only for dA; spikes as bytes (saved_compact)
  Shape a_shape_, b_shape_;
};

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  AUTOST_CHECK(a.defined() && b.defined(), "matmul: undefined input");
  AUTOST_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: 0-d operands are not allowed, shapes ", a.shape(), " and ",
               b.shape());
  // torch.matmul's 1-D rules: a vector is a one-row (left) or one-column (right) matrix, and that
  // dim is dropped from the result. The views are differentiable, so gradients follow.
  if (a.dim() == 1 && b.dim() == 1) {
    AUTOST_CHECK(a.size(0) == b.size(0), "matmul: inner dimensions differ for shapes ", a.shape(), " and ", b.shape());
    return matmul(a.unsqueeze(0), b.unsqueeze(1)).squeeze(-1).squeeze(-1);
  }
  if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
  if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
  Tensor y = kernels::matmul(a, b);
  if (needs_grad({&a, &b})) {
    // dA needs B and dB needs A, so each is saved only when the other operand wants a gradient.
    bool ga = a.requires_grad(), gb = b.requires_grad();
    set_history(y, make_node<MatmulBackward>({a, b}, gb ? saved_compact(a) : Tensor(),
                                             ga ? saved_compact(b) : Tensor(), a.shape(), b.shape()));
  }
  return y;
}

}  // namespace autost
