// The evolutionary search: the official algorithm's exact candidate sequence (a Python run of
// evolution.py's logic, tests/reference/evolution_official.py), SPEC.md §3.5's optima against an
// exhaustive enumeration, determinism, legality, exhausted spaces, and the files it writes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

#include "nas/cost_model.h"
#include "nas/evolution.h"
#include "nas/proxies.h"
#include "tensor/atomic_file.h"
#include "tensor/error.h"

using namespace autost;
using namespace autost::nas;

namespace {

const std::string kSpaces = std::string(AUTOST_FIXTURES_DIR) + "/../../nas/spaces/";

SearchSpace space(const std::string& tier) { return load_search_space(kSpaces + tier + ".yaml"); }

EvolutionOptions options(uint64_t seed) {
  EvolutionOptions o;
  o.seed = seed;
  return o;
}

const Scorer kFlops = make_scorer(ProxyKind::Flops);

// (D, L, sorted ratios): what the FLOPs score and the parameter count depend on.
std::vector<int64_t> flops_key(const Genome& g) {
  std::vector<int64_t> k{g.embed_dim, g.depth};
  std::vector<int64_t> r = g.mlp_ratios;
  std::sort(r.begin(), r.end());
  k.insert(k.end(), r.begin(), r.end());
  return k;
}

std::vector<Evaluated> in_evaluation_order(std::vector<Evaluated> v) {
  std::sort(v.begin(), v.end(), [](const Evaluated& a, const Evaluated& b) { return a.order < b.order; });
  return v;
}

}  // namespace

TEST_CASE("evolution visits exactly the candidates of the official algorithm for the same seed") {
  for (auto [tier, seed] : {std::pair<std::string, uint64_t>{"small", 0}, {"tiny", 1}}) {
    INFO(tier, " seed ", seed);
    std::istringstream fixture(
        read_file(std::string(AUTOST_FIXTURES_DIR) + "/nas/evolution_official_" + tier + "_seed" + std::to_string(seed) + ".csv"));
    std::string line;
    std::getline(fixture, line);  // header
    const std::vector<Evaluated> ours = in_evaluation_order(evolution_search(space(tier), options(seed), kFlops).ranked);
    size_t i = 0;
    for (; std::getline(fixture, line); ++i) {
      std::vector<std::string> cols;
      std::stringstream ls(line);
      for (std::string c; std::getline(ls, c, ',');) cols.push_back(c);
      REQUIRE(cols.size() == 4);
      CandidateTuple expected;
      std::istringstream ts(cols[1]);
      for (int64_t v; ts >> v;) expected.push_back(v);
      REQUIRE(i < ours.size());
      INFO("evaluation ", i);
      REQUIRE(to_tuple(ours[i].genome) == expected);
      CHECK(ours[i].params_m == std::stod(cols[2]));  // the same doubles, bit for bit
      CHECK(ours[i].flops_g == std::stod(cols[3]));
    }
    CHECK(i == ours.size());
  }
}

TEST_CASE("evolution finds SPEC.md §3.5's optima, as the exhaustive enumeration confirms") {
  struct Tier {
    std::string name;
    int64_t D, L, ratio_sum;
    double score;
  };
  for (const Tier& t : {Tier{"small", 512, 3, 9, 5.3605}, Tier{"tiny", 384, 6, 20, 4.3115}, Tier{"base", 448, 4, 14, 4.8298}}) {
    INFO(t.name);
    const SearchSpace s = space(t.name);
    SearchResult all = exhaustive_search(s, options(0), kFlops, false);
    const Evaluated& best = all.ranked.front();
    CHECK(best.genome.embed_dim == t.D);
    CHECK(best.genome.depth == t.L);
    int64_t sum = 0;
    for (int64_t r : best.genome.mlp_ratios) sum += r;
    CHECK(sum == t.ratio_sum);
    CHECK(std::abs(best.score - t.score) < 5e-5);
    for (const Evaluated& e : all.ranked) CHECK((e.params_m >= 11 && e.params_m <= 12));
    if (t.name == "small") {  // runner-up 512/2/(5,5)
      CHECK(all.ranked[1].genome.depth == 2);
      CHECK(all.ranked[1].genome.mlp_ratios == std::vector<int64_t>{5, 5});
    }
    // Every candidate evolution scores is one the enumeration scored the same.
    std::map<std::vector<int64_t>, double> enumerated;
    for (const Evaluated& e : all.ranked) enumerated[flops_key(e.genome)] = e.score;
    for (uint64_t seed : {0, 1, 2}) {
      INFO("seed ", seed);
      SearchResult evo = evolution_search(s, options(seed), kFlops);
      CHECK(evo.ranked.front().score == best.score);
      for (const Evaluated& e : evo.ranked) {
        auto it = enumerated.find(flops_key(e.genome));
        REQUIRE(it != enumerated.end());
        CHECK(it->second == e.score);
      }
    }
  }
}

TEST_CASE("evolution is deterministic for a seed and follows SPEC.md §3.5's bookkeeping") {
  const SearchSpace s = space("small");
  SearchResult a = evolution_search(s, options(7), kFlops), b = evolution_search(s, options(7), kFlops);
  REQUIRE(a.ranked.size() == b.ranked.size());
  for (size_t i = 0; i < a.ranked.size(); ++i) {
    CHECK(a.ranked[i].genome == b.ranked[i].genome);
    CHECK(a.ranked[i].order == b.ranked[i].order);
  }
  SearchResult other = evolution_search(s, options(8), kFlops);
  bool differs = false;
  for (size_t i = 0; i < std::min(a.ranked.size(), other.ranked.size()); ++i)
    differs |= a.ranked[i].genome != other.ranked[i].genome;
  CHECK(differs);

  // 50 initial + 20 generations x 50, all new and within the parameter budget; 20 elite lists of 10.
  CHECK(!a.stats.exhausted);
  CHECK(a.stats.evaluated == 1050);
  CHECK(a.ranked.size() == 1050);
  std::set<CandidateTuple> seen;
  std::map<Origin, int64_t> origins;
  for (const Evaluated& e : a.ranked) {
    CHECK(seen.insert(to_tuple(e.genome)).second);
    CHECK((e.params_m >= 11 && e.params_m <= 12));
    ++origins[e.origin];
  }
  CHECK(origins[Origin::Mutation] > 0);
  CHECK(origins[Origin::Crossover] > 0);
  CHECK(origins[Origin::Random] >= 50);
  for (size_t i = 1; i < a.ranked.size(); ++i) CHECK(a.ranked[i - 1].score >= a.ranked[i].score);
  REQUIRE(a.elite_scores.size() == 20);
  for (size_t g = 0; g < a.elite_scores.size(); ++g) {
    CHECK(a.elite_scores[g].size() == 10);
    CHECK(std::is_sorted(a.elite_scores[g].rbegin(), a.elite_scores[g].rend()));
    if (g) CHECK(a.elite_scores[g][0] >= a.elite_scores[g - 1][0]);  // all-time elites
  }
  CHECK(a.stats.rejected_params > 0);
  CHECK(a.stats.draws >= a.stats.evaluated + a.stats.rejected_params + a.stats.rejected_visited + a.stats.malformed);
}

TEST_CASE("an exhausted space ends the search with every legal candidate evaluated") {
  SearchSpace demo = load_search_space(kSpaces + "cpu_demo.yaml");
  EvolutionOptions o = options(0);
  o.input = InputSpec{28, 1, 10, 4};
  o.param_min_m = 0.3;
  o.param_max_m = 0.5;
  o.max_random_draws = 20000;
  SearchResult evo = evolution_search(demo, o, kFlops);
  SearchResult all = exhaustive_search(demo, o, kFlops, /*heads_matter=*/true);
  CHECK(evo.stats.exhausted);
  CHECK(all.ranked.size() < 1050);
  std::set<CandidateTuple> evo_set, all_set;
  for (const Evaluated& e : evo.ranked) evo_set.insert(to_tuple(e.genome));
  for (const Evaluated& e : all.ranked) all_set.insert(to_tuple(e.genome));
  CHECK(evo_set == all_set);
}

TEST_CASE("exhaustive search refuses an enumeration over its limit") {
  CHECK_THROWS_WITH_AS(exhaustive_search(space("base"), options(0), kFlops, /*heads_matter=*/true),
                       doctest::Contains("more than"), Error);
}

TEST_CASE("a custom proxy: evolution ranks by it") {
  const SearchSpace s = space("tiny");
  const Scorer params = make_scorer(ProxyKind::Params);
  SearchResult all = exhaustive_search(s, options(0), params, false);
  SearchResult evo = evolution_search(s, options(3), params);
  for (const Evaluated& e : evo.ranked) CHECK(e.score == e.params_m);
  // Near the top of the enumeration: within its best 10 %.
  const Evaluated& best = evo.ranked.front();
  const size_t better = static_cast<size_t>(std::count_if(all.ranked.begin(), all.ranked.end(),
                                                          [&](const Evaluated& e) { return e.score > best.score; }));
  MESSAGE("evolution's best maximising parameters ranks ", better + 1, " of ", all.ranked.size());
  CHECK(better < all.ranked.size() / 10);
}

TEST_CASE("a NaN score ranks last, as -inf") {
  const Scorer nan_for_256 = [](const spiking::ArchConfig& a) {
    return a.embed_dim == 256 ? std::numeric_limits<double>::quiet_NaN() : syops_flops(a);
  };
  SearchResult r = exhaustive_search(space("small"), options(0), nan_for_256, false);
  bool seen_nan = false;
  for (const Evaluated& e : r.ranked) {
    if (e.genome.embed_dim == 256) {
      seen_nan = true;
      CHECK((std::isinf(e.score) && e.score < 0));
    } else {
      CHECK(!seen_nan);  // every finite score comes first
    }
  }
  CHECK(seen_nan);
}

TEST_CASE("search options are checked") {
  EvolutionOptions o = options(0);
  o.param_min_m = 13;
  CHECK_THROWS_WITH_AS(evolution_search(space("tiny"), o, kFlops), doctest::Contains("exceeds --param-max"), Error);
  o = options(0);
  o.input.img_size = 30;  // not divisible by the stem's 4
  CHECK_THROWS_WITH_AS(evolution_search(space("tiny"), o, kFlops), doctest::Contains("search input"), Error);
}

TEST_CASE("write_search_outputs: config_<rank>.yaml per candidate and search.csv") {
  EvolutionOptions o = options(0);
  o.generations = 2;
  SearchResult r = evolution_search(space("small"), o, kFlops);
  const auto dir = std::filesystem::temp_directory_path() / ("autost_nas_out_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  write_search_outputs(r, (dir / "run").string());
  size_t configs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "run"))
    configs += entry.path().filename().string().rfind("config_", 0) == 0;
  CHECK(configs == r.ranked.size());
  CandidateRecord first = parse_candidate_yaml(read_file((dir / "run" / "config_1.yaml").string()), "config_1.yaml");
  CHECK(first.genome == r.ranked.front().genome);
  CHECK(first.indicator == r.ranked.front().score);
  CHECK(first.flops_g == r.ranked.front().flops_g);
  CandidateRecord last = parse_candidate_yaml(
      read_file((dir / "run" / ("config_" + std::to_string(r.ranked.size()) + ".yaml")).string()), "last");
  CHECK(last.genome == r.ranked.back().genome);
  std::istringstream csv(read_file((dir / "run" / "search.csv").string()));
  std::string header, row;
  std::getline(csv, header);
  CHECK(header == "rank,score,params_m,flops_g,depth,embed_dim,mlp_ratio,num_heads,generation,origin,order");
  size_t rows = 0;
  while (std::getline(csv, row)) ++rows;
  CHECK(rows == r.ranked.size());
  std::filesystem::remove_all(dir);
  CHECK_THROWS_WITH_AS(write_search_outputs(r, "/proc/autost_no_such_dir"), doctest::Contains("/proc/autost_no_such_dir"),
                       Error);
}
