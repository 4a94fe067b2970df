// Reductions: sum, mean, var and max against naive loops over every dim combination, ties and
// infinities for max, and gradients by finite differences.
#include <cmath>
#include <functional>
#include <limits>

#include "tests/harness.h"

using namespace autost;
using autost::test::leaf64;
using autost::test::t64;

namespace {

// Groups the elements of x by output position (reduced dims dropped, or kept as 1) and applies f to
// each group in input order.
Tensor naive_reduce(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim,
                    const std::function<double(const std::vector<double>&)>& f) {
  const Shape& s = x.shape();
  const int64_t n = x.dim();
  std::vector<bool> red(n, dims.empty());
  for (int64_t d : dims) red[d < 0 ? d + n : d] = true;
  Shape out_shape, kept;
  for (int64_t d = 0; d < n; ++d) {
    if (!red[d]) out_shape.push_back(s[d]);
    else if (keepdim) out_shape.push_back(1);
  }
  std::vector<std::vector<double>> groups(static_cast<size_t>(shape_numel(out_shape)));
  std::vector<double> v = x.to_vector<double>();
  std::vector<int64_t> idx(n, 0);
  for (size_t e = 0; e < v.size(); ++e) {
    int64_t o = 0;
    for (int64_t d = 0; d < n; ++d)
      if (!red[d]) o = o * s[d] + idx[d];
    groups[o].push_back(v[e]);
    for (int64_t d = n - 1; d >= 0; --d) {
      if (++idx[d] < s[d]) break;
      idx[d] = 0;
    }
  }
  std::vector<double> out;
  for (auto& g : groups) out.push_back(f(g));
  return from_vector(out, out_shape, kFloat64);
}

double vsum(const std::vector<double>& g) {
  double s = 0;
  for (double v : g) s += v;
  return s;
}
double vmean(const std::vector<double>& g) { return vsum(g) / static_cast<double>(g.size()); }
std::function<double(const std::vector<double>&)> vvar(int correction) {
  return [correction](const std::vector<double>& g) {
    double m = vmean(g), ss = 0;
    for (double v : g) ss += (v - m) * (v - m);
    return ss / static_cast<double>(static_cast<int64_t>(g.size()) - correction);
  };
}

// Every subset of {0, 1, 2}, including the empty one (which means "all dims").
std::vector<std::vector<int64_t>> all_dim_sets() {
  std::vector<std::vector<int64_t>> sets;
  for (int mask = 0; mask < 8; ++mask) {
    std::vector<int64_t> d;
    for (int k = 0; k < 3; ++k)
      if (mask & (1 << k)) d.push_back(k);
    sets.push_back(d);
  }
  sets.push_back({2, 0});  // unordered, non-adjacent
  sets.push_back({-1});
  return sets;
}

std::string dims_str(const std::vector<int64_t>& dims, bool keepdim) {
  std::string s = "dims {";
  for (int64_t d : dims) s += std::to_string(d) + ",";
  return s + "} keepdim " + (keepdim ? "true" : "false");
}

}  // namespace

TEST_CASE("sum and mean over every dim combination of [3, 4, 5]") {
  Generator g(11);
  Tensor x = uniform({3, 4, 5}, -2.0, 2.0, kFloat64, &g);
  for (const auto& dims : all_dim_sets()) {
    for (bool keepdim : {false, true}) {
      INFO(dims_str(dims, keepdim));
      CHECK_CLOSE(sum(x, dims, keepdim), naive_reduce(x, dims, keepdim, vsum), 1e-12, 1e-12);
      CHECK_CLOSE(mean(x, dims, keepdim), naive_reduce(x, dims, keepdim, vmean), 1e-12, 1e-12);
      CHECK_CLOSE(sum(x.to(kFloat32), dims, keepdim), naive_reduce(x, dims, keepdim, vsum), 1e-5, 1e-5);
      // A strided (transposed) input reduces like its contiguous copy.
      Tensor t = x.transpose(0, 2);
      CHECK_CLOSE(sum(t, dims, keepdim), naive_reduce(t.contiguous(), dims, keepdim, vsum), 1e-12, 1e-12);
    }
  }
  CHECK(sum(x).dim() == 0);
  CHECK(sum(x, {}, true).shape() == Shape{1, 1, 1});
}

TEST_CASE("var with correction 0 and 1 over every dim combination") {
  Generator g(12);
  Tensor x = uniform({3, 4, 5}, -2.0, 2.0, kFloat64, &g);
  for (const auto& dims : all_dim_sets()) {
    for (bool keepdim : {false, true}) {
      INFO(dims_str(dims, keepdim));
      CHECK_CLOSE(var(x, dims, true, keepdim), naive_reduce(x, dims, keepdim, vvar(1)), 1e-12, 1e-10);
      CHECK_CLOSE(var(x, dims, false, keepdim), naive_reduce(x, dims, keepdim, vvar(0)), 1e-12, 1e-10);
      CHECK_CLOSE(var(x.to(kFloat32), dims, true, keepdim), naive_reduce(x, dims, keepdim, vvar(1)), 1e-5, 1e-4);
    }
  }
  CHECK(var(t64({1, 2, 3, 4}, {4}), {0}).item() == doctest::Approx(5.0 / 3.0));
  CHECK(var(t64({1, 2, 3, 4}, {4}), {0}, false).item() == doctest::Approx(1.25));
  // One element with Bessel's correction: 0 / 0, as torch.
  CHECK(std::isnan(var(t64({3}, {1}), {0}).item()));
  CHECK_THROWS_WITH_AS(kernels::var(t64({1, 2}, {2}), {0}, -1, false), doctest::Contains("var"), Error);
}

TEST_CASE("var is accurate in float32 when the mean dwarfs the spread") {
  // 1e4 + small noise: E[x^2] - E[x]^2 would lose every digit of the variance in float32.
  Generator g(13);
  Tensor noise = uniform({4, 4096}, -1.0, 1.0, kFloat64, &g);
  Tensor x = add(noise, 1e4);
  Tensor expected = naive_reduce(x, {1}, false, vvar(1));
  CHECK_CLOSE(var(x.to(kFloat32), {1}), expected, 1e-4, 1e-3);
  Tensor xt = x.transpose(0, 1).contiguous();  // the same data along dim 0 (column path)
  CHECK_CLOSE(var(xt.to(kFloat32), {0}), expected, 1e-4, 1e-3);
}

TEST_CASE("max and argmax against a naive scan, with ties, -inf and NaN") {
  Generator g(14);
  Tensor x = uniform({3, 4, 5}, -2.0, 2.0, kFloat64, &g);
  auto vmax = [](const std::vector<double>& v) {
    double m = v[0];
    for (double e : v) m = std::max(m, e);
    return m;
  };
  auto vargmax = [](const std::vector<double>& v) {
    size_t b = 0;
    for (size_t i = 1; i < v.size(); ++i)
      if (v[i] > v[b]) b = i;
    return static_cast<double>(b);
  };
  for (int64_t d : {0, 1, 2, -1}) {
    for (bool keepdim : {false, true}) {
      INFO("dim ", d, " keepdim ", keepdim);
      auto [values, indices] = max(x, d, keepdim);
      CHECK(indices.dtype() == kInt64);
      CHECK_CLOSE(values, naive_reduce(x, {d}, keepdim, vmax), 0, 0);
      CHECK_CLOSE(indices, naive_reduce(x, {d}, keepdim, vargmax), 0, 0);
      CHECK_CLOSE(argmax(x.to(kFloat32), d, keepdim), naive_reduce(x, {d}, keepdim, vargmax), 0, 0);
    }
  }
  CHECK(max(x).item() == vmax(x.to_vector<double>()));
  CHECK(max(x).dim() == 0);

  const double inf = std::numeric_limits<double>::infinity();
  Tensor ties = t64({1, 3, 3, 2, -inf, -inf, -inf, -inf, 5, 0, 5, 5}, {3, 4});
  auto [v, i] = max(ties, 1);
  CHECK(v.to_vector<double>() == std::vector<double>{3, -inf, 5});
  CHECK(i.to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0});  // first occurrence; all -inf gives 0
  auto [v0, i0] = max(ties, 0);
  CHECK(v0.to_vector<double>() == std::vector<double>{5, 3, 5, 5});
  CHECK(i0.to_vector<int64_t>() == std::vector<int64_t>{2, 0, 2, 2});
  CHECK(max(t64({-inf, -inf}, {2})).item() == -inf);
  // NaN propagates, as torch.max does.
  Tensor withnan = t64({1, std::nan(""), 3}, {3});
  CHECK(std::isnan(max(withnan).item()));
  CHECK(argmax(withnan, 0).item() == 1);
  // Over a size-1 dim every element is its own maximum, at index 0.
  auto [v1, i1] = max(x.narrow(1, 2, 1), 1, true);
  CHECK_CLOSE(v1, x.narrow(1, 2, 1), 0, 0);
  CHECK(i1.to_vector<int64_t>() == std::vector<int64_t>(15, 0));
  // A 0-d tensor is its own maximum.
  auto [s, si] = max(t64({4}, {}), 0);
  CHECK(s.item() == 4);
  CHECK(si.item() == 0);
  CHECK_THROWS_WITH_AS(max(zeros({2, 0}, kFloat64), 1), doctest::Contains("max"), Error);
  CHECK_THROWS_WITH_AS(max(zeros({0}, kFloat64)), doctest::Contains("max"), Error);
  CHECK_THROWS_WITH_AS(max(x, 3), doctest::Contains("max"), Error);
}

TEST_CASE("reduction gradients (gradcheck)") {
  Tensor x = leaf64({3, 4, 5}, 21);
  for (const auto& dims : std::vector<std::vector<int64_t>>{{}, {0}, {1, 2}, {0, 2}, {-1}}) {
    for (bool keepdim : {false, true}) {
      INFO(dims_str(dims, keepdim));
      CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return sum(in[0], dims, keepdim); }, std::vector<Tensor>{x});
      CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return mean(in[0], dims, keepdim); }, std::vector<Tensor>{x});
      CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return var(in[0], dims, true, keepdim); },
                      std::vector<Tensor>{x});
      CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return var(in[0], dims, false, keepdim); },
                      std::vector<Tensor>{x});
    }
  }
  for (int64_t d : {0, 1, 2}) {
    for (bool keepdim : {false, true}) {
      INFO("max dim ", d, " keepdim ", keepdim);
      // Random values have no ties, so max is differentiable at every point.
      CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return max(in[0], d, keepdim).first; },
                      std::vector<Tensor>{x});
    }
  }
  CHECK_GRADCHECK([](const std::vector<Tensor>& in) { return max(in[0]); }, std::vector<Tensor>{x});
}

TEST_CASE("max gradients with ties: split evenly overall, to the first index along a dim") {
  Tensor x = t64({1, 3, 3, 2, 3, 0}, {2, 3});
  x.set_requires_grad(true);
  max(x).backward();
  CHECK_CLOSE(x.grad(), t64({0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0}, {2, 3}), 1e-15, 0);

  Tensor y = t64({1, 3, 3, 2, 3, 0}, {2, 3});
  y.set_requires_grad(true);
  Tensor w = t64({10, 20}, {2});
  sum(mul(max(y, 1).first, w)).backward();
  CHECK_CLOSE(y.grad(), t64({0, 10, 0, 0, 20, 0}, {2, 3}), 0, 0);
  CHECK(!argmax(y, 1).requires_grad());
}

// ---- adversarial review: each case below failed before its fix ----

TEST_CASE("reductions of a 0-d tensor over dim 0 or -1 (torch allows them)") {
  Tensor s = t64({2.5}, {}).view({});
  CHECK(sum(s, {0}).item() == 2.5);
  CHECK(sum(s, {-1}, true).dim() == 0);
  CHECK(mean(s, {0}).item() == 2.5);
  CHECK(var(s, {0}, false).item() == 0.0);
  CHECK_THROWS_WITH_AS(sum(s, {1}), doctest::Contains("sum"), Error);
  Tensor x = autost::test::leaf64({}, 3);
  sum(x, {0}).backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().dim() == 0);
  CHECK(x.grad().item() == 1.0);
  Tensor y = autost::test::leaf64({}, 4);
  mul(mean(y, {-1}, true), 3.0).backward();
  CHECK(y.grad().item() == 3.0);
}

TEST_CASE("max over everything sends the gradient to a NaN maximum (torch's rule)") {
  Tensor x = t64({1.0, NAN, 3.0}, {3});
  x.set_requires_grad(true);
  Tensor m = max(x);
  CHECK(std::isnan(m.item()));
  m.backward();
  std::vector<double> g = x.grad().to_vector<double>();
  CHECK(g == std::vector<double>{0.0, 1.0, 0.0});
}

TEST_CASE("sum_to refuses a target the input could not have been broadcast from, in both layers") {
  Tensor x = zeros({3, 4}, kFloat64);
  CHECK_THROWS_WITH_AS(sum_to(x, {5}), doctest::Contains("cannot reduce shape [3, 4] to [5]"), Error);
  CHECK_THROWS_WITH_AS(kernels::sum_to(x, {5}), doctest::Contains("cannot reduce shape [3, 4] to [5]"), Error);
  CHECK(sum_to(ones({3, 4}, kFloat64), {1, 4}).to_vector<double>() == std::vector<double>{3, 3, 3, 3});
}
