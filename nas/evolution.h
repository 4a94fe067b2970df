#pragma once
// AutoST's evolutionary search (evolution.py's EvolutionSearcher, SPEC.md §3.5) and an exhaustive
// enumeration to check it against.
//
// Evolution follows the official code step for step, including where it consumes random numbers
// (candidates are drawn in batches of 10 and the unused rest of a batch is dropped), using CPython's
// MT19937 stream (nas/py_random.h) seeded like random.seed(seed): with the same score function it
// visits the same candidates in the same order. Two departures, both where the official code would
// misbehave: a crossover child of parents with different depths (zip truncation) is skipped rather
// than evaluated, and a random top-up that finds no new legal candidate in max_random_draws draws
// ends the search (the official loop would spin forever on an exhausted space).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nas/genome.h"
#include "nas/py_random.h"
#include "nas/search_space.h"

namespace autost::nas {

struct EvolutionOptions {
  int64_t population = 50;
  int64_t select = 10;  // all-time elites kept
  int64_t mutation = 25;
  int64_t crossover = 25;
  double m_prob = 0.2;  // per-layer ratio / heads resampling
  double s_prob = 0.4;  // depth and embedding-dimension resampling
  int64_t generations = 20;
  double param_min_m = 11;  // legal: param_min_m <= params / 1e6 <= param_max_m
  double param_max_m = 12;
  uint64_t seed = 0;
  InputSpec input;  // what candidates are built for (parameter count and FLOPs)
  int64_t max_random_draws = 200000;
};

// The proxy: higher is better. Called once per legal, new candidate; NaN counts as -inf.
using Scorer = std::function<double(const spiking::ArchConfig&)>;

enum class Origin { Random, Mutation, Crossover, Enumeration };
const char* origin_name(Origin o);

struct Evaluated {
  Genome genome;
  double score = 0;
  double params_m = 0;
  double flops_g = 0;         // syops ops[0] / 1e9 for the search's input
  int64_t generation = 0;     // 0: the initial population; g: made during generation g
  Origin origin = Origin::Random;
  int64_t order = 0;          // position in evaluation order
};

struct SearchStats {
  int64_t draws = 0;             // candidate tuples generated
  int64_t evaluated = 0;         // legal candidates scored
  int64_t rejected_visited = 0;
  int64_t rejected_params = 0;
  int64_t malformed = 0;         // crossover children of unequal-depth parents
  bool exhausted = false;        // a random top-up gave up (see max_random_draws)
};

struct SearchResult {
  std::vector<Evaluated> ranked;  // every evaluated candidate, best first (ties in evaluation order)
  SearchStats stats;
  // The elites' scores at the start of each generation (evolution.py's top_accuracies).
  std::vector<std::vector<double>> elite_scores;
};

SearchResult evolution_search(const SearchSpace& space, const EvolutionOptions& options, const Scorer& score);

// Every legal (D, L, MLP ratios) of the space. With heads_matter false the proxy ignores the heads
// and the ratios' order (FLOPs and parameters depend only on their multiset), so one candidate per
// (D, L, ratio multiset) is scored, with every layer's heads set to the space's first NUM_HEADS
// value; otherwise every tuple is enumerated, which must stay under max_candidates.
SearchResult exhaustive_search(const SearchSpace& space, const EvolutionOptions& options, const Scorer& score,
                               bool heads_matter, int64_t max_candidates = 2000000);

// evolution.py's random candidate: the depth, then each layer's MLP ratio, then each layer's heads,
// then the embedding dimension, each a random.choice of the space's list.
CandidateTuple random_candidate(const SearchSpace& space, PyRandom& rng);

// n distinct random candidates (drawn as above from random.seed(options.seed)) whose parameters lie
// in [param_min_m, param_max_m] M for options.input, in draw order: the correlation study's sample.
// An error when max_random_draws draws in a row find no new one (the space is too small).
std::vector<Genome> sample_candidates(const SearchSpace& space, int64_t n, const EvolutionOptions& options);

// OUT/config_<rank>.yaml (official format, rank from 1) for every ranked candidate and OUT/search.csv,
// each written atomically; the folder is created if needed.
void write_search_outputs(const SearchResult& result, const std::string& out_dir);
std::string search_csv(const SearchResult& result);

}  // namespace autost::nas
