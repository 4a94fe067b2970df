// CUDA against CPU for the optimizer steps and gradient clipping: the same parameters, gradients
// and schedule on both devices, on awkward sizes (0-d, odd, not multiples of 256, larger than one
// grid-stride pass of a small grid), float32 and float64, with a state round trip mid-way.
#include <functional>
#include <memory>

#include "nn/optim/adamw.h"
#include "nn/optim/clip.h"
#include "nn/optim/sgd.h"
#include "tests/harness.h"

using namespace autost;
using namespace autost::nn;

namespace {

const std::vector<Shape> kShapes = {{}, {1}, {7}, {255, 3}, {257}, {33, 65, 3}, {1 << 20 | 5}};

Tensor random(const Shape& s, uint64_t seed, DType dt) {
  Generator g(seed);
  return uniform(s, -1.0, 1.0, dt, &g);
}

using Make = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;

void check_parity(const Make& make, DType dt, double tol) {
  std::vector<Tensor> cpu, gpu;
  for (size_t i = 0; i < kShapes.size(); ++i) {
    Tensor p = random(kShapes[i], 1 + i, dt);
    cpu.push_back(p.clone().set_requires_grad(true));
    gpu.push_back(p.to(Device::cuda()).set_requires_grad(true));
  }
  std::unique_ptr<Optimizer> a = make(cpu), b = make(gpu);
  for (int k = 0; k < 5; ++k) {
    for (size_t i = 0; i < kShapes.size(); ++i) {
      bool missing = k == 1 && i == 2;  // skipped on both devices
      Tensor g = random(kShapes[i], 100 * (k + 1) + i, dt);
      cpu[i].set_grad(missing ? Tensor() : g);
      gpu[i].set_grad(missing ? Tensor() : g.to(Device::cuda()));
    }
    if (k == 2) {
      // Clipping on both, then a state round trip into a fresh CUDA optimizer from CPU copies.
      double na = clip_grad_norm_(cpu, 5.0), nb = clip_grad_norm_(gpu, 5.0);
      CHECK(nb == doctest::Approx(na).epsilon(dt == kFloat64 ? 1e-12 : 1e-5));
      NamedTensors saved;
      for (const auto& [n, t] : b->state_tensors()) saved.emplace_back(n, t.cpu());
      b = make(gpu);
      b->load_state_tensors(saved);
    }
    a->step();
    b->step();
    for (size_t i = 0; i < kShapes.size(); ++i) {
      INFO("step ", k, " parameter ", i, " shape ", kShapes[i]);
      CHECK(gpu[i].is_cuda());
      CHECK_CLOSE(gpu[i].cpu(), cpu[i], tol, tol);
    }
  }
  NamedTensors sa = a->state_tensors(), sb = b->state_tensors();
  REQUIRE(sa.size() == sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    INFO(sa[i].first);
    CHECK(sa[i].first == sb[i].first);
    CHECK_CLOSE(sb[i].second.cpu(), sa[i].second, tol, tol);
  }
}

}  // namespace

TEST_CASE("AdamW on CUDA matches CPU") {
  for (DType dt : {kFloat64, kFloat32}) {
    INFO(dtype_name(dt));
    check_parity(
        [](const std::vector<Tensor>& p) {
          std::vector<Tensor> decay(p.begin(), p.begin() + 4), rest(p.begin() + 4, p.end());
          return std::make_unique<AdamW>(std::vector<ParamGroup>{{decay, 5e-3, 0.06}, {rest, 5e-3, 0.0}});
        },
        dt, dt == kFloat64 ? 1e-12 : 1e-5);
  }
}

TEST_CASE("SGD on CUDA matches CPU") {
  for (DType dt : {kFloat64, kFloat32}) {
    for (bool nesterov : {false, true}) {
      INFO(dtype_name(dt), " nesterov ", nesterov);
      check_parity(
          [nesterov](const std::vector<Tensor>& p) {
            return std::make_unique<SGD>(p, SGDOptions{0.1, 0.01, 0.9, 0.0, nesterov});
          },
          dt, dt == kFloat64 ? 1e-12 : 1e-5);
    }
    check_parity([](const std::vector<Tensor>& p) { return std::make_unique<SGD>(p, SGDOptions{0.1, 0.1}); }, dt,
                 dt == kFloat64 ? 1e-12 : 1e-5);
  }
}
