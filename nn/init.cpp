#include "nn/init.h"

#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"

namespace autost::nn::init {

Fans compute_fans(const Tensor& t) {
  AUTOST_CHECK(t.dim() >= 2, "init: fan in/out needs a tensor of at least 2 dims, got shape ", t.shape());
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

double leaky_relu_gain(double a) { return std::sqrt(2.0 / (1.0 + a * a)); }

void constant_(const Tensor& t, double value) {
  NoGradGuard no_grad;
  t.detach().fill_(value);
}
void zeros_(const Tensor& t) { constant_(t, 0.0); }
void ones_(const Tensor& t) { constant_(t, 1.0); }

void uniform_(const Tensor& t, double low, double high, Generator* gen) {
  NoGradGuard no_grad;
  autost::uniform_(t, low, high, gen);
}

void normal_(const Tensor& t, double mean, double std, Generator* gen) {
  NoGradGuard no_grad;
  autost::normal_(t, mean, std, gen);
}

double erfinv(double y) {
  if (y <= -1.0) return -std::numeric_limits<double>::infinity();
  if (y >= 1.0) return std::numeric_limits<double>::infinity();
  // Giles' single-precision approximation as a start, then Newton steps on erf(x) - y, whose
  // derivative is 2/sqrt(pi) exp(-x^2); three steps reach double precision.
  double w = -std::log((1.0 - y) * (1.0 + y)), x;
  if (w < 5.0) {
    w -= 2.5;
    double p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
    x = p * y;
  } else {
    w = std::sqrt(w) - 3.0;
    double p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
    x = p * y;
  }
  const double two_over_sqrt_pi = 1.1283791670955126;
  for (int i = 0; i < 3; ++i) x -= (std::erf(x) - y) / (two_over_sqrt_pi * std::exp(-x * x));
  return x;
}

void trunc_normal_(const Tensor& t, double mean, double std, double a, double b, Generator* gen) {
  AUTOST_CHECK(std > 0.0 && a < b, "trunc_normal_: needs std > 0 and a < b, got std ", std, ", [", a, ", ", b, "]");
  auto cdf = [](double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); };
  const double lo = 2.0 * cdf((a - mean) / std) - 1.0, hi = 2.0 * cdf((b - mean) / std) - 1.0;
  // Uniform draws on the host in float64 (a one-off at model construction), mapped through the
  // inverse CDF, clamped against rounding at the ends, then copied to t's device and dtype.
  Tensor u = autost::uniform(t.shape(), lo, hi, kFloat64, gen);
  double* p = u.data<double>();
  for (int64_t i = 0; i < u.numel(); ++i) {
    double v = mean + std * std::sqrt(2.0) * erfinv(p[i]);
    p[i] = std::fmin(std::fmax(v, a), b);
  }
  NoGradGuard no_grad;
  t.detach().copy_(u);
}

void kaiming_uniform_(const Tensor& t, double a, int64_t fan_in, Generator* gen) {
  AUTOST_CHECK(fan_in > 0, "kaiming_uniform_: fan_in must be positive, got ", fan_in);
  const double bound = leaky_relu_gain(a) * std::sqrt(3.0 / static_cast<double>(fan_in));
  init::uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(const Tensor& t, double a, int64_t fan_in, Generator* gen) {
  AUTOST_CHECK(fan_in > 0, "kaiming_normal_: fan_in must be positive, got ", fan_in);
  init::normal_(t, 0.0, leaky_relu_gain(a) / std::sqrt(static_cast<double>(fan_in)), gen);
}

}  // namespace autost::nn::init
