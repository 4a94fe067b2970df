// The boundary of the fused neuron kernels: checks, contiguity, output allocation, dispatch.
#include "kernels/neuron.h"

#include "kernels/backend.h"
#include "kernels/cpu/neuron.h"
#include "tensor/copy.h"

namespace autost::kernels {
namespace {

void check_w(const char* op, const Tensor& x, const Tensor& w) {
  if (!w.defined()) return;
  AUTOST_CHECK(w.dim() == 0, op, ": w must be a 0-D tensor, got shape ", w.shape());
  AUTOST_CHECK(w.dtype() == x.dtype() && w.device() == x.device(), op, ": w (", dtype_name(w.dtype()), ", ",
               w.device(), ") must match the input (", dtype_name(x.dtype()), ", ", x.device(), ")");
}

void check_params(const char* op, double tau, const Tensor& w, const NeuronParams& p) {
  AUTOST_CHECK(w.defined() || tau > 1.0, op, ": tau must be > 1, got ", tau);
  AUTOST_CHECK(p.alpha > 0.0, op, ": surrogate alpha must be > 0, got ", p.alpha);
}

}  // namespace

NeuronForwardResult neuron_forward(const Tensor& x, double tau, const Tensor& w, const NeuronParams& p,
                                   bool save) {
  return neuron_forward(x, tau, w, p, NeuronOutputs{true, save, save});
}

NeuronForwardResult neuron_forward(const Tensor& x_in, double tau, const Tensor& w, const NeuronParams& p,
                                   NeuronOutputs outputs) {
  const char* op = "neuron_forward";
  check_floating(op, x_in);
  AUTOST_CHECK(x_in.dim() >= 1 && x_in.shape()[0] >= 1, op, ": input must be [T, ...] with T >= 1, got shape ",
               x_in.shape());
  check_w(op, x_in, w);
  check_params(op, tau, w, p);
  Tensor x = raw_contiguous(x_in);
  const int64_t T = x.shape()[0], N = T ? x.numel() / T : 0;
  TensorOptions opts = TensorOptions(x.dtype()).device(x.device());
  AUTOST_CHECK(outputs.spikes || outputs.mask || outputs.h, op, ": no output requested");
  NeuronForwardResult r;
  if (outputs.spikes) r.spikes = empty(x.shape(), opts);
  if (outputs.mask) r.mask = empty(x.shape(), TensorOptions(kUInt8).device(x.device()));
  if (outputs.h) r.h = empty(x.shape(), opts);
  if (N > 0) AUTOST_BACKEND(x.device(), op, neuron_forward, r.spikes, r.mask, r.h, x, 1.0 / tau, w, p, T, N);
  return r;
}

NeuronBackwardResult neuron_backward(const Tensor& gs_in, const Tensor& mask, const Tensor& h, double tau,
                                     const Tensor& w, const NeuronParams& p, bool need_w) {
  const char* op = "neuron_backward";
  check_floating(op, gs_in);
  AUTOST_CHECK(mask.defined() && h.defined(), op, ": forward did not save its state (spikes and H)");
  AUTOST_CHECK(gs_in.shape() == h.shape() && mask.shape() == h.shape(), op, ": gradient shape ", gs_in.shape(),
               ", saved spikes ", mask.shape(), " and H ", h.shape(), " must agree");
  AUTOST_CHECK(gs_in.dtype() == h.dtype() && gs_in.device() == h.device() && mask.dtype() == kUInt8, op,
               ": gradient (", dtype_name(gs_in.dtype()), ", ", gs_in.device(), ") does not match saved H (",
               dtype_name(h.dtype()), ", ", h.device(), ")");
  check_w(op, h, w);
  check_params(op, tau, w, p);
  Tensor gs = raw_contiguous(gs_in);
  const int64_t T = h.shape()[0], N = T ? h.numel() / T : 0;
  TensorOptions opts = TensorOptions(h.dtype()).device(h.device());
  NeuronBackwardResult r;
  r.gx = empty(h.shape(), opts);
  if (w.defined() && need_w) r.gw = zeros({}, opts);
  if (N > 0)
    AUTOST_BACKEND(h.device(), op, neuron_backward, r.gx, r.gw, gs, raw_contiguous(mask), raw_contiguous(h),
                   1.0 / tau, w, p, T, N);
  return r;
}

}  // namespace autost::kernels
