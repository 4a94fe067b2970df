#include "data/transforms/rng.h"

#include <cmath>

#include "tensor/error.h"

namespace autost::data {

Rng::Rng(uint64_t seed, RngPurpose purpose, uint64_t epoch, uint64_t index) {
  // Philox itself hashes (seed, purpose, epoch) into the key: nearby seeds give unrelated keys.
  Philox4 k = philox4x32_10(seed, (static_cast<uint64_t>(purpose) << 48) ^ epoch);
  key_ = (static_cast<uint64_t>(k.v[1]) << 32) | k.v[0];
  counter_ = index << 32;
}

uint32_t Rng::next_u32() {
  if (used_ == 4) {
    block_ = philox4x32_10(key_, counter_++);
    used_ = 0;
  }
  return block_.v[used_++];
}

double Rng::uniform() {
  uint32_t a = next_u32(), b = next_u32();
  return uints_to_unit_double(a, b);
}

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

int64_t Rng::randint(int64_t lo, int64_t hi) {
  AUTOST_CHECK(lo <= hi, "randint: empty range [", lo, ", ", hi, "]");
  double span = static_cast<double>(hi - lo) + 1.0;
  int64_t r = lo + static_cast<int64_t>(uniform() * span);
  return r > hi ? hi : r;
}

double Rng::normal(double mean, double std) {
  // Box-Muller; one pair per call keeps the stream position independent of earlier calls.
  double u1 = 1.0 - uniform(), u2 = uniform();
  return mean + std * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586476925 * u2);
}

double Rng::gamma(double shape) {
  AUTOST_CHECK(shape > 0, "gamma: shape ", shape, " must be positive");
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1) * U^(1/a) (Marsaglia & Tsang's boost for a < 1).
    double u = 1.0 - uniform();
    return gamma(shape + 1.0) * std::pow(u, 1.0 / shape);
  }
  // Marsaglia & Tsang (2000), "A simple method for generating gamma variables".
  double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = normal(), v = 1.0 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    double u = 1.0 - uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

double Rng::beta(double a, double b) {
  double x = gamma(a), y = gamma(b);
  return x / (x + y);
}

}  // namespace autost::data
