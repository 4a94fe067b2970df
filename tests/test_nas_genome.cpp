// Search spaces (the official YAML files and malformed ones), genomes in their three forms, the
// official config_N.yaml, and the CPython-compatible random stream the search draws from.
#include <doctest/doctest.h>

#include <string>

#include "nas/cost_model.h"
#include "nas/genome.h"
#include "nas/py_random.h"
#include "nas/search_space.h"
#include "tensor/error.h"

using namespace autost;
using namespace autost::nas;

namespace {
const std::string kSpaces = std::string(AUTOST_FIXTURES_DIR) + "/../../nas/spaces/";

std::string space_text(const std::string& ratios, const std::string& heads, const std::string& depth,
                       const std::string& dims) {
  return "SEARCH_SPACE:\n  MLP_RATIO: " + ratios + "\n  NUM_HEADS: " + heads + "\n  DEPTH: " + depth +
         "\n  EMBED_DIM: " + dims + "\n";
}
}  // namespace

TEST_CASE("the shipped search spaces hold SPEC.md §3.1's tiers") {
  SearchSpace tiny = load_search_space(kSpaces + "tiny.yaml");
  CHECK(tiny.mlp_ratio == std::vector<int64_t>{3, 4, 5});
  CHECK(tiny.num_heads == std::vector<int64_t>{4, 8});
  CHECK(tiny.depth == std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(tiny.embed_dim == std::vector<int64_t>{192, 256, 320, 384});
  SearchSpace small = load_search_space(kSpaces + "small.yaml");
  CHECK(small.depth == std::vector<int64_t>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  CHECK(small.embed_dim == std::vector<int64_t>{256, 320, 384, 448, 512});
  SearchSpace base = load_search_space(kSpaces + "base.yaml");
  CHECK(base.mlp_ratio == std::vector<int64_t>{3, 4, 5, 6});
  CHECK(base.depth.front() == 4);
  CHECK(base.depth.back() == 15);
  CHECK(base.embed_dim == std::vector<int64_t>{384, 448, 512, 576, 640, 704, 768});
  SearchSpace demo = load_search_space(kSpaces + "cpu_demo.yaml");
  CHECK(demo.embed_dim == std::vector<int64_t>{32, 48, 64, 96, 128});
  // The demo space's comment: about 0.02-0.85 M parameters on Fashion-MNIST.
  InputSpec fmnist{28, 1, 10, 4};
  auto params = [&](int64_t L, int64_t r, int64_t D) {
    Genome g{L, std::vector<int64_t>(static_cast<size_t>(L), r), std::vector<int64_t>(static_cast<size_t>(L), 2), D};
    return static_cast<double>(count_parameters(to_arch(g, fmnist))) / 1e6;
  };
  CHECK(params(1, 2, 32) == doctest::Approx(0.02).epsilon(0.2));
  CHECK(params(3, 4, 128) == doctest::Approx(0.85).epsilon(0.05));
}

TEST_CASE("malformed search spaces are one-line errors naming the file and key") {
  const std::string ok = "[3, 4]", heads = "[4, 8]", depth = "[1, 2]", dims = "[64, 128]";
  CHECK_NOTHROW(parse_search_space(space_text(ok, heads, depth, dims), "s.yaml"));
  struct Case {
    std::string text, expect;
  };
  const Case cases[] = {
      {"OTHER: 1\n", "s.yaml: missing key SEARCH_SPACE"},
      {"SEARCH_SPACE: [1, 2]\n", "s.yaml: SEARCH_SPACE must be a mapping"},
      {"SEARCH_SPACE:\n  NUM_HEADS: [4]\n  DEPTH: [1]\n  EMBED_DIM: [64]\n", "s.yaml: missing key SEARCH_SPACE.MLP_RATIO"},
      {"SEARCH_SPACE:\n  MLP_RATIO: [4]\n  NUM_HEADS: [4]\n  DEPTH: [1]\n", "s.yaml: missing key SEARCH_SPACE.EMBED_DIM"},
      {space_text("[]", heads, depth, dims), "s.yaml: SEARCH_SPACE.MLP_RATIO is an empty list"},
      {space_text(ok, heads, "3", dims), "s.yaml: SEARCH_SPACE.DEPTH must be a list"},
      {space_text(ok, "[4, 0]", depth, dims), "s.yaml: SEARCH_SPACE.NUM_HEADS[1] must be a positive integer, got '0'"},
      {space_text(ok, heads, "[-1]", dims), "s.yaml: SEARCH_SPACE.DEPTH[0] must be a positive integer, got '-1'"},
      {space_text("[3.5]", heads, depth, dims), "s.yaml: SEARCH_SPACE.MLP_RATIO[0] must be a positive integer, got '3.5'"},
      {space_text(ok, heads, depth, "[64, abc]"), "SEARCH_SPACE.EMBED_DIM[1] must be a positive integer, got 'abc'"},
      {space_text(ok, heads, "[[1]]", dims), "SEARCH_SPACE.DEPTH[0] must be a positive integer"},
      {space_text(ok, heads, depth, "[100]"), "s.yaml: SEARCH_SPACE.EMBED_DIM 100 is not divisible by 8"},
      {space_text(ok, "[4, 16]", depth, "[64, 264]"), "s.yaml: SEARCH_SPACE.EMBED_DIM 264 is not divisible by NUM_HEADS value 16"},
      {"SEARCH_SPACE: {MLP_RATIO: [3\n", "s.yaml: not valid YAML"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK_THROWS_WITH_AS(parse_search_space(c.text, "s.yaml"), doctest::Contains(c.expect.c_str()), Error);
  }
  CHECK_THROWS_WITH_AS(load_search_space("/nonexistent/space.yaml"), doctest::Contains("/nonexistent/space.yaml"), Error);
}

TEST_CASE("genome <-> official tuple <-> ArchConfig round trips") {
  Genome g{3, {3, 4, 5}, {4, 8, 4}, 512};
  CandidateTuple t = to_tuple(g);
  CHECK(t == CandidateTuple{3, 3, 4, 5, 4, 8, 4, 512});
  CHECK(tuple_string(t) == "(3, 3, 4, 5, 4, 8, 4, 512)");
  CHECK(from_tuple(t) == g);
  spiking::ArchConfig a = to_arch(g, InputSpec{28, 1, 10, 2});
  CHECK(a.model == spiking::ModelKind::AutoST);
  CHECK(a.mlp_ratios == std::vector<double>{3, 4, 5});
  CHECK(a.num_heads == std::vector<int64_t>{4, 8, 4});
  CHECK(a.img_size == 28);
  CHECK(a.in_channels == 1);
  CHECK(a.num_classes == 10);
  CHECK(a.T == 2);
  CHECK(from_arch(a) == g);
  // Through the RETRAIN YAML the official training code reads.
  CHECK(from_arch(spiking::parse_arch_yaml(spiking::arch_to_yaml(a), "x")) == g);

  for (const CandidateTuple& bad : {CandidateTuple{}, CandidateTuple{0, 384}, CandidateTuple{2, 3, 4, 8, 384},
                                    CandidateTuple{1, 3, 4, 384, 7}}) {
    CHECK(!is_well_formed(bad));
    CHECK_THROWS_WITH_AS(from_tuple(bad), doctest::Contains("is malformed"), Error);
  }
  spiking::ArchConfig fractional = a;
  fractional.mlp_ratios[1] = 4.5;
  CHECK_THROWS_WITH_AS(from_arch(fractional), doctest::Contains("4.5"), Error);
  CHECK_THROWS_WITH_AS(from_arch(spiking::arch_preset("spikformer-4-384")), doctest::Contains("spikformer"), Error);
}

TEST_CASE("config_N.yaml: PyYAML's bytes, read back") {
  // What yaml.dump writes for evolution.py's dict (checked against PyYAML 6).
  CandidateRecord c{Genome{3, {3, 3, 3}, {4, 8, 4}, 512}, 5.360503171125, 11.865, 5.360503171125};
  const std::string expected =
      "FLOPS: 5.360503171125\nINDICATOR: 5.360503171125\nPARAMETER: 11.865\nRETRAIN:\n  DEPTH: 3\n"
      "  EMBED_DIM: 512\n  MLP_RATIO:\n  - 3\n  - 3\n  - 3\n  NUM_HEADS:\n  - 4\n  - 8\n  - 4\n";
  CHECK(candidate_to_yaml(c) == expected);
  CandidateRecord back = parse_candidate_yaml(expected, "config_1.yaml");
  CHECK(back.genome == c.genome);
  CHECK(back.indicator == c.indicator);
  CHECK(back.params_m == c.params_m);
  CHECK(back.flops_g == c.flops_g);
  CHECK_THROWS_WITH_AS(parse_candidate_yaml("RETRAIN: {DEPTH: 1, EMBED_DIM: 64, MLP_RATIO: [4], NUM_HEADS: [4]}\n",
                                            "config_2.yaml"),
                       doctest::Contains("config_2.yaml: missing key INDICATOR"), Error);
}

TEST_CASE("python_float writes Python's repr as PyYAML does") {
  // Python: repr(x) for each; PyYAML adds ".0" to a bare mantissa before the exponent.
  CHECK(python_float(12.0) == "12.0");
  CHECK(python_float(0.1) == "0.1");
  CHECK(python_float(1e-05) == "1.0e-05");
  CHECK(python_float(0.0001) == "0.0001");
  CHECK(python_float(0.00123) == "0.00123");
  CHECK(python_float(1e16) == "1.0e+16");
  CHECK(python_float(1e15) == "1000000000000000.0");
  CHECK(python_float(123456789012345678.0) == "1.2345678901234568e+17");
  CHECK(python_float(-2.5) == "-2.5");
  CHECK(python_float(0.0) == "0.0");
  CHECK(python_float(11.107892) == "11.107892");
}

TEST_CASE("PyRandom reproduces CPython's random module") {
  // Values printed by CPython 3: random.seed(0); random.random() x2; random.choice([1, 2, 3]) x5;
  // random.choice([7]); then random.seed(2**40 + 5); random.random().
  PyRandom r(0);
  CHECK(r.random() == 0.8444218515250481);
  CHECK(r.random() == 0.7579544029403025);
  const std::vector<int> three{1, 2, 3};
  std::vector<int> picks;
  for (int i = 0; i < 5; ++i) picks.push_back(r.choice(three));
  CHECK(picks == std::vector<int>{2, 1, 2, 3, 2});
  CHECK(r.choice(std::vector<int>{7}) == 7);
  PyRandom big((uint64_t{1} << 40) + 5);
  CHECK(big.random() == 0.5043802970418443);
  // below(n) is uniform over [0, n).
  PyRandom u(3);
  std::vector<int> counts(5, 0);
  for (int i = 0; i < 50000; ++i) ++counts[u.below(5)];
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
  CHECK_THROWS_AS(u.choice(std::vector<int>{}), Error);
}
