#include "nn/layers/dropout.h"

#include "autograd/ops.h"

namespace autost::nn {

Dropout::Dropout(double p_, Generator* g) : Module("Dropout"), p(p_), gen(g) {
  AUTOST_CHECK(p >= 0.0 && p <= 1.0, "Dropout: probability ", p, " outside [0, 1]");
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), gen); }

}  // namespace autost::nn
