#include "nn/layers/init_default.h"

#include <cmath>

#include "nn/init.h"

namespace autost::nn::detail {

void reset_weight_and_bias(const Tensor& weight, const Tensor& bias, Generator* gen) {
  const int64_t fan_in = init::compute_fans(weight).in;
  init::kaiming_uniform_(weight, std::sqrt(5.0), fan_in, gen);
  if (bias.defined()) {
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound, gen);
  }
}

}  // namespace autost::nn::detail
