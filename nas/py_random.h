#pragma once
// CPython's `random` module stream (MT19937 seeded by init_by_array, random(), choice()), so that a
// search seeded with S draws exactly the numbers evolution.py draws after random.seed(S). The search
// is deterministic for a seed either way; matching CPython also lets tests compare it with a Python
// run of the official algorithm (tests/reference/evolution_official.py).
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "tensor/error.h"

namespace autost::nas {

class PyRandom {
 public:
  explicit PyRandom(uint64_t seed = 0) { seed_int(seed); }

  // random.seed(n) for a non-negative int n: its 32-bit words, least significant first, as the key.
  void seed_int(uint64_t n) {
    std::vector<uint32_t> key{static_cast<uint32_t>(n)};
    if (n >> 32) key.push_back(static_cast<uint32_t>(n >> 32));
    init_by_array(key);
  }

  uint32_t next_u32() {
    if (index_ >= kN) twist();
    uint32_t y = mt_[index_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

  // random.random(): 53 bits from two draws.
  double random() {
    const uint32_t a = next_u32() >> 5, b = next_u32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  // random._randbelow(n) for 0 < n < 2^32: getrandbits(bit_length(n)) until below n (one draw even
  // when n == 1, as CPython does).
  uint32_t below(uint64_t n) {
    AUTOST_CHECK(n > 0 && n <= 0xffffffffull, "PyRandom::below: n = ", n, " is out of range");
    int k = 0;
    while ((n >> k) != 0) ++k;
    uint32_t r;
    do r = next_u32() >> (32 - k);
    while (r >= n);
    return r;
  }

  // random.choice(seq).
  template <class T>
  const T& choice(const std::vector<T>& v) {
    AUTOST_CHECK(!v.empty(), "PyRandom::choice: empty sequence");
    return v[below(v.size())];
  }

 private:
  static constexpr int kN = 624, kM = 397;

  void init_genrand(uint32_t s) {
    mt_[0] = s;
    for (int i = 1; i < kN; ++i) mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<uint32_t>(i);
    index_ = kN;
  }

  void init_by_array(const std::vector<uint32_t>& key) {
    init_genrand(19650218u);
    int i = 1;
    size_t j = 0;
    for (size_t k = std::max<size_t>(kN, key.size()); k; --k) {
      mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525u)) + key[j] + static_cast<uint32_t>(j);
      ++i;
      ++j;
      if (i >= kN) {
        mt_[0] = mt_[kN - 1];
        i = 1;
      }
      if (j >= key.size()) j = 0;
    }
    for (int k = kN - 1; k; --k) {
      mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941u)) - static_cast<uint32_t>(i);
      ++i;
      if (i >= kN) {
        mt_[0] = mt_[kN - 1];
        i = 1;
      }
    }
    mt_[0] = 0x80000000u;  // non-zero initial state
    index_ = kN;
  }

  void twist() {
    for (int i = 0; i < kN; ++i) {
      const uint32_t y = (mt_[i] & 0x80000000u) | (mt_[(i + 1) % kN] & 0x7fffffffu);
      mt_[i] = mt_[(i + kM) % kN] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    index_ = 0;
  }

  std::array<uint32_t, kN> mt_{};
  int index_ = kN;
};

}  // namespace autost::nas
