// Layers against PyTorch (tests/reference/nn_layers.py): outputs, input and parameter gradients,
// BatchNorm running statistics after a training step; parameter counts; initialiser statistics.
#include <cmath>
#include <filesystem>
#include <string>

#include "nn/init.h"
#include "nn/layers.h"
#include "tensor/npy.h"
#include "tests/harness.h"

using namespace autost;
using namespace autost::nn;

namespace {

std::string fixture_path(const std::string& name, const std::string& what) {
  return std::string(AUTOST_FIXTURES_DIR) + "/nn_layers/" + name + "_" + what + ".npy";
}
Tensor fixture(const std::string& name, const std::string& what) { return read_npy(fixture_path(name, what)); }

// Loads torch's parameters through load_state_dict (strict): entries with a fixture are replaced,
// the rest (fresh running stats) kept as constructed, like a fresh torch layer.
void load_torch_weights(Module& m, const std::string& name) {
  NamedTensors sd = m.state_dict();
  for (auto& [key, t] : sd)
    if (std::filesystem::exists(fixture_path(name, key))) t = fixture(name, key);
  m.load_state_dict(sd);
}

// Forward in training mode on torch's input, backward of sum(y * gy), everything compared.
void check_against_torch(Module& m, const std::string& name, double tol = 1e-10) {
  INFO("case ", name);
  load_torch_weights(m, name);
  m.train();
  Tensor x = fixture(name, "x").set_requires_grad(true);
  Tensor y = m.forward(x);
  CHECK_CLOSE(y, fixture(name, "y"), tol, tol);
  sum(mul(y, fixture(name, "gy"))).backward();
  REQUIRE(x.grad().defined());
  CHECK_CLOSE(x.grad(), fixture(name, "dx"), tol, tol);
  for (auto& [key, p] : m.named_parameters()) {
    INFO("gradient of ", key);
    REQUIRE(p.grad().defined());
    CHECK_CLOSE(p.grad(), fixture(name, "d" + key), tol, tol);
  }
  for (auto& [key, b] : m.named_buffers()) {
    INFO("buffer ", key);
    if (key == "num_batches_tracked")
      CHECK(b.item<int64_t>() == 1);
    else
      CHECK_CLOSE(b, fixture(name, key + "_after"), tol, tol);
  }
}

using A2 = std::array<int64_t, 2>;

}  // namespace

TEST_CASE("Linear over leading dims matches torch") {
  Linear m(5, 4, true, nullptr, kFloat64);
  check_against_torch(m, "linear");
  CHECK(m.num_parameters() == 24);
  CHECK(Linear(5, 4, false).num_parameters() == 20);
  // A strided input (the batched-matmul path) gives the same values as its contiguous copy.
  Tensor xt = test::rand64({3, 2, 5}, 4).transpose(0, 1);
  REQUIRE(!xt.is_contiguous());
  CHECK_CLOSE(m.forward(xt), m.forward(xt.contiguous()), 1e-12, 1e-12);
  CHECK_CLOSE(m.forward(xt.select(0, 1).select(0, 2)), m.forward(xt.contiguous()).select(0, 1).select(0, 2), 1e-12,
              1e-12);  // 1-D input
  CHECK_THROWS_WITH_AS(m.forward(zeros({2, 3}, kFloat64)), doctest::Contains("Linear: input of shape [2, 3]"), Error);
}

TEST_CASE("Conv1d with kernel 1 and Conv2d with stride 2, padding 1 match torch") {
  Conv1d c1(6, 4, 1, 1, 0, 1, true, nullptr, kFloat64);
  check_against_torch(c1, "conv1d");
  CHECK(c1.num_parameters() == 28);
  Conv2d c2(3, 4, A2{3, 3}, A2{2, 2}, A2{1, 1}, A2{1, 1}, true, nullptr, kFloat64);
  check_against_torch(c2, "conv2d");
  CHECK(c2.num_parameters() == 112);
  CHECK_THROWS_WITH_AS(c2.forward(zeros({2, 4, 5, 5}, kFloat64)), doctest::Contains("Conv2d: expected input [N, 3"),
                       Error);
}

TEST_CASE("Conv1d with a wider kernel, stride, padding and dilation agrees with Conv2d over height 1") {
  Generator g(11);
  Conv1d c1(3, 2, 3, 2, 2, 2, true, &g, kFloat64);
  Tensor x = test::rand64({2, 3, 11}, 12);
  Tensor expected =
      conv2d(x.unsqueeze(2), c1.weight.unsqueeze(2), c1.bias, {1, 2}, {0, 2}, {1, 2}).squeeze(2).detach();
  CHECK(c1.forward(x).shape() == Shape{2, 2, 6});
  CHECK_CLOSE(c1.forward(x), expected, 1e-12, 1e-12);
}

TEST_CASE("BatchNorm1d on [N, C] and [N, C, L] and BatchNorm2d match torch, running stats included") {
  BatchNorm1d nc(5, 1e-5, 0.1, true, true, kFloat64);
  check_against_torch(nc, "bn1d_nc");
  CHECK(nc.num_parameters() == 10);
  BatchNorm1d ncl(4, 1e-5, 0.1, true, true, kFloat64);
  check_against_torch(ncl, "bn1d_ncl");
  BatchNorm2d bn2(3, 1e-5, 0.1, true, true, kFloat64);
  check_against_torch(bn2, "bn2d");
  CHECK(bn2.num_parameters() == 6);
  CHECK(BatchNorm2d(3, 1e-5, 0.1, false).num_parameters() == 0);
  CHECK_THROWS_WITH_AS(bn2.forward(zeros({2, 3, 4}, kFloat64)), doctest::Contains("BatchNorm2d: expected input"), Error);
  CHECK_THROWS_WITH_AS(nc.forward(zeros({2, 4}, kFloat64)), doctest::Contains("BatchNorm1d: expected input [N, 5]"),
                       Error);
}

TEST_CASE("BatchNorm without running stats normalises with batch statistics in eval mode too") {
  BatchNorm1d bn(3, 1e-5, 0.1, true, false, kFloat64);
  CHECK(bn.named_buffers().empty());
  bn.eval();
  Tensor x = test::rand64({6, 3}, 2, 0.0, 4.0);
  CHECK_CLOSE(mean(bn.forward(x), {0}), zeros({3}, kFloat64), 1e-12, 0.0);
}

TEST_CASE("LayerNorm matches torch") {
  LayerNorm ln(6, 1e-5, true, kFloat64);
  check_against_torch(ln, "layernorm");
  CHECK(ln.num_parameters() == 12);
}

TEST_CASE("MaxPool2d 3x3 s2 p1 and AvgPool2d match torch") {
  MaxPool2d mp(A2{3, 3}, A2{2, 2}, A2{1, 1});
  check_against_torch(mp, "maxpool");
  AvgPool2d ap(A2{3, 3}, A2{2, 2}, A2{1, 1});
  check_against_torch(ap, "avgpool");
  CHECK(MaxPool2d(A2{2, 2}).stride == A2{2, 2});  // stride defaults to the kernel
}

TEST_CASE("Sequential applies children in order; Identity passes through") {
  Generator g(1);
  auto lin = std::make_shared<Linear>(3, 2, true, &g, kFloat64);
  Sequential seq({lin, std::make_shared<ReLU>(), std::make_shared<Identity>()});
  Tensor x = test::rand64({4, 3}, 3);
  CHECK_CLOSE(seq.forward(x), relu(lin->forward(x)), 0.0, 0.0);
  CHECK(seq.size() == 3);
  CHECK_THROWS_WITH_AS(seq[3], doctest::Contains("Sequential: index 3 out of range"), Error);
  CHECK_THROWS_WITH_AS(seq.at<Linear>(1), doctest::Contains("child 1 is a ReLU"), Error);
}

TEST_CASE("Linear and Conv2d differentiate by finite differences through their parameters") {
  Generator g(8);
  Linear lin(3, 2, true, &g, kFloat64);
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return lin.forward(in[0]); },
                  std::vector<Tensor>{test::leaf64({2, 2, 3}, 9)});
  Conv2d conv(2, 3, A2{2, 2}, A2{1, 1}, A2{1, 1}, A2{1, 1}, true, &g, kFloat64);
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return conv.forward(in[0]); },
                  std::vector<Tensor>{test::leaf64({1, 2, 4, 3}, 10)});
}

TEST_CASE("default init: kaiming-uniform(a = sqrt 5) bounds and variance, seeded") {
  Generator g(42);
  Linear big(1000, 400, true, &g);
  const double bound = 1.0 / std::sqrt(1000.0);
  std::vector<double> w = big.weight.to_vector<double>(), b = big.bias.to_vector<double>();
  double sq = 0.0, s = 0.0;
  int outside = 0;
  for (double v : w) {
    outside += std::abs(v) > bound;
    sq += v * v;
    s += v;
  }
  for (double v : b) outside += std::abs(v) > bound;
  CHECK(outside == 0);
  const double n = static_cast<double>(w.size());
  CHECK(std::abs(s / n) < 0.01 * bound);
  CHECK(sq / n == doctest::Approx(bound * bound / 3.0).epsilon(0.01));

  Conv2d conv(16, 8, A2{3, 3}, A2{1, 1}, A2{0, 0}, A2{1, 1}, true, &g);
  const double cbound = 1.0 / std::sqrt(16.0 * 9.0);
  for (double v : conv.weight.to_vector<double>()) outside += std::abs(v) > cbound;
  CHECK(outside == 0);

  // Same seed, same weights; the generator advances, so the next layer differs.
  Generator g1(7), g2(7);
  Linear a(4, 3, true, &g1), c(4, 3, true, &g2), d(4, 3, true, &g2);
  CHECK_CLOSE(a.weight, c.weight, 0.0, 0.0);
  CHECK(test::compare(c.weight, d.weight, 0.0, 0.0) != "");
}

TEST_CASE("trunc_normal_ stays in [a, b] with the truncated normal's mean and std") {
  for (double y : {-0.999, -0.5, 0.0, 1e-8, 0.3, 0.9, 0.999999}) CHECK(std::erf(init::erfinv(y)) == doctest::Approx(y).epsilon(1e-13));

  Generator g(3);
  // Wide bounds (timm's std = .02 use): effectively a plain normal.
  Tensor t = empty({200000}).set_requires_grad(true);
  init::trunc_normal_(t, 0.0, 0.02, -2.0, 2.0, &g);
  CHECK(t.requires_grad());
  std::vector<double> v = t.to_vector<double>();
  double s = 0, sq = 0;
  for (double e : v) s += e, sq += e * e;
  const double n = static_cast<double>(v.size());
  CHECK(std::abs(s / n) < 2e-4);
  CHECK(std::sqrt(sq / n - (s / n) * (s / n)) == doctest::Approx(0.02).epsilon(0.01));

  // A real truncation: N(0.5, 1) on [-1, 1.5], against the closed-form moments.
  Tensor u = empty({200000}, kFloat64);
  init::trunc_normal_(u, 0.5, 1.0, -1.0, 1.5, &g);
  const double al = -1.5, be = 1.0;
  auto phi = [](double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); };
  auto Phi = [](double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); };
  const double Z = Phi(be) - Phi(al);
  const double mu = 0.5 + (phi(al) - phi(be)) / Z;
  const double var = 1.0 + (al * phi(al) - be * phi(be)) / Z - std::pow((phi(al) - phi(be)) / Z, 2);
  v = u.to_vector<double>();
  s = sq = 0;
  double lo = 1e9, hi = -1e9;
  for (double e : v) s += e, sq += e * e, lo = std::min(lo, e), hi = std::max(hi, e);
  CHECK(lo >= -1.0);
  CHECK(hi <= 1.5);
  CHECK(lo < -0.99);  // the whole interval is used
  CHECK(hi > 1.49);
  CHECK(s / n == doctest::Approx(mu).epsilon(0.01));
  CHECK(sq / n - (s / n) * (s / n) == doctest::Approx(var).epsilon(0.01));

  Generator g1(9), g2(9);
  Tensor p = empty({50}), q = empty({50});
  init::trunc_normal_(p, 0, 1, -2, 2, &g1);
  init::trunc_normal_(q, 0, 1, -2, 2, &g2);
  CHECK_CLOSE(p, q, 0.0, 0.0);
  CHECK_THROWS_WITH_AS(init::trunc_normal_(p, 0, 1, 2, -2), doctest::Contains("trunc_normal_"), Error);
}

TEST_CASE("kaiming_normal_, constant_, zeros_, ones_ work in place on parameters") {
  Generator g(5);
  Linear lin(500, 300, true, &g);
  init::kaiming_normal_(lin.weight, 0.0, 500, &g);
  std::vector<double> v = lin.weight.to_vector<double>();
  double sq = 0;
  for (double e : v) sq += e * e;
  CHECK(std::sqrt(sq / static_cast<double>(v.size())) == doctest::Approx(std::sqrt(2.0 / 500.0)).epsilon(0.01));
  init::constant_(lin.bias, 0.25);
  CHECK(lin.bias.to_vector<double>() == std::vector<double>(300, 0.25));
  init::zeros_(lin.bias);
  CHECK(sum(lin.bias).item() == 0.0);
  init::ones_(lin.bias);
  CHECK(sum(lin.bias).item() == 300.0);
  CHECK(lin.bias.requires_grad());
  CHECK(lin.bias.is_leaf());
  CHECK(init::compute_fans(zeros({8, 3, 5, 5})).in == 75);
  CHECK(init::compute_fans(zeros({8, 3, 5, 5})).out == 200);
  CHECK_THROWS_WITH_AS(init::compute_fans(zeros({8})), doctest::Contains("fan in/out"), Error);
}
