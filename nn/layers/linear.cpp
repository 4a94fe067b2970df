#include "nn/layers/linear.h"

#include "autograd/ops.h"
#include "nn/layers/init_default.h"

namespace autost::nn {

Linear::Linear(int64_t in, int64_t out, bool has_bias, Generator* gen, DType dtype)
    : Module("Linear"), in_features(in), out_features(out) {
  AUTOST_CHECK(in > 0 && out > 0, "Linear: features must be positive, got in ", in, ", out ", out);
  weight = register_parameter("weight", empty({out, in}, dtype));
  if (has_bias) bias = register_parameter("bias", empty({out}, dtype));
  detail::reset_weight_and_bias(weight, bias, gen);
}

Tensor Linear::forward(const Tensor& x) {
  AUTOST_CHECK(x.dim() >= 1 && x.size(-1) == in_features, "Linear: input of shape ", x.shape(),
               " does not end in in_features ", in_features);
  // The transpose is a view; matmul hands it to the GEMM as a flag without copying. Contiguous
  // leading dims fold into the rows of one GEMM instead of a batch of small ones.
  Tensor wt = weight.transpose(0, 1);
  Tensor y;
  if (x.dim() > 2 && x.is_contiguous()) {
    Shape out_shape = x.shape();
    out_shape.back() = out_features;
    y = matmul(x.reshape({x.numel() / in_features, in_features}), wt).reshape(out_shape);
  } else {
    y = matmul(x, wt);
  }
  return bias.defined() ? add(y, bias) : y;
}

}  // namespace autost::nn
