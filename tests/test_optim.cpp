// Optimizers, parameter groups, gradient clipping and accumulation, and LR schedules: SGD and AdamW
// against torch.optim fixtures (tests/reference/optim.py), state round trips, the timm weight-decay
// rule, and timm's cosine schedule against SPEC.md §4.1's formulas.
#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "autograd/grad_mode.h"
#include "kernels/optim.h"
#include "nn/optim/adamw.h"
#include "nn/optim/clip.h"
#include "nn/optim/param_groups.h"
#include "nn/optim/schedule.h"
#include "nn/optim/sgd.h"
#include "tensor/npy.h"
#include "tests/harness.h"

using namespace autost;
using namespace autost::nn;
using autost::test::rand64;
using autost::test::t64;

namespace {

// The fixture layout (tests/reference/optim.py): four parameters, flattened and concatenated.
const std::vector<Shape> kShapes = {{3, 4}, {5}, {}, {7}};
constexpr int kSteps = 6, kLrDrop = 3;

Tensor fixture(const std::string& name) { return read_npy(std::string(AUTOST_FIXTURES_DIR) + "/optim/" + name + ".npy"); }

// Row `row` of a [R, 25] fixture split into the four parameter shapes.
std::vector<Tensor> split_row(const Tensor& table, int64_t row, DType dtype) {
  std::vector<Tensor> out;
  int64_t at = 0;
  for (const Shape& s : kShapes) {
    int64_t n = shape_numel(s);
    out.push_back(table.select(0, row).narrow(0, at, n).reshape(s).to(dtype).clone());
    at += n;
  }
  return out;
}

Tensor flat(const std::vector<Tensor>& ts) {
  std::vector<Tensor> parts;
  for (const Tensor& t : ts) parts.push_back(t.detach().reshape({-1}).to(kFloat64));
  return cat(parts, 0);
}

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;

// Replays a fixture case; checks the parameters after every step.
void replay(const std::string& name, const MakeOptimizer& make, DType dtype, double tol) {
  Tensor params = fixture(name + "_params"), grads = fixture(name + "_grads"), mask = fixture(name + "_mask");
  std::vector<Tensor> p = split_row(params, 0, dtype);
  for (Tensor& t : p) t.set_requires_grad(true);
  std::unique_ptr<Optimizer> opt = make(p);
  for (int k = 0; k < kSteps; ++k) {
    if (k == kLrDrop)
      for (size_t g = 0; g < opt->num_groups(); ++g) opt->set_lr(g, opt->lr(g) * 0.5);
    std::vector<Tensor> g = split_row(grads, k, dtype);
    for (size_t i = 0; i < p.size(); ++i) p[i].set_grad(mask.select(0, k).select(0, i).item() != 0 ? g[i] : Tensor());
    opt->step();
    INFO(name, " step ", k);
    CHECK_CLOSE(flat(p), params.select(0, k + 1), tol, tol);
  }
}

MakeOptimizer sgd(double lr, double momentum, double dampening, double wd, bool nesterov) {
  return [=](const std::vector<Tensor>& p) {
    return std::make_unique<SGD>(p, SGDOptions{lr, wd, momentum, dampening, nesterov});
  };
}

MakeOptimizer adamw_groups() {
  return [](const std::vector<Tensor>& p) {
    AdamWOptions o;
    return std::make_unique<AdamW>(
        std::vector<ParamGroup>{{{p[0], p[2]}, 5e-3, 0.06}, {{p[1], p[3]}, 5e-3, 0.0}}, o);
  };
}

MakeOptimizer adamw_default() {
  return [](const std::vector<Tensor>& p) { return std::make_unique<AdamW>(p); };
}

}  // namespace

TEST_CASE("SGD matches torch.optim.SGD") {
  for (DType dt : {kFloat64, kFloat32}) {
    double tol = dt == kFloat64 ? 1e-12 : 1e-5;
    INFO(dtype_name(dt));
    replay("sgd_plain", sgd(0.1, 0.0, 0.0, 0.1, false), dt, tol);
    replay("sgd_momentum", sgd(0.1, 0.9, 0.0, 0.01, false), dt, tol);
    replay("sgd_nesterov", sgd(0.1, 0.9, 0.0, 0.01, true), dt, tol);
    replay("sgd_dampening", sgd(0.05, 0.8, 0.3, 0.0, false), dt, tol);
  }
}

TEST_CASE("AdamW matches torch.optim.AdamW") {
  for (DType dt : {kFloat64, kFloat32}) {
    double tol = dt == kFloat64 ? 1e-12 : 1e-5;
    INFO(dtype_name(dt));
    replay("adamw_groups", adamw_groups(), dt, tol);
    replay("adamw_default", adamw_default(), dt, tol);
  }
}

TEST_CASE("optimizer options and errors") {
  AdamWOptions a;
  CHECK(a.lr == 1e-3);
  CHECK(a.beta1 == 0.9);
  CHECK(a.beta2 == 0.999);
  CHECK(a.eps == 1e-8);
  CHECK(a.weight_decay == 1e-2);
  SGDOptions s;
  CHECK(s.momentum == 0.0);
  CHECK(!s.nesterov);
  Tensor p = rand64({3}, 1).set_requires_grad(true);
  CHECK_THROWS_WITH_AS(SGD({p}, SGDOptions{0.1, 0.0, 0.0, 0.0, true}), doctest::Contains("SGD"), Error);
  CHECK_THROWS_WITH_AS(AdamW(std::vector<ParamGroup>{{{p}, 1e-3, 0.0}, {{p}, 1e-3, 0.0}}),
                       doctest::Contains("more than once"), Error);
  AdamW opt({p});
  p.set_grad(rand64({3}, 2).to(kFloat32));
  CHECK_THROWS_WITH_AS(opt.step(), doctest::Contains("adamw_step"), Error);
  CHECK_THROWS_WITH_AS(opt.lr(1), doctest::Contains("AdamW"), Error);
}

TEST_CASE("parameters without a gradient are skipped and get no state") {
  Tensor a = rand64({4}, 1).set_requires_grad(true), b = rand64({2, 2}, 2).set_requires_grad(true);
  Tensor b0 = b.detach().clone();
  AdamW opt({a, b});
  a.set_grad(rand64({4}, 3));
  opt.step();
  CHECK_CLOSE(b, b0, 0.0, 0.0);
  NamedTensors st = opt.state_tensors();
  REQUIRE(st.size() == 3);
  CHECK(st[0].first == "state.0.step");
  CHECK(st[1].first == "state.0.exp_avg");
  CHECK(st[2].first == "state.0.exp_avg_sq");
  CHECK(st[0].second.item() == 1.0);
  CHECK(st[0].second.dim() == 0);
}

TEST_CASE("zero_grad zeroes or drops gradients") {
  Tensor a = rand64({4}, 1).set_requires_grad(true);
  SGD opt({a}, SGDOptions{0.1});
  a.set_grad(rand64({4}, 2));
  opt.zero_grad();
  REQUIRE(a.grad().defined());
  CHECK_CLOSE(a.grad(), zeros({4}, kFloat64), 0.0, 0.0);
  opt.zero_grad(true);
  CHECK(!a.grad().defined());
}

TEST_CASE("optimizer state round trip continues bit for bit") {
  auto check = [](const MakeOptimizer& make, const char* what) {
    INFO(what);
    std::vector<Tensor> p, q;
    for (size_t i = 0; i < kShapes.size(); ++i) p.push_back(rand64(kShapes[i], 10 + i).set_requires_grad(true));
    auto grads = [&](int k) {
      std::vector<Tensor> g;
      for (size_t i = 0; i < kShapes.size(); ++i) g.push_back(rand64(kShapes[i], 100 * k + i));
      return g;
    };
    std::unique_ptr<Optimizer> a = make(p);
    for (int k = 0; k < 3; ++k) {
      auto g = grads(k);
      for (size_t i = 0; i < p.size(); ++i) p[i].set_grad(k == 0 && i == 3 ? Tensor() : g[i]);
      a->step();
    }
    for (const Tensor& t : p) q.push_back(t.detach().clone().set_requires_grad(true));
    std::unique_ptr<Optimizer> b = make(q);
    NamedTensors saved;
    for (const auto& [n, t] : a->state_tensors()) saved.emplace_back(n, t.clone());  // as a checkpoint would
    b->load_state_tensors(saved);
    for (int k = 3; k < 6; ++k) {
      auto g = grads(k);
      for (size_t i = 0; i < p.size(); ++i) {
        p[i].set_grad(g[i]);
        q[i].set_grad(g[i].clone());
      }
      a->step();
      b->step();
    }
    for (size_t i = 0; i < p.size(); ++i) CHECK_CLOSE(q[i], p[i], 0.0, 0.0);
    NamedTensors sa = a->state_tensors(), sb = b->state_tensors();
    REQUIRE(sa.size() == sb.size());
    for (size_t i = 0; i < sa.size(); ++i) {
      CHECK(sa[i].first == sb[i].first);
      CHECK_CLOSE(sb[i].second, sa[i].second, 0.0, 0.0);
    }
  };
  check(adamw_groups(), "AdamW");
  check(sgd(0.1, 0.9, 0.0, 0.01, true), "SGD nesterov");

  Tensor p = rand64({3}, 1).set_requires_grad(true);
  AdamW opt({p});
  CHECK_THROWS_WITH_AS(opt.load_state_tensors({{"state.0.exp_avg", zeros({3}, kFloat64)}}),
                       doctest::Contains("missing"), Error);
  CHECK_THROWS_WITH_AS(opt.load_state_tensors({{"state.1.exp_avg", zeros({3}, kFloat64)}}),
                       doctest::Contains("1 parameters"), Error);
  CHECK_THROWS_WITH_AS(opt.load_state_tensors({{"state.0.exp_avg", zeros({4}, kFloat64)}}),
                       doctest::Contains("shape"), Error);
  CHECK_THROWS_WITH_AS(opt.load_state_tensors({{"state.0.momentum_buffer", zeros({3}, kFloat64)}}),
                       doctest::Contains("unexpected"), Error);
}

TEST_CASE("timm parameter groups: 1-D and .bias skip decay, 0-d scalars are decayed") {
  Tensor w = rand64({4, 3}, 1).set_requires_grad(true);
  Tensor bias = rand64({4}, 2).set_requires_grad(true);
  Tensor bn_w = rand64({4}, 3).set_requires_grad(true);
  Tensor plif_w = scalar_tensor(0.0, kFloat64).set_requires_grad(true);
  Tensor conv_bias_2d = rand64({2, 2}, 4).set_requires_grad(true);  // not 1-D, but named .bias
  Tensor frozen = rand64({4, 3}, 5);
  Tensor pos = rand64({1, 4, 3}, 6).set_requires_grad(true);
  NamedTensors named = {{"head.weight", w},       {"head.bias", bias},         {"bn.weight", bn_w},
                        {"block.0.lif.w", plif_w}, {"conv.bias", conv_bias_2d}, {"frozen.weight", frozen},
                        {"pos_embed", pos}};
  auto groups = timm_param_groups(named, 0.06, 5e-4);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].weight_decay == 0.0);
  CHECK(groups[1].weight_decay == 0.06);
  CHECK(groups[0].lr == 5e-4);
  CHECK(groups[1].lr == 5e-4);
  REQUIRE(groups[0].params.size() == 3);
  CHECK(groups[0].params[0].same(bias));
  CHECK(groups[0].params[1].same(bn_w));
  CHECK(groups[0].params[2].same(conv_bias_2d));
  REQUIRE(groups[1].params.size() == 3);
  CHECK(groups[1].params[0].same(w));
  CHECK(groups[1].params[1].same(plif_w));  // SPEC.md §1.2: PLIF's w gets weight decay
  CHECK(groups[1].params[2].same(pos));

  auto skipped = timm_param_groups(named, 0.06, 5e-4, {"pos_embed"});
  CHECK(skipped[0].params.size() == 4);
  CHECK(skipped[1].params.size() == 2);

  // The decay reaches the scalar: with a zero gradient AdamW only shrinks it by lr * wd.
  plif_w.detach().fill_(1.0);
  AdamW opt(groups);
  for (const auto& g : groups)
    for (const Tensor& t : g.params) Tensor(t).set_grad(zeros_like(t));
  opt.step();
  CHECK(plif_w.item() == doctest::Approx(1.0 - 5e-4 * 0.06).epsilon(1e-15));
}

TEST_CASE("clip_grad_norm_") {
  Tensor a = rand64({3, 4}, 1).set_requires_grad(true), b = rand64({5}, 2).set_requires_grad(true);
  Tensor c = rand64({2}, 3).set_requires_grad(true);  // no gradient: ignored
  Tensor ga = rand64({3, 4}, 4, -2, 2), gb = rand64({5}, 5, -2, 2);
  auto norm_of = [](const std::vector<Tensor>& gs, double p) {
    double s = 0, m = 0;
    for (const Tensor& g : gs)
      for (double v : g.to_vector<double>()) {
        s += std::pow(std::abs(v), p);
        m = std::max(m, std::abs(v));
      }
    return std::isinf(p) ? m : std::pow(s, 1.0 / p);
  };
  for (double p : {2.0, 1.0, 3.0, double(INFINITY)}) {
    INFO("norm_type ", p);
    double expected = norm_of({ga, gb}, p);
    a.set_grad(ga.clone());
    b.set_grad(gb.clone());
    double total = clip_grad_norm_({a, b, c}, 0.5, p);
    CHECK(total == doctest::Approx(expected).epsilon(1e-12));
    double coef = 0.5 / (expected + 1e-6);
    CHECK_CLOSE(a.grad(), ga * coef, 1e-14, 1e-12);
    CHECK_CLOSE(b.grad(), gb * coef, 1e-14, 1e-12);
    CHECK(!c.grad().defined());
    // Below the threshold nothing changes.
    a.set_grad(ga.clone());
    b.set_grad(gb.clone());
    CHECK(clip_grad_norm_({a, b}, expected * 2, p) == doctest::Approx(expected).epsilon(1e-12));
    CHECK_CLOSE(a.grad(), ga, 0.0, 0.0);
  }
  CHECK(clip_grad_norm_({c}, 1.0) == 0.0);
}

TEST_CASE("gradient accumulation: two half batches equal one full batch") {
  Tensor w = rand64({3, 2}, 1).set_requires_grad(true);
  Tensor x = rand64({8, 3}, 2), y = rand64({8, 2}, 3);
  auto loss = [&](const Tensor& xb, const Tensor& yb) {
    Tensor d = matmul(xb, w) - yb;
    return mean(d * d);
  };
  loss(x, y).backward();
  Tensor full = w.grad().clone();
  SGD opt({w}, SGDOptions{0.1});
  opt.zero_grad();
  (loss(x.narrow(0, 0, 4), y.narrow(0, 0, 4)) * 0.5).backward();
  (loss(x.narrow(0, 4, 4), y.narrow(0, 4, 4)) * 0.5).backward();
  CHECK_CLOSE(w.grad(), full, 1e-14, 1e-12);
}

TEST_CASE("cosine schedule follows SPEC.md §4.1") {
  Tensor p = rand64({2}, 1).set_requires_grad(true), q = rand64({2}, 2).set_requires_grad(true);
  AdamW opt(std::vector<ParamGroup>{{{p}, 5e-4, 0.0}, {{q}, 5e-4, 0.06}}, AdamWOptions{});
  CosineLR sched(opt, CosineOptions{300, 1e-5, 20, 1e-5});
  CHECK(opt.lr(0) == doctest::Approx(1e-5).epsilon(1e-14));  // epoch 0 applied on construction
  auto spec = [](int t) {
    if (t < 20) return 1e-5 + t * (5e-4 - 1e-5) / 20;
    if (t < 300) return 1e-5 + 0.5 * (5e-4 - 1e-5) * (1 + std::cos(M_PI * t / 300));
    return 1e-5;
  };
  for (int t : {0, 1, 10, 19, 20, 21, 150, 299, 300, 309}) {
    INFO("epoch ", t);
    sched.step(t);
    CHECK(sched.state() == t);
    for (size_t g = 0; g < 2; ++g) CHECK(opt.lr(g) == doctest::Approx(spec(t)).epsilon(1e-14));
  }
  CHECK(opt.lr(0) == 1e-5);
  // Reloading the epoch into a fresh schedule reproduces the lr (base lrs come from the optimizer).
  AdamW opt2(std::vector<ParamGroup>{{{p}, 5e-4, 0.0}}, AdamWOptions{});
  CosineLR sched2(opt2, CosineOptions{300, 1e-5, 20, 1e-5});
  sched2.load_state(150);
  CHECK(opt2.lr(0) == doctest::Approx(spec(150)).epsilon(1e-14));
  CHECK(opt2.lr(0) == doctest::Approx(1e-5 + 0.5 * (5e-4 - 1e-5)).epsilon(1e-14));
}

TEST_CASE("step and constant schedules") {
  Tensor p = rand64({2}, 1).set_requires_grad(true);
  SGD opt({p}, SGDOptions{0.1});
  StepLR sched(opt, 30, 0.1);
  for (auto [e, lr] : std::vector<std::pair<int, double>>{{0, 0.1}, {29, 0.1}, {30, 0.01}, {59, 0.01}, {60, 1e-3}}) {
    sched.step(e);
    CHECK(opt.lr(0) == doctest::Approx(lr).epsilon(1e-14));
  }
  SGD opt2({p}, SGDOptions{0.2});
  ConstantLR c(opt2);
  c.step(17);
  CHECK(opt2.lr(0) == 0.2);
  CHECK_THROWS_WITH_AS(StepLR(opt2, 0), doctest::Contains("StepLR"), Error);
}

TEST_CASE("fused kernels: shape and dtype errors name the op") {
  Tensor p = zeros({3}), g = zeros({4}), m = zeros({3}), v = zeros({3});
  CHECK_THROWS_WITH_AS(kernels::adamw_step_(p, g, m, v, {}), doctest::Contains("adamw_step"), Error);
  CHECK_THROWS_WITH_AS(kernels::sgd_step_(p, g, Tensor(), {}), doctest::Contains("sgd_step"), Error);
  CHECK_THROWS_WITH_AS(kernels::scale_(zeros({3}, kInt64), 2.0), doctest::Contains("scale_"), Error);
  // Large enough to run in parallel chunks: every element gets the same update.
  Tensor big = ones({100003}), gb = full({100003}, 0.5);
  kernels::sgd_step_(big, gb, Tensor(), kernels::SgdStep{0.1});
  CHECK_CLOSE(big, full({100003}, 1.0 - 0.1 * 0.5), 1e-7, 0.0);
}
