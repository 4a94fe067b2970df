#pragma once
#include <cstdint>
#include <mutex>

#include "tensor/tensor.h"

namespace autost {

// A Philox stream: `seed` picks the stream, `offset` counts the Philox blocks already used. Each fill
// of n elements takes the next n counters, on any device.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  void manual_seed(uint64_t seed) {
    std::lock_guard<std::mutex> lock(mu_);
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) {
    std::lock_guard<std::mutex> lock(mu_);
    seed_ = seed;
    offset_ = offset;
  }
  // Reserves n counters and returns the first.
  uint64_t advance(uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t start = offset_;
    offset_ += n;
    return start;
  }

 private:
  std::mutex mu_;
  uint64_t seed_ = 0;
  uint64_t offset_ = 0;
};

Generator& default_generator();
void manual_seed(uint64_t seed);

// In-place fills of a floating tensor (float32/float64, any layout, any device).
void uniform_(const Tensor& t, double low, double high, Generator* gen = nullptr);
void normal_(const Tensor& t, double mean, double std, Generator* gen = nullptr);
void bernoulli_(const Tensor& t, double p, Generator* gen = nullptr);  // 1 with probability p

Tensor rand(const Shape& shape, TensorOptions opts = {}, Generator* gen = nullptr);
Tensor randn(const Shape& shape, TensorOptions opts = {}, Generator* gen = nullptr);
Tensor uniform(const Shape& shape, double low, double high, TensorOptions opts = {}, Generator* gen = nullptr);
Tensor normal(const Shape& shape, double mean, double std, TensorOptions opts = {}, Generator* gen = nullptr);
Tensor bernoulli(const Shape& shape, double p, TensorOptions opts = {}, Generator* gen = nullptr);

// Launch glue (CPU in random.cpp, CUDA in tensor/cuda/random.cu) over a contiguous buffer.
enum class RandomKind { Uniform, Normal, Bernoulli };
void random_fill_cpu(const Tensor& t, RandomKind kind, double a, double b, uint64_t seed, uint64_t offset);
void random_fill_cuda(const Tensor& t, RandomKind kind, double a, double b, uint64_t seed, uint64_t offset);

}  // namespace autost
