// Training-free proxies: NASWOT's kernel against a naive Hamming computation, log|det|, SynFlow and
// SNIP against their definitions, determinism for a seed, and a search scored by a proxy that runs
// the model.
#include <doctest/doctest.h>

#include <cmath>

#include "autograd/ops.h"
#include "nas/cost_model.h"
#include "nas/evolution.h"
#include "nas/genome.h"
#include "nas/proxies.h"
#include "nas/search_space.h"
#include "spiking/model.h"
#include "spiking/neuron.h"
#include "tensor/error.h"
#include "tensor/random.h"

using namespace autost;
using namespace autost::nas;
using spiking::ArchConfig;

namespace {

ArchConfig tiny_arch() { return to_arch(Genome{2, {2, 3}, {2, 4}, 16}, InputSpec{8, 3, 5, 2}); }

Tensor images(int64_t B, uint64_t seed, int64_t side = 8) {
  Generator g(seed);
  return normal({B, 3, side, side}, 0.0, 1.0, kFloat32, &g);
}

}  // namespace

TEST_CASE("log_abs_det") {
  CHECK(log_abs_det({1, 0, 0, 1}, 2) == 0.0);
  CHECK(log_abs_det({2, 0, 0, 0, 3, 0, 0, 0, 4}, 3) == doctest::Approx(std::log(24.0)));
  CHECK(log_abs_det({2, 1, 0, 1, 3, 1, 0, 1, 4}, 3) == doctest::Approx(std::log(18.0)));
  CHECK(log_abs_det({0, 1, 1, 0}, 2) == doctest::Approx(0.0));  // det -1: needs a pivot swap
  CHECK(log_abs_det({0, 5, 3, 0}, 2) == doctest::Approx(std::log(15.0)));
  const double singular = log_abs_det({1, 2, 2, 4}, 2);
  CHECK((std::isinf(singular) && singular < 0));
  CHECK(log_abs_det({}, 0) == 0.0);
  CHECK_THROWS_AS(log_abs_det({1, 2, 3}, 2), Error);
}

TEST_CASE("naswot_kernel counts matching spike codes over every neuron layer and step") {
  const ArchConfig a = tiny_arch();
  Generator gen(4);
  auto model = spiking::build_model(a, &gen);
  model->train();
  const int64_t B = 3;
  const Tensor x = images(B, 9);
  // Naive reference: every image's full code (all neuron outputs, all steps), then N_A - Hamming.
  std::vector<std::vector<float>> codes(B);
  {
    nn::ForwardHookGuard hook([&](const nn::Module& m, const Tensor&, const Tensor& y) {
      if (!dynamic_cast<const spiking::SpikingNode*>(&m)) return;
      const std::vector<float> v = y.to_vector<float>();
      const size_t per_step = v.size() / static_cast<size_t>(a.T), U = per_step / B;
      for (size_t t = 0; t < static_cast<size_t>(a.T); ++t)
        for (size_t i = 0; i < static_cast<size_t>(B); ++i)
          codes[i].insert(codes[i].end(), v.begin() + static_cast<std::ptrdiff_t>(t * per_step + i * U),
                          v.begin() + static_cast<std::ptrdiff_t>(t * per_step + (i + 1) * U));
    });
    (*model)(x);
  }
  const NaswotKernel k = naswot_kernel(*model, x);  // training mode: batch statistics, same spikes
  REQUIRE(k.batch == B);
  CHECK(k.units == static_cast<int64_t>(codes[0].size()));
  for (int64_t i = 0; i < B; ++i)
    for (int64_t j = 0; j < B; ++j) {
      double matches = 0;
      for (size_t u = 0; u < codes[0].size(); ++u) matches += codes[static_cast<size_t>(i)][u] == codes[static_cast<size_t>(j)][u];
      CHECK(k.K[static_cast<size_t>(i * B + j)] == matches);
    }
}

TEST_CASE("naswot_proxy: deterministic, and -inf when every image gives the same code") {
  const ArchConfig a = tiny_arch();
  const Tensor x = images(4, 1);
  const double s = naswot_proxy(a, x, 0);
  CHECK(std::isfinite(s));
  CHECK(naswot_proxy(a, x, 0) == s);
  CHECK(naswot_proxy(a, x, 1) != s);
  const Tensor same = images(1, 1).expand({4, 3, 8, 8}).contiguous();
  const double degenerate = naswot_proxy(a, same, 0);
  CHECK((std::isinf(degenerate) && degenerate < 0));
}

TEST_CASE("synflow_proxy: sum |theta * dR/dtheta| with absolute weights, data-free") {
  const ArchConfig a = tiny_arch();
  const double s = synflow_proxy(a, 0);
  CHECK(std::isfinite(s));
  CHECK(s > 0);
  CHECK(synflow_proxy(a, 0) == s);
  CHECK(synflow_proxy(a, 1) != s);
  // The definition spelled out: float64 model, |theta|, eval mode, R = sum(logits(ones)).
  Generator gen(0);
  auto model = spiking::build_model(a, &gen, kFloat64);
  model->eval();
  {
    NoGradGuard no_grad;
    for (const auto& [n, p] : model->named_parameters()) p.detach().copy_(abs(p.detach()));
  }
  sum((*model)(ones({1, 3, 8, 8}, kFloat64))).backward();
  double expected = 0;
  for (const auto& [n, p] : model->named_parameters()) {
    if (!p.grad().defined()) continue;
    const std::vector<double> w = p.to_vector<double>(), g = p.grad().to_vector<double>();
    for (size_t i = 0; i < w.size(); ++i) expected += std::abs(w[i] * g[i]);
  }
  CHECK(s == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("snip_proxy: sum |theta * dL/dtheta| of the batch's cross-entropy") {
  const ArchConfig a = tiny_arch();
  const Tensor x = images(4, 2);
  const Tensor y = from_vector(std::vector<double>{0, 3, 1, 4}, {4}, kInt64);
  const double s = snip_proxy(a, x, y, 0);
  CHECK(s > 0);
  CHECK(snip_proxy(a, x, y, 0) == s);
  Generator gen(0);
  auto model = spiking::build_model(a, &gen);
  model->train();
  cross_entropy((*model)(x), y).backward();
  double expected = 0;
  for (const auto& [n, p] : model->named_parameters()) {
    if (!p.grad().defined()) continue;
    const std::vector<double> w = p.to_vector<double>(), g = p.grad().to_vector<double>();
    for (size_t i = 0; i < w.size(); ++i) expected += std::abs(w[i] * g[i]);
  }
  CHECK(s == doctest::Approx(expected).epsilon(1e-5));
  CHECK_THROWS_WITH_AS(snip_proxy(a, x, Tensor(), 0), doctest::Contains("one label per image"), Error);
}

TEST_CASE("flops with lambda adds lambda / NASWOT; scorers check their inputs") {
  const ArchConfig a = tiny_arch();
  ProxyOptions o;
  o.lambda = 2.5;
  o.batch = images(4, 1);
  CHECK(flops_proxy(a, o) == syops_flops(a) / 1e9 + 2.5 / naswot_proxy(a, o.batch, 0));
  CHECK(make_scorer(ProxyKind::Flops, o)(a) == flops_proxy(a, o));
  CHECK_THROWS_WITH_AS(make_scorer(ProxyKind::Naswot), doctest::Contains("naswot needs a data batch"), Error);
  ProxyOptions lambda_only;
  lambda_only.lambda = 1;
  CHECK_THROWS_WITH_AS(make_scorer(ProxyKind::Flops, lambda_only), doctest::Contains("needs a data batch"), Error);
  CHECK(make_scorer(ProxyKind::Synflow)(a) == synflow_proxy(a, 0));
  CHECK(parse_proxy("snip") == ProxyKind::Snip);
  CHECK(proxy_uses_model(ProxyKind::Naswot));
  CHECK(!proxy_uses_model(ProxyKind::Flops));
}

TEST_CASE("flops with lambda != 0 runs the model, so it uses the model and needs a batch") {
  ProxyOptions with_lambda;
  with_lambda.lambda = 0.5;
  CHECK(proxy_uses_model(ProxyKind::Flops, with_lambda));
  CHECK(proxy_needs_batch(ProxyKind::Flops, with_lambda));
  CHECK(!proxy_uses_model(ProxyKind::Flops, ProxyOptions{}));
  CHECK(!proxy_needs_batch(ProxyKind::Flops, ProxyOptions{}));
  // lambda only matters to FLOPs.
  CHECK(!proxy_uses_model(ProxyKind::Params, with_lambda));
  CHECK(!proxy_needs_batch(ProxyKind::Params, with_lambda));
  CHECK(!proxy_needs_batch(ProxyKind::Synflow));
  CHECK(proxy_uses_model(ProxyKind::Synflow));
  CHECK(proxy_needs_batch(ProxyKind::Naswot));
  CHECK(proxy_needs_batch(ProxyKind::Snip));
  CHECK(proxy_uses_model(ProxyKind::Snip));

  // With lambda != 0 the score depends on the order of the heads and MLP ratios (FLOPs alone do not):
  // exhaustive search has to enumerate the orders.
  const ArchConfig a = tiny_arch();
  const ArchConfig swapped = to_arch(Genome{2, {3, 2}, {4, 2}, 16}, InputSpec{8, 3, 5, 2});
  CHECK(syops_flops(a) == syops_flops(swapped));
  with_lambda.batch = images(4, 1);
  CHECK(flops_proxy(a, with_lambda) != flops_proxy(swapped, with_lambda));
}

TEST_CASE("an evolutionary search scored by NASWOT is deterministic") {
  const SearchSpace s = parse_search_space(
      "SEARCH_SPACE:\n  MLP_RATIO: [1, 2]\n  NUM_HEADS: [2, 4]\n  DEPTH: [1, 2]\n  EMBED_DIM: [16, 32]\n", "mini");
  EvolutionOptions o;
  o.population = 4;
  o.select = 2;
  o.mutation = 2;
  o.crossover = 2;
  o.generations = 1;
  o.param_min_m = 0;
  o.param_max_m = 1;
  o.input = InputSpec{8, 3, 5, 2};
  ProxyOptions p;
  p.batch = images(4, 3);
  const Scorer naswot = make_scorer(ProxyKind::Naswot, p);
  SearchResult a = evolution_search(s, o, naswot), b = evolution_search(s, o, naswot);
  REQUIRE(a.ranked.size() == b.ranked.size());
  CHECK(a.ranked.size() >= 4);
  for (size_t i = 0; i < a.ranked.size(); ++i) {
    CHECK(a.ranked[i].genome == b.ranked[i].genome);
    CHECK(a.ranked[i].score == b.ranked[i].score);
    CHECK(a.ranked[i].score == naswot_proxy(to_arch(a.ranked[i].genome, o.input), p.batch, 0));
  }
}
