// The boundary of dropout: checks, the Philox counters for this call, outputs, dispatch.
#include "kernels/backend.h"
#include "kernels/cpu/index.h"
#include "kernels/ops.h"
#include "tensor/copy.h"

namespace autost::kernels {

std::pair<Tensor, Tensor> dropout(const Tensor& x, double p, Generator* gen) {
  check_floating("dropout", x);
  AUTOST_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability ", p, " outside [0, 1], input ", x.shape());
  Generator& g = gen ? *gen : default_generator();
  // One counter per element, like the random fills, so consecutive calls never reuse numbers.
  const uint64_t offset = g.advance(static_cast<uint64_t>(x.numel()));
  Tensor out = empty(x.shape(), TensorOptions(x.dtype()).device(x.device()));
  Tensor mask = empty(x.shape(), TensorOptions(kUInt8).device(x.device()));
  if (x.numel() > 0) AUTOST_BACKEND(x.device(), "dropout", dropout, out, mask, raw_contiguous(x), p, g.seed(), offset);
  return {out, mask};
}

Tensor dropout_backward(const Tensor& grad, const Tensor& mask, double p) {
  AUTOST_CHECK(grad.defined() && mask.defined(), "dropout_backward: undefined input");
  AUTOST_CHECK(grad.shape() == mask.shape(), "dropout_backward: gradient shape ", grad.shape(),
               " differs from mask shape ", mask.shape());
  AUTOST_CHECK(mask.dtype() == kUInt8, "dropout_backward: mask must be uint8, got ", dtype_name(mask.dtype()));
  AUTOST_CHECK(grad.device() == mask.device(), "dropout_backward: gradient on ", grad.device(), ", mask on ",
               mask.device());
  Tensor gx = empty(grad.shape(), TensorOptions(grad.dtype()).device(grad.device()));
  if (grad.numel() > 0)
    AUTOST_BACKEND(grad.device(), "dropout_backward", dropout_backward, gx, raw_contiguous(grad),
                   raw_contiguous(mask), p);
  return gx;
}

}  // namespace autost::kernels
