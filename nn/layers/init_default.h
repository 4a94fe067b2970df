#pragma once
// torch's reset_parameters() for Linear and Conv: weight kaiming_uniform(a = sqrt(5)), which is
// uniform(+-1/sqrt(fan_in)), and bias uniform(+-1/sqrt(fan_in)), in that order from one generator.
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace autost::nn::detail {
void reset_weight_and_bias(const Tensor& weight, const Tensor& bias, Generator* gen);
}
