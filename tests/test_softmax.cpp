// Softmax, log_softmax and the cross-entropy losses: against naive formulas, stability for large
// logits, gradients by finite differences, and PyTorch fixtures for label smoothing.
#include <cmath>
#include <limits>
#include <string>

#include "tensor/npy.h"
#include "tests/harness.h"

using namespace autost;
using autost::test::leaf64;
using autost::test::t64;

namespace {

// softmax along `dim` by the textbook formula (exp(x - max) / sum), in double.
Tensor naive_softmax(const Tensor& x, int64_t dim, bool log) {
  const Shape& s = x.shape();
  int64_t d = dim < 0 ? dim + x.dim() : dim;
  int64_t outer = 1, inner = 1, n = s[d];
  for (int64_t i = 0; i < d; ++i) outer *= s[i];
  for (int64_t i = d + 1; i < x.dim(); ++i) inner *= s[i];
  std::vector<double> v = x.to_vector<double>(), out(v.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t r) { return (o * n + r) * inner + i; };
      double m = -INFINITY, sum = 0;
      for (int64_t r = 0; r < n; ++r) m = std::max(m, v[at(r)]);
      for (int64_t r = 0; r < n; ++r) sum += std::exp(v[at(r)] - m);
      for (int64_t r = 0; r < n; ++r)
        out[at(r)] = log ? v[at(r)] - m - std::log(sum) : std::exp(v[at(r)] - m) / sum;
    }
  }
  return from_vector(out, s, kFloat64);
}

Tensor fixture(const std::string& name) {
  return read_npy(std::string(AUTOST_FIXTURES_DIR) + "/cross_entropy/" + name + ".npy");
}

}  // namespace

TEST_CASE("softmax and log_softmax match the formula over dims 0, 1, -1") {
  Generator g(31);
  Tensor x = uniform({3, 4, 5}, -3.0, 3.0, kFloat64, &g);
  for (int64_t d : {0, 1, 2, -1}) {
    INFO("dim ", d);
    CHECK_CLOSE(softmax(x, d), naive_softmax(x, d, false), 1e-14, 1e-12);
    CHECK_CLOSE(log_softmax(x, d), naive_softmax(x, d, true), 1e-14, 1e-12);
    CHECK_CLOSE(softmax(x.to(kFloat32), d), naive_softmax(x, d, false), 1e-6, 1e-5);
    CHECK_CLOSE(log_softmax(x.to(kFloat32), d), naive_softmax(x, d, true), 1e-5, 1e-5);
    // Rows sum to 1.
    CHECK_CLOSE(sum(softmax(x, d), {d}), ones(sum(x, {d}).shape(), kFloat64), 1e-14, 0);
    // A strided input gives the values of its contiguous copy.
    Tensor t = x.transpose(0, 2);
    CHECK_CLOSE(softmax(t, d), naive_softmax(t.contiguous(), d, false), 1e-14, 1e-12);
  }
  CHECK_THROWS_WITH_AS(softmax(x, 3), doctest::Contains("softmax"), Error);
  CHECK_THROWS_WITH_AS(log_softmax(x.to(kInt64), 0), doctest::Contains("log_softmax"), Error);
}

TEST_CASE("softmax is stable for logits of 1000") {
  Tensor x = t64({1000, 1000, 999, -1000}, {1, 4});
  std::vector<double> p = softmax(x, 1).to_vector<double>();
  double e = std::exp(-1.0);
  CHECK(p[0] == doctest::Approx(1 / (2 + e)));
  CHECK(p[2] == doctest::Approx(e / (2 + e)));
  CHECK(p[3] == 0.0);
  std::vector<double> lp = log_softmax(x.to(kFloat32), 1).to_vector<double>();
  CHECK(lp[0] == doctest::Approx(-std::log(2 + e)).epsilon(1e-6));
  CHECK(lp[3] == doctest::Approx(-2000 - std::log(2 + e)).epsilon(1e-6));
  // The column path (softmax over dim 0) is stable too.
  Tensor xt = x.transpose(0, 1).contiguous();
  CHECK_CLOSE(softmax(xt.to(kFloat32), 0), naive_softmax(xt, 0, false), 1e-6, 1e-5);
  CHECK(cross_entropy(t64({1000, 0}, {1, 2}), from_vector({0}, {1}, kInt64)).item() == 0.0);
  // float32 logits near 1000 keep the loss's precision (computed from max-shifted logits).
  Tensor big = from_vector({1000, 1000, 999, -1000}, {1, 4}, kFloat32);
  CHECK(cross_entropy(big, from_vector({0}, {1}, kInt64)).item() == doctest::Approx(std::log(2 + e)).epsilon(1e-6));
  CHECK(cross_entropy(big, from_vector({0}, {1}, kInt64), 0.1).item() ==
        doctest::Approx(std::log(2 + e) + 0.1 / 4 * (1 + 2000)).epsilon(1e-6));
}

TEST_CASE("softmax and log_softmax gradients (gradcheck)") {
  Tensor x = leaf64({3, 4, 5}, 32, -2.0, 2.0);
  for (int64_t d : {0, 1, -1}) {
    INFO("dim ", d);
    CHECK_GRADCHECK([d](const std::vector<Tensor>& in) { return softmax(in[0], d); }, std::vector<Tensor>{x});
    CHECK_GRADCHECK([d](const std::vector<Tensor>& in) { return log_softmax(in[0], d); }, std::vector<Tensor>{x});
  }
}

TEST_CASE("cross_entropy against a hand computation") {
  // Row 0: logits (0, ln 2, ln 3) -> p = (1, 2, 3) / 6; target 2: -log(1/2) = ln 2.
  // Row 1: logits (0, 0, 0) -> p = 1/3 each; target 0: ln 3.
  Tensor logits = t64({0, std::log(2.0), std::log(3.0), 0, 0, 0}, {2, 3});
  Tensor target = from_vector({2, 0}, {2}, kInt64);
  Tensor loss = cross_entropy(logits, target);
  CHECK(loss.dim() == 0);
  CHECK(loss.item() == doctest::Approx((std::log(2.0) + std::log(3.0)) / 2).epsilon(1e-14));
  // Label smoothing 0.2 on row 1: 0.8 ln 3 + 0.2 * mean_c ln 3 = ln 3. Row 0:
  // 0.8 ln 2 + 0.2 / 3 (ln 6 + ln 3 + ln 2).
  double row0 = 0.8 * std::log(2.0) + 0.2 / 3 * (std::log(6.0) + std::log(3.0) + std::log(2.0));
  CHECK(cross_entropy(logits, target, 0.2).item() == doctest::Approx((row0 + std::log(3.0)) / 2).epsilon(1e-14));
  // The gradient is (softmax - one-hot) / N.
  Tensor x = logits.detach().clone();
  x.set_requires_grad(true);
  cross_entropy(x, target).backward();
  CHECK_CLOSE(x.grad(), t64({1.0 / 12, 2.0 / 12, -3.0 / 12, -1.0 / 3, 1.0 / 6, 1.0 / 6}, {2, 3}), 1e-15, 1e-14);
  CHECK(cross_entropy(logits.to(kFloat32), target).item() ==
        doctest::Approx((std::log(2.0) + std::log(3.0)) / 2).epsilon(1e-6));
}

TEST_CASE("cross_entropy with and without label smoothing matches PyTorch") {
  Tensor logits = fixture("logits"), target = fixture("target");
  REQUIRE(target.dtype() == kInt64);
  for (auto [eps, tag] : {std::pair<double, const char*>{0.0, "ls0"}, {0.1, "ls01"}}) {
    INFO("label_smoothing ", eps);
    Tensor x = logits.detach().clone();
    x.set_requires_grad(true);
    Tensor loss = cross_entropy(x, target, eps);
    CHECK_CLOSE(loss, fixture(std::string("loss_") + tag).reshape({}), 1e-12, 1e-12);
    loss.backward();
    CHECK_CLOSE(x.grad(), fixture(std::string("grad_") + tag), 1e-14, 1e-12);
    Tensor x32 = logits.to(kFloat32);
    x32.set_requires_grad(true);
    Tensor l32 = cross_entropy(x32, target, eps);
    CHECK_CLOSE(l32, fixture(std::string("loss_") + tag).reshape({}), 1e-5, 1e-5);
    l32.backward();
    CHECK_CLOSE(x32.grad(), fixture(std::string("grad_") + tag), 1e-6, 1e-5);
  }
}

TEST_CASE("soft_cross_entropy matches PyTorch and equals cross_entropy for one-hot targets") {
  Tensor logits = fixture("logits");
  Tensor x = logits.detach().clone();
  x.set_requires_grad(true);
  Tensor loss = soft_cross_entropy(x, fixture("probs"));
  CHECK_CLOSE(loss, fixture("loss_soft").reshape({}), 1e-12, 1e-12);
  loss.backward();
  CHECK_CLOSE(x.grad(), fixture("grad_soft"), 1e-14, 1e-12);

  Tensor target = fixture("target");
  std::vector<double> onehot(80, 0.0);
  std::vector<int64_t> t = target.to_vector<int64_t>();
  for (int n = 0; n < 8; ++n) onehot[n * 10 + t[n]] = 1.0;
  CHECK(soft_cross_entropy(logits, t64(onehot, {8, 10})).item() ==
        doctest::Approx(cross_entropy(logits, target).item()).epsilon(1e-13));
}

TEST_CASE("loss gradients (gradcheck)") {
  Tensor x = leaf64({5, 7}, 33, -3.0, 3.0);
  Tensor target = from_vector({0, 6, 3, 3, 1}, {5}, kInt64);
  for (double eps : {0.0, 0.1, 1.0}) {
    INFO("label_smoothing ", eps);
    CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], target, eps); },
                    std::vector<Tensor>{x});
  }
  Generator g(34);
  Tensor probs = softmax(uniform({5, 7}, -1.0, 1.0, kFloat64, &g), 1);
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return soft_cross_entropy(in[0], probs); },
                  std::vector<Tensor>{x});
  // Composed form: the loss through log_softmax and a product agrees with the fused op.
  Tensor composed = neg(mean(sum(mul(probs, log_softmax(x, 1)), {1})));
  CHECK_CLOSE(soft_cross_entropy(x, probs), composed, 1e-14, 1e-12);
}

TEST_CASE("loss errors name the op and the bad value") {
  Tensor logits = zeros({3, 4}, kFloat64);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector({0, 4, 1}, {3}, kInt64)),
                       doctest::Contains("cross_entropy: target 4 at index 1"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector({0, 1, -1}, {3}, kInt64)),
                       doctest::Contains("target -1"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector({0, 1}, {2}, kInt64)), doctest::Contains("cross_entropy"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector({0, 1, 2}, {3}, kFloat64)),
                       doctest::Contains("int64"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({3}, kFloat64), from_vector({0, 1, 2}, {3}, kInt64)),
                       doctest::Contains("[N, C]"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector({0, 1, 2}, {3}, kInt64), 1.5),
                       doctest::Contains("label_smoothing"), Error);
  CHECK_THROWS_WITH_AS(soft_cross_entropy(logits, zeros({3, 5}, kFloat64)), doctest::Contains("soft_cross_entropy"),
                       Error);
}
