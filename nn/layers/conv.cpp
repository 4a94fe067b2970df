#include "nn/layers/conv.h"

#include "autograd/ops.h"
#include "nn/layers/init_default.h"

namespace autost::nn {

Conv2d::Conv2d(int64_t in, int64_t out, std::array<int64_t, 2> k, std::array<int64_t, 2> s, std::array<int64_t, 2> p,
               std::array<int64_t, 2> d, bool has_bias, Generator* gen, DType dtype)
    : Module("Conv2d"), in_channels(in), out_channels(out), kernel_size(k), stride(s), padding(p), dilation(d) {
  AUTOST_CHECK(in > 0 && out > 0 && k[0] > 0 && k[1] > 0, "Conv2d: channels and kernel must be positive, got in ", in,
               ", out ", out, ", kernel ", k[0], "x", k[1]);
  weight = register_parameter("weight", empty({out, in, k[0], k[1]}, dtype));
  if (has_bias) bias = register_parameter("bias", empty({out}, dtype));
  detail::reset_weight_and_bias(weight, bias, gen);
}

Tensor Conv2d::forward(const Tensor& x) {
  AUTOST_CHECK(x.dim() == 4 && x.size(1) == in_channels, "Conv2d: expected input [N, ", in_channels,
               ", H, W], got ", x.shape());
  return conv2d(x, weight, bias, stride, padding, dilation);
}

Conv1d::Conv1d(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d, bool has_bias, Generator* gen,
               DType dtype)
    : Module("Conv1d"), in_channels(in), out_channels(out), kernel_size(k), stride(s), padding(p), dilation(d) {
  AUTOST_CHECK(in > 0 && out > 0 && k > 0, "Conv1d: channels and kernel must be positive, got in ", in, ", out ", out,
               ", kernel ", k);
  weight = register_parameter("weight", empty({out, in, k}, dtype));
  if (has_bias) bias = register_parameter("bias", empty({out}, dtype));
  detail::reset_weight_and_bias(weight, bias, gen);
}

Tensor Conv1d::forward(const Tensor& x) {
  AUTOST_CHECK(x.dim() == 3 && x.size(1) == in_channels, "Conv1d: expected input [N, ", in_channels, ", L], got ",
               x.shape());
  Tensor y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, {1, stride}, {0, padding}, {1, dilation});
  return y.squeeze(2);
}

}  // namespace autost::nn
