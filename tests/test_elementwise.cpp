// Elementwise ops: values against std:: math, broadcasting, gradients by finite differences.
#include <cmath>

#include "kernels/math/fastmath.h"
#include "tests/harness.h"

using namespace autost;
using autost::test::leaf64;
using autost::test::t64;

namespace {

Tensor ref_map(const Tensor& x, double (*f)(double)) {
  std::vector<double> v = x.to_vector<double>();
  for (double& e : v) e = f(e);
  return from_vector(v, x.shape(), kFloat64);
}

}  // namespace

TEST_CASE("unary ops match std:: math in float32 and float64") {
  Generator g(1);
  Tensor x64 = uniform({3, 37}, 0.1, 3.0, kFloat64, &g);  // positive, so log/sqrt/rsqrt are defined
  struct Case {
    const char* name;
    Tensor (*op)(const Tensor&);
    double (*ref)(double);
    bool positive_only;
  } cases[] = {
      {"neg", neg, [](double v) { return -v; }, false},
      {"abs", abs, [](double v) { return std::abs(v); }, false},
      {"exp", exp, [](double v) { return std::exp(v); }, true},
      {"log", log, [](double v) { return std::log(v); }, true},
      {"sqrt", sqrt, [](double v) { return std::sqrt(v); }, true},
      {"rsqrt", rsqrt, [](double v) { return 1 / std::sqrt(v); }, true},
      {"relu", relu, [](double v) { return v > 0 ? v : 0; }, false},
      {"sigmoid", sigmoid, [](double v) { return 1 / (1 + std::exp(-v)); }, false},
      {"tanh", tanh, [](double v) { return std::tanh(v); }, false},
      {"gelu", gelu, [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }, false},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    Tensor shifted = c.positive_only ? x64 : sub(x64, 1.5);
    Tensor expected = ref_map(shifted, c.ref);
    CHECK_CLOSE(c.op(shifted), expected, 1e-12, 1e-12);
    CHECK_CLOSE(c.op(shifted.to(kFloat32)), expected, 1e-6, 1e-5);
    // Strided input gives the same values as its contiguous copy.
    Tensor t = shifted.transpose(0, 1);
    CHECK_CLOSE(c.op(t), c.op(t.contiguous()), 0, 0);
  }
  // Sigmoid does not overflow for large negative inputs.
  CHECK(sigmoid(t64({-1000}, {1})).item() == 0.0);
  CHECK(sigmoid(t64({1000}, {1})).item() == 1.0);
}

TEST_CASE("unary gradients (gradcheck)") {
  using Op = Tensor (*)(const Tensor&);
  std::pair<Op, bool> ops[] = {{neg, false}, {abs, false}, {exp, false},     {log, true},  {sqrt, true},
                               {rsqrt, true}, {relu, false}, {sigmoid, false}, {tanh, false}, {gelu, false}};
  for (auto [op, positive] : ops) {
    Tensor x = leaf64({2, 5}, 3, positive ? 0.2 : -2.0, 2.0);
    CHECK_GRADCHECK([op](const std::vector<Tensor>& in) { return op(in[0]); }, std::vector<Tensor>{x});
  }
}

TEST_CASE("binary ops broadcast like numpy") {
  Tensor a = t64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = t64({10, 20, 30}, {3});
  CHECK(add(a, b).to_vector<double>() == std::vector<double>{11, 22, 33, 14, 25, 36});
  Tensor col = t64({1, 2}, {2, 1});
  CHECK((a - col).to_vector<double>() == std::vector<double>{0, 1, 2, 2, 3, 4});
  CHECK((col * b).shape() == Shape{2, 3});
  CHECK((col * b).to_vector<double>() == std::vector<double>{10, 20, 30, 20, 40, 60});
  CHECK((a / 2.0).to_vector<double>() == std::vector<double>{0.5, 1, 1.5, 2, 2.5, 3});
  CHECK((2.0 / t64({4}, {1})).item() == 0.5);
  CHECK((10.0 - a).to_vector<double>()[0] == 9);
  CHECK(pow(a, 2.0).to_vector<double>() == std::vector<double>{1, 4, 9, 16, 25, 36});
  CHECK(rpow(2.0, t64({3}, {1})).item() == 8);
  CHECK(maximum(a, 3.5).to_vector<double>() == std::vector<double>{3.5, 3.5, 3.5, 4, 5, 6});
  CHECK(minimum(a, b).to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(add(zeros({4, 1, 3}, kFloat64), zeros({5, 1}, kFloat64)).shape() == Shape{4, 5, 3});
  CHECK_THROWS_WITH_AS(add(a, t64({1, 2}, {2})), doctest::Contains("[2, 3] and [2]"), Error);
  CHECK_THROWS_WITH_AS(add(a, a.to(kFloat32)), doctest::Contains("dtype mismatch"), Error);
  // Large broadcast runs the same as the explicit expand.
  Generator g(5);
  Tensor big = randn({64, 33, 17}, kFloat32, &g), row = randn({17}, kFloat32, &g);
  CHECK_CLOSE(mul(big, row), mul(big, row.expand({64, 33, 17}).contiguous()), 0, 0);
}

TEST_CASE("binary gradients with broadcasting (gradcheck)") {
  Tensor (*ops[])(const Tensor&, const Tensor&) = {add, sub, mul, div, pow, maximum, minimum};
  for (auto op : ops) {
    Tensor a = leaf64({3, 1, 4}, 11, 0.5, 2.0);
    Tensor b = leaf64({5, 1}, 12, 0.5, 2.0);
    CHECK_GRADCHECK([op](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, (std::vector<Tensor>{a, b}));
  }
  Tensor a = leaf64({2, 3}, 13, 0.5, 2.0);
  auto scalar_fns = std::vector<std::function<Tensor(const Tensor&)>>{
      [](const Tensor& x) { return add(x, 2.0); },   [](const Tensor& x) { return sub(x, 2.0); },
      [](const Tensor& x) { return mul(x, -3.0); },  [](const Tensor& x) { return div(x, 4.0); },
      [](const Tensor& x) { return pow(x, 2.5); },   [](const Tensor& x) { return rsub(1.0, x); },
      [](const Tensor& x) { return rdiv(2.0, x); },  [](const Tensor& x) { return rpow(1.7, x); },
      [](const Tensor& x) { return maximum(x, 1.0); }, [](const Tensor& x) { return minimum(x, 1.0); }};
  for (auto& f : scalar_fns)
    CHECK_GRADCHECK([&f](const std::vector<Tensor>& in) { return f(in[0]); }, std::vector<Tensor>{a});
}

TEST_CASE("ties split maximum's gradient evenly, as torch does") {
  Tensor a = t64({1, 2}, {2}).set_requires_grad(true);
  Tensor b = t64({1, 3}, {2}).set_requires_grad(true);
  sum(maximum(a, b)).backward();
  CHECK(a.grad().to_vector<double>() == std::vector<double>{0.5, 0});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{0.5, 1});
}

TEST_CASE("comparisons and where") {
  Tensor a = t64({1, 2, 3}, {3}), b = t64({3, 2, 1}, {3});
  CHECK(lt(a, b).dtype() == kBool);
  CHECK(lt(a, b).to_vector<uint8_t>() == std::vector<uint8_t>{1, 0, 0});
  CHECK(le(a, b).to_vector<uint8_t>() == std::vector<uint8_t>{1, 1, 0});
  CHECK(eq(a, b).to_vector<uint8_t>() == std::vector<uint8_t>{0, 1, 0});
  CHECK(ne(a, 2.0).to_vector<uint8_t>() == std::vector<uint8_t>{1, 0, 1});
  CHECK(gt(a, 1.5).to_vector<uint8_t>() == std::vector<uint8_t>{0, 1, 1});
  CHECK(ge(arange(3), arange(3)).to_vector<uint8_t>() == std::vector<uint8_t>{1, 1, 1});
  CHECK(where(gt(a, 1.5), a, b).to_vector<double>() == std::vector<double>{3, 2, 3});
  Tensor x = leaf64({2, 3}, 21), y = leaf64({3}, 22);
  Tensor cond = gt(leaf64({2, 3}, 23).detach(), 0.0);
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return where(cond, in[0], in[1]); }, (std::vector<Tensor>{x, y}));
}

TEST_CASE("autograd: accumulation, shared inputs, detach, no_grad, freed graph") {
  Tensor x = t64({1, 2, 3}, {3}).set_requires_grad(true);
  Tensor y = x * x + x;  // dy/dx = 2x + 1, x used three times
  sum(y).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3, 5, 7});
  sum(x * 2.0).backward();  // accumulates into .grad
  CHECK(x.grad().to_vector<double>() == std::vector<double>{5, 7, 9});
  CHECK_THROWS_WITH_AS(y.backward(ones({3}, kFloat64)), doctest::Contains("second time"), Error);
  {
    NoGradGuard ng;
    Tensor z = x * 3.0;
    CHECK(!z.requires_grad());
  }
  CHECK(!x.detach().requires_grad());
  CHECK(x.detach().storage() == x.storage());
  CHECK(x.is_leaf());
  CHECK(!y.is_leaf());
  CHECK_THROWS_WITH_AS(t64({1}, {1}).backward(), doctest::Contains("does not require grad"), Error);
  CHECK_THROWS_AS(y.backward(), Error);  // non-scalar without a gradient
  CHECK_THROWS_WITH_AS(x.fill_(0), doctest::Contains("in-place"), Error);
  {
    NoGradGuard ng;  // an optimizer step may write parameters in place
    x.fill_(0);
  }
  CHECK(x.to_vector<double>() == std::vector<double>{0, 0, 0});
}

TEST_CASE("autograd through views (gradcheck)") {
  Tensor x = leaf64({2, 3, 4}, 31);
  auto fns = std::vector<std::function<Tensor(const Tensor&)>>{
      [](const Tensor& t) { return t.transpose(0, 2) * t.transpose(0, 2); },
      [](const Tensor& t) { return t.permute({2, 0, 1}).reshape({4, 6}); },
      [](const Tensor& t) { return t.narrow(1, 1, 2) * 3.0; },
      [](const Tensor& t) { return t.slice(2, 0, 4, 3); },
      [](const Tensor& t) { return t.select(1, 2); },
      [](const Tensor& t) { return t.narrow(0, 1, 1).expand({5, 3, 4}); },
      [](const Tensor& t) { return t.unsqueeze(1).squeeze(1).flatten(); },
      [](const Tensor& t) { return t.transpose(1, 2).contiguous().view({2, 12}); },
      [](const Tensor& t) { return sum_to(t, {3, 1}); },
      [](const Tensor& t) { return mean(t, {0, 2}, true); },
      [](const Tensor& t) { return sum(t, {-1}); },
  };
  for (size_t i = 0; i < fns.size(); ++i) {
    INFO("view case ", i);
    auto& f = fns[i];
    CHECK_GRADCHECK([&f](const std::vector<Tensor>& in) { return f(in[0]); }, std::vector<Tensor>{x});
  }
}

TEST_CASE("dtype conversions send the gradient back in the input's dtype") {
  Tensor x = t64({1, 2}, {2}).set_requires_grad(true);
  sum(x.to(kFloat32) * 3.0).backward();
  CHECK(x.grad().dtype() == kFloat64);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3, 3});
}

TEST_CASE("a graph thousands of nodes deep runs backward and frees without recursion") {
  Tensor x = t64({0.5}, {1}).set_requires_grad(true);
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = y * 1.0;
  sum(y).backward();
  CHECK(x.grad().item() == 1.0);
  Tensor z = x;
  for (int i = 0; i < 200000; ++i) z = z + 0.0;
  z = Tensor();  // dropping an unused deep graph must not overflow the stack either
  CHECK(true);
}

TEST_CASE("vectorisable float32 exp and erf are accurate over their whole range") {
  double worst_exp = 0, worst_erf = 0;
  for (double x = -87.0; x <= 88.7; x += 0.0137) {
    float xf = static_cast<float>(x);
    double ref = std::exp(static_cast<double>(xf));
    worst_exp = std::max(worst_exp, std::abs(math::exp_f32(xf) - ref) / ref);
    worst_erf = std::max(worst_erf, std::abs(math::erf_f32(xf / 10) - std::erf(static_cast<double>(xf / 10))));
  }
  CHECK(worst_exp < 4e-7);   // a few ulp
  CHECK(worst_erf < 5e-7);
  CHECK(math::exp_f32(0.0f) == 1.0f);
  CHECK(std::isinf(math::exp_f32(89.0f)));
  CHECK(math::exp_f32(-100.0f) == 0.0f);
  CHECK(std::isnan(math::exp_f32(NAN)));
  CHECK(math::exp_f32(-INFINITY) == 0.0f);
  CHECK(std::isinf(math::exp_f32(INFINITY)));
}
