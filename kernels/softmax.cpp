// The boundary of softmax and the cross-entropy losses: checks, contiguous inputs, output
// allocation, device dispatch. Losses compute one value per row in the backend and average them
// here with the deterministic mean reduction.
#include "kernels/backend.h"
#include "kernels/cpu/softmax.h"
#include "kernels/ops.h"
#include "tensor/copy.h"
#include "tensor/view.h"

namespace autost::kernels {
namespace {

// [outer, R, inner] around the softmax dim; a 0-d tensor is one row of one element.
struct RowGeometry {
  int64_t outer = 1, reduced = 1, inner = 1;
};
RowGeometry geometry(const Tensor& x, int64_t dim, const char* op) {
  int64_t d = x.wrap_dim(dim, op);
  RowGeometry g;
  for (int64_t i = 0; i < x.dim(); ++i) {
    int64_t s = x.shape()[i];
    (i < d ? g.outer : i == d ? g.reduced : g.inner) *= s;
  }
  return g;
}

Tensor softmax_impl(const Tensor& x, int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_floating(op, x);
  RowGeometry g = geometry(x, dim, op);
  Tensor in = raw_contiguous(x);
  Tensor out = empty(x.shape(), TensorOptions(x.dtype()).device(x.device()));
  if (out.numel() == 0) return out;
  AUTOST_BACKEND(x.device(), op, softmax, out, in, g.outer, g.reduced, g.inner, log);
  return out;
}

Tensor softmax_backward_impl(const Tensor& grad, const Tensor& y, int64_t dim, bool log) {
  const char* op = log ? "log_softmax_backward" : "softmax_backward";
  check_floating(op, y);
  check_floating(op, grad);
  AUTOST_CHECK(grad.shape() == y.shape() && grad.dtype() == y.dtype() && grad.device() == y.device(), op,
               ": gradient (shape ", grad.shape(), ", ", dtype_name(grad.dtype()), ", ", grad.device(),
               ") does not match the output (shape ", y.shape(), ", ", dtype_name(y.dtype()), ", ", y.device(), ")");
  RowGeometry g = geometry(y, dim, op);
  Tensor gx = empty(y.shape(), TensorOptions(y.dtype()).device(y.device()));
  if (gx.numel() == 0) return gx;
  AUTOST_BACKEND(y.device(), op, softmax_backward, gx, raw_contiguous(grad), raw_contiguous(y), g.outer, g.reduced,
                 g.inner, log);
  return gx;
}

void check_logits(const char* op, const Tensor& logits) {
  check_floating(op, logits);
  AUTOST_CHECK(logits.dim() == 2, op, ": logits must be [N, C], got shape ", logits.shape());
  AUTOST_CHECK(logits.shape()[0] > 0 && logits.shape()[1] > 0, op, ": logits of shape ", logits.shape(),
               " are empty");
}

// Indices outside [0, C) would read out of bounds. On CUDA the targets are copied to the host to
// check them: N int64s per step, a price worth a clear error instead of a corrupted loss.
void check_targets(const char* op, const Tensor& logits, const Tensor& target) {
  AUTOST_CHECK(target.defined(), op, ": undefined target");
  AUTOST_CHECK(target.dtype() == kInt64, op, ": target must be int64 class indices, got ",
               dtype_name(target.dtype()), " of shape ", target.shape());
  AUTOST_CHECK(target.dim() == 1 && target.shape()[0] == logits.shape()[0], op, ": target of shape ", target.shape(),
               " does not match logits of shape ", logits.shape(), " (expected [N])");
  AUTOST_CHECK(target.device() == logits.device(), op, ": target on ", target.device(), ", logits on ",
               logits.device());
  Tensor host = raw_contiguous(raw_to_device(target, Device::cpu()));
  const int64_t* t = static_cast<const int64_t*>(host.data_ptr());
  const int64_t C = logits.shape()[1];
  for (int64_t n = 0; n < host.numel(); ++n)
    AUTOST_CHECK(t[n] >= 0 && t[n] < C, op, ": target ", t[n], " at index ", n, " is out of range for ", C,
                 " classes (logits of shape ", logits.shape(), ")");
}

void check_probs(const char* op, const Tensor& logits, const Tensor& probs) {
  AUTOST_CHECK(probs.defined(), op, ": undefined target probabilities");
  AUTOST_CHECK(probs.shape() == logits.shape() && probs.dtype() == logits.dtype() &&
                   probs.device() == logits.device(),
               op, ": target probabilities (shape ", probs.shape(), ", ", dtype_name(probs.dtype()), ", ",
               probs.device(), ") must match the logits (shape ", logits.shape(), ", ", dtype_name(logits.dtype()),
               ", ", logits.device(), ")");
}

void check_loss_grad(const char* op, const Tensor& grad, const Tensor& logits) {
  AUTOST_CHECK(grad.defined() && grad.numel() == 1 && grad.dtype() == logits.dtype() &&
                   grad.device() == logits.device(),
               op, ": output gradient must be one ", dtype_name(logits.dtype()), " element on ", logits.device());
}

Tensor mean_of_rows(const Tensor& rows) { return mean(rows, {}, false); }

Tensor rows_like(const Tensor& logits) {
  return empty({logits.shape()[0]}, TensorOptions(logits.dtype()).device(logits.device()));
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, true); }
Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim) {
  return softmax_backward_impl(grad, y, dim, false);
}
Tensor log_softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim) {
  return softmax_backward_impl(grad, y, dim, true);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, double label_smoothing) {
  check_logits("cross_entropy", logits);
  check_targets("cross_entropy", logits, target);
  AUTOST_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, "cross_entropy: label_smoothing ", label_smoothing,
               " must be in [0, 1]");
  Tensor rows = rows_like(logits);
  AUTOST_BACKEND(logits.device(), "cross_entropy", cross_entropy, rows, raw_contiguous(logits),
                 raw_contiguous(target), label_smoothing);
  return mean_of_rows(rows);
}

Tensor cross_entropy_backward(const Tensor& grad, const Tensor& logits, const Tensor& target, double label_smoothing) {
  check_logits("cross_entropy_backward", logits);
  check_targets("cross_entropy_backward", logits, target);
  check_loss_grad("cross_entropy_backward", grad, logits);
  Tensor gx = empty(logits.shape(), TensorOptions(logits.dtype()).device(logits.device()));
  AUTOST_BACKEND(logits.device(), "cross_entropy_backward", cross_entropy_backward, gx, raw_contiguous(grad),
                 raw_contiguous(logits), raw_contiguous(target), label_smoothing);
  return gx;
}

Tensor soft_cross_entropy(const Tensor& logits, const Tensor& target_probs) {
  check_logits("soft_cross_entropy", logits);
  check_probs("soft_cross_entropy", logits, target_probs);
  Tensor rows = rows_like(logits);
  AUTOST_BACKEND(logits.device(), "soft_cross_entropy", soft_cross_entropy, rows, raw_contiguous(logits),
                 raw_contiguous(target_probs));
  return mean_of_rows(rows);
}

Tensor soft_cross_entropy_backward(const Tensor& grad, const Tensor& logits, const Tensor& target_probs) {
  check_logits("soft_cross_entropy_backward", logits);
  check_probs("soft_cross_entropy_backward", logits, target_probs);
  check_loss_grad("soft_cross_entropy_backward", grad, logits);
  Tensor gx = empty(logits.shape(), TensorOptions(logits.dtype()).device(logits.device()));
  AUTOST_BACKEND(logits.device(), "soft_cross_entropy_backward", soft_cross_entropy_backward, gx,
                 raw_contiguous(grad), raw_contiguous(logits), raw_contiguous(target_probs));
  return gx;
}

}  // namespace autost::kernels
