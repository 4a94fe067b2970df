// CUDA reductions, softmax and losses against the CPU backend on awkward sizes (odd lengths, rows
// longer than a block, long reductions that are split across blocks), values and gradients.
#include <algorithm>
#include <cmath>

#include "tests/harness.h"

using namespace autost;
using autost::test::check_cuda_matches_cpu;

namespace {

Tensor leaf(const Shape& shape, uint64_t seed, DType dtype = kFloat32, double lo = -2.0, double hi = 2.0) {
  return test::random_leaf(shape, seed, dtype, lo, hi);
}

}  // namespace

TEST_CASE("CUDA sum, mean and var match the CPU over several dims") {
  struct Case {
    Shape shape;
    std::vector<int64_t> dims;
  } cases[] = {
      {{7, 1001}, {1}},       {{7, 1001}, {0}},    {{3, 300, 5}, {1}},     {{3, 300, 5}, {0, 2}},
      {{3, 300, 5}, {}},      {{3, 300, 5}, {2}},  {{2, 5000, 3}, {1}},    {{1, 70001}, {1}},
      {{33, 17, 9}, {0, 1}},  {{4, 1, 6}, {1}},
  };
  for (const auto& c : cases) {
    for (bool keepdim : {false, true}) {
      INFO("shape ", c.shape, " dims ", c.dims.size(), " keepdim ", keepdim);
      Tensor x = leaf(c.shape, 1);
      auto dims = c.dims;
      check_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return sum(in[0], dims, keepdim); }, {x}, 1e-3, 1e-4);
      check_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return mean(in[0], dims, keepdim); }, {x}, 1e-5, 1e-4);
      check_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return var(in[0], dims, true, keepdim); }, {x}, 1e-5,
                             1e-4);
      Tensor x64 = leaf(c.shape, 2, kFloat64);
      check_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return var(in[0], dims, false, keepdim); }, {x64},
                             1e-12, 1e-12);
    }
  }
}

TEST_CASE("CUDA column sum with one huge R (the bias gradient) is split, exact and deterministic") {
  // [16384, 384] over dim 0: only 384 output columns, so R is split across blocks.
  Tensor x64 = leaf({16384, 384}, 3, kFloat64);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0], {0}); }, {x64}, 1e-10, 1e-12);
  Tensor x32 = leaf({16384, 384}, 4, kFloat32);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0], {0}); }, {x32}, 2e-3, 1e-4);
  // Sum of everything: one row of 6.3M elements, split into chunks then reduced again.
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return sum(in[0]); }, {x64}, 1e-8, 1e-12);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return mean(in[0]); }, {x64}, 1e-12, 1e-12);
  Tensor g = x32.detach().to(Device::cuda());
  std::vector<float> a = sum(g, {0}).to_vector<float>(), b = sum(g, {0}).to_vector<float>();
  CHECK(a == b);
  CHECK(sum(g).item() == sum(g).item());
}

TEST_CASE("CUDA max and argmax match the CPU, ties included") {
  struct Case {
    Shape shape;
    int64_t dim;
  } cases[] = {{{7, 1001}, 1}, {{7, 1001}, 0}, {{3, 300, 5}, 1}, {{3, 300, 5}, -1}, {{3, 300, 5}, 0}, {{1, 70001}, 1}};
  for (const auto& c : cases) {
    INFO("shape ", c.shape, " dim ", c.dim);
    Tensor x = leaf(c.shape, 5);
    int64_t d = c.dim;
    check_cuda_matches_cpu([d](const std::vector<Tensor>& in) { return max(in[0], d, false).first; }, {x}, 0, 0);
    check_cuda_matches_cpu([d](const std::vector<Tensor>& in) { return max(in[0], d, true).first; }, {x}, 0, 0);
    check_cuda_matches_cpu([d](const std::vector<Tensor>& in) { return argmax(in[0], d); }, {x.detach()}, 0, 0);
  }
  // Heavy ties (values in {0, 1, 2}): the first maximal index on both backends, and max(x)'s
  // gradient shared among all the tied maxima.
  Tensor ties = leaf({5, 999}, 7, kFloat64, 0.0, 3.0);
  std::vector<double> v = ties.to_vector<double>();
  for (double& e : v) e = std::floor(e);
  Tensor tied = from_vector(v, {5, 999}, kFloat64);
  tied.set_requires_grad(true);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return argmax(in[0], 1); }, {tied.detach()}, 0, 0);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return argmax(in[0], 0); }, {tied.detach()}, 0, 0);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return max(in[0], 1).first; }, {tied}, 0, 0);
  check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return max(in[0]); }, {tied}, 1e-15, 1e-12);
}

TEST_CASE("CUDA softmax and log_softmax match the CPU") {
  struct Case {
    Shape shape;
    int64_t dim;
  } cases[] = {{{7, 1001}, 1}, {{7, 1001}, 0}, {{3, 300, 5}, 1}, {{3, 300, 5}, -1}, {{3, 300, 5}, 0},
               {{64, 197, 197}, -1}, {{5, 3}, 1}};
  for (const auto& c : cases) {
    INFO("shape ", c.shape, " dim ", c.dim);
    int64_t d = c.dim;
    Tensor x = leaf(c.shape, 8, kFloat32, -10.0, 10.0);
    check_cuda_matches_cpu([d](const std::vector<Tensor>& in) { return softmax(in[0], d); }, {x}, 1e-6, 1e-4);
    check_cuda_matches_cpu([d](const std::vector<Tensor>& in) { return log_softmax(in[0], d); }, {x}, 1e-4, 1e-4);
    Tensor x64 = leaf(c.shape, 9, kFloat64, -10.0, 10.0);
    check_cuda_matches_cpu([d](const std::vector<Tensor>& in) { return softmax(in[0], d); }, {x64}, 1e-14, 1e-12);
  }
  Tensor big = from_vector({1000, 1000, 999, -1000}, {1, 4}, kFloat32);
  CHECK_CLOSE(softmax(big.to(Device::cuda()), 1).cpu(), softmax(big, 1), 1e-7, 1e-6);
}

TEST_CASE("CUDA cross_entropy and soft_cross_entropy match the CPU") {
  struct Case {
    int64_t n, c;
  } cases[] = {{7, 1001}, {300, 5}, {1, 1}, {33, 10}, {16, 1000}};
  for (const auto& c : cases) {
    INFO("N ", c.n, " C ", c.c);
    Tensor x = leaf({c.n, c.c}, 10, kFloat32, -5.0, 5.0);
    Generator g(11);
    Tensor u = uniform({c.n}, 0.0, static_cast<double>(c.c), kFloat64, &g);
    std::vector<double> tv = u.to_vector<double>();
    for (double& e : tv) e = std::min(std::floor(e), static_cast<double>(c.c - 1));
    Tensor target = from_vector(tv, {c.n}, kInt64);
    for (double eps : {0.0, 0.1}) {
      check_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1], eps); },
                             {x, target}, 1e-5, 1e-4);
    }
    Tensor probs = softmax(uniform({c.n, c.c}, -1.0, 1.0, kFloat32, &g), 1);
    check_cuda_matches_cpu([](const std::vector<Tensor>& in) { return soft_cross_entropy(in[0], in[1]); }, {x, probs},
                           1e-5, 1e-4);
  }
  Tensor logits = zeros({3, 4}, Device::cuda());
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector({0, 9, 1}, {3}, kInt64).to(Device::cuda())),
                       doctest::Contains("cross_entropy: target 9"), Error);
}
