#pragma once
// The one test harness every op uses (after ggml's test-backend-ops): compare against a reference
// with abs + rel tolerance, finite-difference gradients in float64, and CUDA against CPU.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace autost::test {

// Empty when |actual - expected| <= atol + rtol |expected| everywhere (NaN matches NaN), else the
// first mismatch.
inline std::string compare(const Tensor& actual, const Tensor& expected, double atol, double rtol) {
  if (actual.shape() != expected.shape()) {
    std::ostringstream os;
    os << "shape " << actual.shape() << " vs expected " << expected.shape();
    return os.str();
  }
  std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
    if (!both_nan && !(std::abs(a[i] - e[i]) <= atol + rtol * std::abs(e[i]))) {
      std::ostringstream os;
      os.precision(10);
      os << "element " << i << ": " << a[i] << " vs expected " << e[i] << " (shape " << actual.shape() << ")";
      return os.str();
    }
  }
  return "";
}

#define CHECK_CLOSE(actual, expected, atol, rtol)                                  \
  do {                                                                             \
    std::string autost_msg_ = ::autost::test::compare((actual), (expected), (atol), (rtol)); \
    CHECK_MESSAGE(autost_msg_.empty(), autost_msg_);                               \
  } while (0)

#define CHECK_GRADCHECK(fn, inputs, ...)                                           \
  do {                                                                             \
    std::string autost_msg_ = ::autost::gradcheck((fn), (inputs), ##__VA_ARGS__);  \
    CHECK_MESSAGE(autost_msg_.empty(), autost_msg_);                               \
  } while (0)

// A float64 CPU tensor from values.
inline Tensor t64(const std::vector<double>& v, const Shape& shape) { return from_vector(v, shape, kFloat64); }
inline Tensor t32(const std::vector<double>& v, const Shape& shape) { return from_vector(v, shape, kFloat32); }
// Seeded uniform values in [lo, hi): a constant, and a leaf that requires grad.
inline Tensor rand64(const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  Generator g(seed);
  return uniform(shape, lo, hi, kFloat64, &g);
}
inline Tensor random_leaf(const Shape& shape, uint64_t seed, DType dtype, double lo = -1.0, double hi = 1.0) {
  Generator g(seed);
  Tensor t = uniform(shape, lo, hi, dtype, &g);
  t.set_requires_grad(true);
  return t;
}
inline Tensor leaf64(const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  return random_leaf(shape, seed, kFloat64, lo, hi);
}

// Runs fn on CPU copies and on CUDA copies of `inputs`, then compares outputs and (when any input
// requires grad) the gradients of sum(output * w) for a fixed random w. Inputs are CPU tensors.
inline void check_cuda_matches_cpu(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                                   const std::vector<Tensor>& inputs, double atol = 1e-5, double rtol = 1e-4) {
  auto run = [&](Device dev, std::vector<Tensor>& leaves) {
    leaves.clear();
    for (const Tensor& t : inputs) {
      Tensor c = t.detach().to(dev).clone().detach();
      if (t.requires_grad()) c.set_requires_grad(true);
      leaves.push_back(c);
    }
    Tensor y = fn(leaves);
    if (y.requires_grad()) {
      Generator g(99);
      Tensor w = randn(y.shape(), TensorOptions(y.dtype()), &g).to(dev);
      sum(mul(y, w)).backward();
    }
    return y;
  };
  std::vector<Tensor> cpu_leaves, gpu_leaves;
  Tensor y_cpu = run(Device::cpu(), cpu_leaves);
  Tensor y_gpu = run(Device::cuda(), gpu_leaves);
  CHECK(y_gpu.device().is_cuda());
  CHECK_CLOSE(y_gpu.cpu(), y_cpu, atol, rtol);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) continue;
    INFO("gradient of input ", i);
    REQUIRE(gpu_leaves[i].grad().defined());
    CHECK_CLOSE(gpu_leaves[i].grad().cpu(), cpu_leaves[i].grad(), atol, rtol);
  }
}

}  // namespace autost::test
