// The analytic cost model against the real models (spiking/model.h): parameter counts of built
// models for random genomes of every tier, and the op counts a forward hook records while the
// model runs (syops' rules per module type) against the analytic per-layer breakdown.
#include <doctest/doctest.h>

#include <map>

#include "nas/cost_model.h"
#include "nas/genome.h"
#include "nas/instrument.h"
#include "nas/py_random.h"
#include "nas/search_space.h"
#include "spiking/model.h"
#include "tensor/random.h"

using namespace autost;
using namespace autost::nas;
using spiking::ArchConfig;
using spiking::ModelKind;
using spiking::Variant;

namespace {

const std::string kSpaces = std::string(AUTOST_FIXTURES_DIR) + "/../../nas/spaces/";

Genome random_genome(const SearchSpace& s, PyRandom& rng, int64_t dim_divisor) {
  Genome g;
  g.depth = rng.choice(s.depth);
  for (int64_t i = 0; i < g.depth; ++i) g.mlp_ratios.push_back(rng.choice(s.mlp_ratio));
  for (int64_t i = 0; i < g.depth; ++i) g.num_heads.push_back(rng.choice(s.num_heads));
  g.embed_dim = rng.choice(s.embed_dim) / dim_divisor;
  return g;
}

// The analytic per-layer counts of the modules syops hooks, by name.
std::map<std::string, int64_t> analytic_module_ops(const ArchConfig& a, int64_t batch) {
  std::map<std::string, int64_t> ops;
  for (const LayerCost& l : layer_costs(a, batch))
    if (l.syops) ops[l.name] += l.ops;
  return ops;
}

Tensor input_for(const ArchConfig& a, int64_t batch, uint64_t seed) {
  Generator g(seed);
  if (a.variant == Variant::Dvs)  // event counts per frame
    return uniform({batch, a.T, a.in_channels, a.img_size, a.img_size}, 0.0, 3.0, kFloat32, &g);
  return uniform({batch, a.in_channels, a.img_size, a.img_size}, -1.0, 1.0, kFloat32, &g);
}

// Draws depth, D, then each block's ratio and heads (that order, so a seed gives the same models)
// into base.
ArchConfig random_blocks(PyRandom& rng, ArchConfig base, const std::vector<int64_t>& depths,
                         const std::vector<int64_t>& dims, const std::vector<double>& ratios,
                         const std::vector<int64_t>& heads) {
  base.depth = rng.choice(depths);
  base.embed_dim = rng.choice(dims);
  base.mlp_ratios.clear();
  base.num_heads.clear();
  for (int64_t l = 0; l < base.depth; ++l) {
    base.mlp_ratios.push_back(rng.choice(ratios));
    base.num_heads.push_back(rng.choice(heads));
  }
  return base;
}

}  // namespace

TEST_CASE("built models have exactly the analytic parameter count: random genomes of every tier") {
  // Building initialises every weight (about 70 ns a parameter on this CPU), so the random genomes
  // keep each tier's depths, per-layer ratios and heads but take D / 8 (every tier's D / 8 is still
  // divisible by 8 and by the heads); one full-size candidate follows.
  PyRandom rng(5);
  for (const std::string tier : {"tiny", "small", "base"}) {
    const SearchSpace s = load_search_space(kSpaces + tier + ".yaml");
    for (int i = 0; i < 50; ++i) {
      const Genome g = random_genome(s, rng, 8);
      const ArchConfig a = to_arch(g);
      INFO(tier, " ", tuple_string(to_tuple(g)));
      CHECK(spiking::build_model(a)->num_parameters() == count_parameters(a));
    }
  }
  // Full size: the small tier's optimum.
  const ArchConfig best = to_arch(Genome{3, {3, 3, 3}, {4, 8, 4}, 512});
  CHECK(spiking::build_model(best)->num_parameters() == count_parameters(best));
}

TEST_CASE("built Spikformer models of every variant have the analytic parameter count") {
  PyRandom rng(6);
  const std::vector<int64_t> dims{32, 64, 96}, heads{2, 4, 8}, depths{1, 2, 3};
  const std::vector<double> ratios{1, 2, 3.5, 4};
  for (Variant v : {Variant::Cifar, Variant::Dvs, Variant::ImageNet})
    for (int i = 0; i < 10; ++i) {
      ArchConfig base = spiking::arch_preset("spikformer-4-384");
      base.variant = v;
      ArchConfig a = random_blocks(rng, base, depths, dims, ratios, heads);
      a.img_size = v == Variant::Cifar ? 32 : 64;
      a.in_channels = v == Variant::Dvs ? 2 : 3;
      a.num_classes = 10;
      INFO(spiking::variant_name(v), " D ", a.embed_dim, " L ", a.depth);
      CHECK(spiking::build_model(a)->num_parameters() == count_parameters(a));
    }
}

TEST_CASE("op counts recorded during a real forward equal the analytic per-layer counts") {
  PyRandom rng(7);
  const std::vector<int64_t> dims{16, 32}, heads{2, 4, 8}, depths{1, 2};
  const std::vector<double> ratios{1, 2.5, 4};
  int runs = 0;
  for (ModelKind m : {ModelKind::AutoST, ModelKind::Spikformer})
    for (Variant v : {Variant::Cifar, Variant::Dvs, Variant::ImageNet}) {
      if (m == ModelKind::AutoST && v != Variant::Cifar) continue;
      for (int i = 0; i < 4; ++i) {
        ArchConfig base;
        base.model = m;
        base.variant = v;
        ArchConfig a = random_blocks(rng, base, depths, dims, ratios, heads);
        a.img_size = v == Variant::Cifar ? (i % 2 ? 12 : 8) : 32;
        a.in_channels = v == Variant::Dvs ? 2 : (i % 2 ? 1 : 3);
        a.num_classes = 5;
        a.T = 2 + i % 2;
        const int64_t batch = 1 + i % 3;
        Generator gen(static_cast<uint64_t>(i));
        auto model = spiking::build_model(a, &gen);
        if (i % 2) model->eval();
        INFO(spiking::model_kind_name(m), " ", spiking::variant_name(v), " D ", a.embed_dim, " L ", a.depth, " img ",
             a.img_size, " T ", a.T, " batch ", batch);
        const ForwardRecord r = instrumented_forward(*model, input_for(a, batch, 100 + static_cast<uint64_t>(i)));
        CHECK(r.ops == analytic_module_ops(a, batch));
        // Every layer the energy estimate needs has a measured rate.
        CHECK_NOTHROW(estimate_energy(a, r.input_rates, false, batch));
        ++runs;
      }
    }
  CHECK(runs == 16);
}

TEST_CASE("instrumented_forward's rates are the model's own") {
  ArchConfig a = to_arch(Genome{2, {3, 4}, {4, 8}, 32}, InputSpec{16, 3, 10, 4});
  Generator gen(1);
  auto model = spiking::build_model(a, &gen);
  const ForwardRecord r = instrumented_forward(*model, input_for(a, 3, 2));
  // The same layers and rates (the model lists them in registration order, the record in call order).
  const auto own_list = model->firing_rates();
  std::map<std::string, double> own(own_list.begin(), own_list.end()), out(r.firing_rates.begin(), r.firing_rates.end());
  REQUIRE(own.size() == out.size());
  for (const auto& [name, rate] : own) CHECK(out.at(name) == doctest::Approx(rate));
  // A layer fed by a neuron sees that neuron's rate; a matmul takes its operand's.
  CHECK(r.input_rates.at("block.0.attn.q_linear") == doctest::Approx(out.at("block.0.attn.lif")));
  CHECK(r.input_rates.at("block.1.mlp.fc2_linear") == doctest::Approx(out.at("block.1.mlp.fc2_lif")));
  CHECK(r.input_rates.at("block.1.attn.av_matmul") == out.at("block.1.attn.v_lif"));
  for (const auto& [name, rate] : r.firing_rates) CHECK((rate >= 0 && rate <= 1));
}
