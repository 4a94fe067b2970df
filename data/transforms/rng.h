#pragma once
// Rng: the random stream of one sample, one batch or one epoch's shuffle. It is a Philox4x32-10
// counter stream (tensor/philox.h) whose key is derived from (seed, purpose, epoch) and whose
// counter starts at index << 32, so every number a transform draws is a pure function of
// (seed, purpose, epoch, index, draw number): no dependence on threads or on the order in which
// samples are processed.
#include <cstdint>

#include "tensor/philox.h"

namespace autost::data {

// Separate streams for separate jobs, so adding a draw to one never shifts another.
enum class RngPurpose : uint32_t { Shuffle = 1, Sample = 2, Batch = 3, PostBatch = 4, Test = 99 };

class Rng {
 public:
  Rng(uint64_t seed, RngPurpose purpose, uint64_t epoch, uint64_t index);

  uint32_t next_u32();
  double uniform();                              // [0, 1), 53 random bits
  double uniform(double lo, double hi);          // [lo, hi)
  int64_t randint(int64_t lo, int64_t hi);       // integer in [lo, hi], both ends included
  bool bernoulli(double p) { return uniform() < p; }  // true with probability p
  double normal(double mean = 0.0, double std = 1.0);
  double gamma(double shape);                    // Gamma(shape, 1), shape > 0
  double beta(double a, double b);               // Beta(a, b) from two gammas

 private:
  uint64_t key_;
  uint64_t counter_;
  Philox4 block_{};
  int used_ = 4;  // words of block_ already handed out
};

}  // namespace autost::data
