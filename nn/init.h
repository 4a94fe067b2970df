#pragma once
// Parameter initialisers (torch.nn.init / timm semantics). Each fills a tensor in place under
// NoGradGuard, so it works on parameters that require grad, on any device, deterministically for a
// generator's seed (gen = nullptr means default_generator()).
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace autost::nn::init {

// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (torch's rule for a
// weight [out, in, k...]; a 1-D tensor is an error).
struct Fans {
  int64_t in;
  int64_t out;
};
Fans compute_fans(const Tensor& t);

// sqrt(2 / (1 + a^2)): torch's calculate_gain("leaky_relu", a).
double leaky_relu_gain(double a);

void constant_(const Tensor& t, double value);
void zeros_(const Tensor& t);
void ones_(const Tensor& t);
void uniform_(const Tensor& t, double low, double high, Generator* gen = nullptr);
void normal_(const Tensor& t, double mean, double std, Generator* gen = nullptr);
// Normal(mean, std) restricted to the absolute interval [a, b] (inverse-CDF sampling, as torch's
// and timm's trunc_normal_).
void trunc_normal_(const Tensor& t, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0,
                   Generator* gen = nullptr);
// Uniform(-bound, bound) with bound = gain(a) * sqrt(3 / fan_in).
void kaiming_uniform_(const Tensor& t, double a, int64_t fan_in, Generator* gen = nullptr);
// Normal(0, gain(a) / sqrt(fan_in)).
void kaiming_normal_(const Tensor& t, double a, int64_t fan_in, Generator* gen = nullptr);

// Inverse of erf on (-1, 1); exposed for tests.
double erfinv(double y);

}  // namespace autost::nn::init
