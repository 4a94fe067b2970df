#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
// counter-based generator behind every random tensor. Element i of a random fill is a pure function
// of (seed, offset + i / per_call), so the CPU and CUDA fills give identical numbers and a fill can
// be split across threads in any way.
#include <cmath>
#include <cstdint>

#include "tensor/hd.h"

namespace autost {

struct Philox4 {
  uint32_t v[4];
};

AUTOST_HD uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
  uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

AUTOST_HD Philox4 philox4x32_10(uint64_t seed, uint64_t counter) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo32(0xD2511F53u, c0, &hi0);
    uint32_t lo1 = mulhilo32(0xCD9E8D57u, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

// [0, 1) with 24 (float) or 53 (double) random bits.
AUTOST_HD float uint_to_unit_float(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
AUTOST_HD double uints_to_unit_double(uint32_t a, uint32_t b) {
  uint64_t bits = (static_cast<uint64_t>(a) << 21) ^ (b >> 11);
  return static_cast<double>(bits & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
}

// Uniform value for element i: floats take 4 per Philox call, doubles 2.
template <class T>
AUTOST_HD T philox_uniform(uint64_t seed, uint64_t offset, int64_t i);
template <>
AUTOST_HD float philox_uniform<float>(uint64_t seed, uint64_t offset, int64_t i) {
  Philox4 r = philox4x32_10(seed, offset + static_cast<uint64_t>(i) / 4);
  return uint_to_unit_float(r.v[i % 4]);
}
template <>
AUTOST_HD double philox_uniform<double>(uint64_t seed, uint64_t offset, int64_t i) {
  Philox4 r = philox4x32_10(seed, offset + static_cast<uint64_t>(i) / 2);
  int j = static_cast<int>(i % 2) * 2;
  return uints_to_unit_double(r.v[j], r.v[j + 1]);
}

// Standard normal for element i by Box-Muller on a pair of uniforms. Elements 2k and 2k+1 share a
// pair (cos and sin branches), so every uniform is used once.
template <class T>
AUTOST_HD T philox_normal(uint64_t seed, uint64_t offset, int64_t i) {
  using std::cos;
  using std::log;
  using std::sin;
  using std::sqrt;
  int64_t pair = i / 2;
  T u1 = T(1) - philox_uniform<T>(seed, offset, 2 * pair);  // (0, 1]: log is finite
  T u2 = philox_uniform<T>(seed, offset, 2 * pair + 1);
  T radius = sqrt(T(-2) * log(u1));
  T angle = T(6.283185307179586476925) * u2;
  return (i % 2 == 0) ? radius * cos(angle) : radius * sin(angle);
}

}  // namespace autost
