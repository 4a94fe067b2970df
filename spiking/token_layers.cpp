#include "spiking/token_layers.h"

#include "autograd/ops.h"
#include "nn/init.h"
#include "nn/layers/init_default.h"
#include "nn/layers/norm.h"

namespace autost::spiking {

namespace {
const char* kind_name(PointwiseKind k) {
  switch (k) {
    case PointwiseKind::Linear: return "Linear";
    case PointwiseKind::Conv1d: return "Conv1d";
    case PointwiseKind::Conv2d: return "Conv2d";
  }
  return "?";
}
}  // namespace

TokenLinear::TokenLinear(PointwiseKind k, int64_t in, int64_t out, bool has_bias, Generator* gen, DType dtype)
    : Module(kind_name(k)), kind(k), in_features(in), out_features(out) {
  Shape shape{out, in};
  if (k == PointwiseKind::Conv1d) shape = {out, in, 1};
  if (k == PointwiseKind::Conv2d) shape = {out, in, 1, 1};
  weight = register_parameter("weight", empty(shape, dtype));
  if (has_bias) bias = register_parameter("bias", empty({out}, dtype));
  if (k == PointwiseKind::Linear) {
    nn::init::trunc_normal_(weight, 0.0, 0.02, -2.0, 2.0, gen);
    if (bias.defined()) nn::init::zeros_(bias);
  } else {
    nn::detail::reset_weight_and_bias(weight, bias, gen);
  }
}

Tensor TokenLinear::forward(const Tensor& x) {
  AUTOST_CHECK(x.dim() == 2 && x.size(1) == in_features, type_name(), ": expected tokens [rows, ", in_features,
               "], got ", x.shape());
  // The kernel-1 convolution weight is the Linear weight with trailing unit dims; the transpose is
  // a view that matmul passes to the GEMM as a flag.
  Tensor w = kind == PointwiseKind::Linear ? weight : weight.view({out_features, in_features});
  Tensor y = matmul(x, w.transpose(0, 1));
  return bias.defined() ? add(y, bias) : y;
}

std::shared_ptr<nn::Module> token_batch_norm(int64_t channels, bool as_2d, DType dtype) {
  if (as_2d) return std::make_shared<nn::BatchNorm2d>(channels, 1e-5, 0.1, true, true, dtype);
  return std::make_shared<nn::BatchNorm1d>(channels, 1e-5, 0.1, true, true, dtype);
}

Tensor batch_norm_input(const nn::Module& bn, const Tensor& x) {
  if (bn.type_name() == "BatchNorm2d" && x.dim() == 2) return x.view({x.size(0), x.size(1), 1, 1});
  return x;
}

Tensor apply_token_batch_norm(nn::Module& bn, const Tensor& x) {
  const Tensor input = batch_norm_input(bn, x);
  return input.same(x) ? bn(x) : bn(input).view(x.shape());
}

std::shared_ptr<SpikingNode> make_neuron(bool plif, double v_threshold, DType dtype) {
  NeuronOptions o;
  o.tau = 2.0;
  o.v_threshold = v_threshold;
  if (plif) return std::make_shared<PLIFNode>(o, dtype);
  return std::make_shared<LIFNode>(o);
}

Tensor fire(nn::Module& neuron, const Tensor& x, int64_t T) {
  AUTOST_CHECK(x.numel() % T == 0, neuron.type_name(), ": ", x.shape(), " does not split into T = ", T, " steps");
  return neuron(x.reshape({T, x.numel() / T})).view(x.shape());
}

}  // namespace autost::spiking
