#include "nas/evolution.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <unordered_map>

#include "nas/cost_model.h"
#include "nas/py_random.h"
#include "tensor/atomic_file.h"
#include "tensor/error.h"

namespace autost::nas {

const char* origin_name(Origin o) {
  switch (o) {
    case Origin::Random: return "random";
    case Origin::Mutation: return "mutation";
    case Origin::Crossover: return "crossover";
    case Origin::Enumeration: return "enumeration";
  }
  return "?";
}

namespace {

struct TupleHash {
  size_t operator()(const CandidateTuple& t) const {
    uint64_t h = 1469598103934665603ull;
    for (int64_t v : t) h = (h ^ static_cast<uint64_t>(v)) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

void check_options(const SearchSpace& space, const EvolutionOptions& o) {
  AUTOST_CHECK(o.population > 0 && o.select > 0 && o.mutation >= 0 && o.crossover >= 0 && o.generations >= 0,
               "search: population and select must be positive, mutation, crossover and generations non-negative");
  AUTOST_CHECK(o.param_min_m <= o.param_max_m, "search: --param-min ", o.param_min_m, " exceeds --param-max ",
               o.param_max_m);
  AUTOST_CHECK(o.m_prob >= 0 && o.m_prob <= 1 && o.s_prob >= 0 && o.s_prob <= 1,
               "search: m_prob and s_prob must be probabilities");
  AUTOST_CHECK(o.max_random_draws > 0, "search: max_random_draws must be positive");
  // Every candidate of the space must describe a buildable model for this input.
  Genome probe{space.depth[0], std::vector<int64_t>(static_cast<size_t>(space.depth[0]), space.mlp_ratio[0]),
               std::vector<int64_t>(static_cast<size_t>(space.depth[0]), space.num_heads[0]), space.embed_dim[0]};
  to_arch(probe, o.input).validate("search input");
}

// The search state and the legality test (evolution.py's is_legal).
class Evaluator {
 public:
  Evaluator(const EvolutionOptions& o, const Scorer& score) : o_(o), score_(score) {}

  bool is_legal(const CandidateTuple& cand, int64_t generation, Origin origin) {
    if (!is_well_formed(cand)) {
      ++stats.malformed;
      return false;
    }
    if (visited_.count(cand)) {
      ++stats.rejected_visited;
      return false;
    }
    Genome g = from_tuple(cand);
    const spiking::ArchConfig arch = to_arch(g, o_.input);
    // Rejected on parameters: not marked visited (it is rejected again, without scoring, if redrawn).
    const double params_m = static_cast<double>(count_parameters(arch)) / 1e6;
    if (params_m > o_.param_max_m || params_m < o_.param_min_m) {
      ++stats.rejected_params;
      return false;
    }
    Evaluated e{std::move(g), 0, params_m, syops_flops(arch) / 1e9, generation, origin,
                static_cast<int64_t>(all.size())};
    e.score = score_(arch);
    // A NaN would break the ranking's ordering; it ranks last, like -inf (a singular NASWOT kernel).
    if (std::isnan(e.score)) e.score = -std::numeric_limits<double>::infinity();
    visited_.emplace(cand, all.size());
    all.push_back(std::move(e));
    ++stats.evaluated;
    return true;
  }

  double score_of(const CandidateTuple& cand) const { return all[visited_.at(cand)].score; }

  std::vector<Evaluated> all;  // evaluation order
  SearchStats stats;

 private:
  const EvolutionOptions& o_;
  const Scorer& score_;
  std::unordered_map<CandidateTuple, size_t, TupleHash> visited_;
};

// evolution.py's stack_random_cand: candidates come in batches of `batch`, drawn before any of them
// is checked; a consumer that stops early drops the rest of the batch.
template <class Draw>
class BatchedDraws {
 public:
  BatchedDraws(Draw draw, SearchStats& stats) : draw_(std::move(draw)), stats_(stats) {}
  CandidateTuple next() {
    if (pos_ == batch_.size()) {
      batch_.clear();
      for (int i = 0; i < 10; ++i) batch_.push_back(draw_());
      stats_.draws += 10;
      pos_ = 0;
    }
    return batch_[pos_++];
  }

 private:
  Draw draw_;
  SearchStats& stats_;
  std::vector<CandidateTuple> batch_;
  size_t pos_ = 0;
};

std::vector<Evaluated> rank(std::vector<Evaluated> all) {
  // Python's sorted(..., reverse=True) is stable: equal scores keep evaluation order.
  std::stable_sort(all.begin(), all.end(), [](const Evaluated& a, const Evaluated& b) { return a.score > b.score; });
  return all;
}

}  // namespace

CandidateTuple random_candidate(const SearchSpace& space, PyRandom& rng) {
  CandidateTuple t{rng.choice(space.depth)};
  for (int64_t i = 0; i < t[0]; ++i) t.push_back(rng.choice(space.mlp_ratio));
  for (int64_t i = 0; i < t[0]; ++i) t.push_back(rng.choice(space.num_heads));
  t.push_back(rng.choice(space.embed_dim));
  return t;
}

std::vector<Genome> sample_candidates(const SearchSpace& space, int64_t n, const EvolutionOptions& o) {
  check_options(space, o);
  AUTOST_CHECK(n > 0, "sample: the number of candidates must be positive, got ", n);
  PyRandom rng(o.seed);
  std::vector<Genome> sample;
  std::set<Genome> seen;
  for (int64_t misses = 0; static_cast<int64_t>(sample.size()) < n;) {
    Genome g = from_tuple(random_candidate(space, rng));
    const double params_m = static_cast<double>(count_parameters(to_arch(g, o.input))) / 1e6;
    if (seen.count(g) || params_m < o.param_min_m || params_m > o.param_max_m) {
      AUTOST_CHECK(++misses < o.max_random_draws, "sample: found only ", sample.size(), " of ", n,
                   " distinct candidates with ", o.param_min_m, " to ", o.param_max_m, " M parameters in ",
                   o.max_random_draws, " draws in a row (the space is too small)");
      continue;
    }
    misses = 0;
    seen.insert(g);
    sample.push_back(std::move(g));
  }
  return sample;
}

SearchResult evolution_search(const SearchSpace& space, const EvolutionOptions& o, const Scorer& score) {
  check_options(space, o);
  PyRandom rng(o.seed);
  Evaluator ev(o, score);
  SearchResult result;
  std::vector<CandidateTuple> candidates, elites;
  int64_t generation = 0;

  auto random_cand = [&] { return random_candidate(space, rng); };

  // get_random: tops the population up with random legal candidates. False when it gave up.
  auto top_up = [&] {
    BatchedDraws draws(random_cand, ev.stats);
    int64_t misses = 0;
    while (static_cast<int64_t>(candidates.size()) < o.population) {
      CandidateTuple c = draws.next();
      if (!ev.is_legal(c, generation, Origin::Random)) {
        if (++misses >= o.max_random_draws) return false;
        continue;
      }
      misses = 0;
      candidates.push_back(std::move(c));
    }
    return true;
  };

  auto mutate = [&] {
    Genome g = from_tuple(rng.choice(elites));
    if (rng.random() < o.s_prob) {
      const int64_t new_depth = rng.choice(space.depth);
      if (new_depth > g.depth) {
        // evolution.py draws all the new ratios, then all the new heads.
        for (int64_t i = g.depth; i < new_depth; ++i) g.mlp_ratios.push_back(rng.choice(space.mlp_ratio));
        for (int64_t i = g.depth; i < new_depth; ++i) g.num_heads.push_back(rng.choice(space.num_heads));
      } else {
        g.mlp_ratios.resize(static_cast<size_t>(new_depth));
        g.num_heads.resize(static_cast<size_t>(new_depth));
      }
      g.depth = new_depth;
    }
    for (auto& r : g.mlp_ratios)
      if (rng.random() < o.m_prob) r = rng.choice(space.mlp_ratio);
    for (auto& h : g.num_heads)
      if (rng.random() < o.m_prob) h = rng.choice(space.num_heads);
    if (rng.random() < o.s_prob) g.embed_dim = rng.choice(space.embed_dim);
    return to_tuple(g);
  };

  auto cross = [&] {
    CandidateTuple p1 = rng.choice(elites), p2 = rng.choice(elites);
    for (int tries = 50; p1.size() != p2.size() && tries > 0; --tries) {
      p1 = rng.choice(elites);
      p2 = rng.choice(elites);
    }
    // Each gene from either parent (random.choice([i, j]) over zip(p1, p2)). Parents of different
    // depths would give zip's truncated tuple: its numbers are drawn all the same, as evolution.py
    // does, but the child is returned empty, which is_legal rejects as malformed.
    CandidateTuple child;
    for (size_t i = 0; i < std::min(p1.size(), p2.size()); ++i) child.push_back(rng.below(2) == 0 ? p1[i] : p2[i]);
    if (p1.size() != p2.size()) child.clear();
    return child;
  };

  auto breed = [&](auto draw, int64_t wanted, Origin origin) {
    std::vector<CandidateTuple> children;
    BatchedDraws draws(draw, ev.stats);
    for (int64_t iters = wanted * 10; static_cast<int64_t>(children.size()) < wanted && iters > 0; --iters) {
      CandidateTuple c = draws.next();
      if (ev.is_legal(c, generation, origin)) children.push_back(std::move(c));
    }
    return children;
  };

  bool ok = top_up();
  while (ok && generation < o.generations) {
    // update_top_k: the all-time elites among themselves and this population.
    elites.insert(elites.end(), candidates.begin(), candidates.end());
    std::stable_sort(elites.begin(), elites.end(), [&](const CandidateTuple& a, const CandidateTuple& b) {
      return ev.score_of(a) > ev.score_of(b);
    });
    if (static_cast<int64_t>(elites.size()) > o.select) elites.resize(static_cast<size_t>(o.select));
    std::vector<double> scores;
    for (const auto& e : elites) scores.push_back(ev.score_of(e));
    result.elite_scores.push_back(std::move(scores));

    ++generation;  // the children made now form generation `generation`
    std::vector<CandidateTuple> next = breed(mutate, o.mutation, Origin::Mutation);
    std::vector<CandidateTuple> crossed = breed(cross, o.crossover, Origin::Crossover);
    next.insert(next.end(), crossed.begin(), crossed.end());
    candidates = std::move(next);
    ok = top_up();
  }
  result.stats = ev.stats;
  result.stats.exhausted = !ok;
  result.ranked = rank(std::move(ev.all));
  return result;
}

SearchResult exhaustive_search(const SearchSpace& space, const EvolutionOptions& o, const Scorer& score,
                               bool heads_matter, int64_t max_candidates) {
  check_options(space, o);
  auto unique = [](std::vector<int64_t> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  const std::vector<int64_t> dims = unique(space.embed_dim), depths = unique(space.depth),
                             ratios = unique(space.mlp_ratio), heads = unique(space.num_heads);
  Evaluator ev(o, score);

  // Sequences of length L over `values`: every sequence, or only non-decreasing ones (multisets).
  auto sequences = [&](const std::vector<int64_t>& values, int64_t L, bool multisets) {
    std::vector<std::vector<int64_t>> out;
    std::vector<size_t> idx(static_cast<size_t>(L), 0);
    while (true) {
      std::vector<int64_t> s;
      for (size_t i : idx) s.push_back(values[i]);
      out.push_back(std::move(s));
      AUTOST_CHECK(static_cast<int64_t>(out.size()) <= max_candidates, "exhaustive search: more than ",
                   max_candidates, " sequences of length ", L);
      // Odometer step from the last position; multisets restart a position at its left neighbour.
      int64_t p = L - 1;
      while (p >= 0 && idx[static_cast<size_t>(p)] + 1 == values.size()) --p;
      if (p < 0) return out;
      ++idx[static_cast<size_t>(p)];
      for (auto q = static_cast<size_t>(p) + 1; q < idx.size(); ++q) idx[q] = multisets ? idx[static_cast<size_t>(p)] : 0;
    }
  };

  int64_t total = 0;
  for (int64_t D : dims)
    for (int64_t L : depths) {
      const auto ratio_seqs = sequences(ratios, L, !heads_matter);
      const auto head_seqs = heads_matter ? sequences(heads, L, false)
                                          : std::vector<std::vector<int64_t>>{std::vector<int64_t>(static_cast<size_t>(L), heads[0])};
      total += static_cast<int64_t>(ratio_seqs.size() * head_seqs.size());
      AUTOST_CHECK(total <= max_candidates, "exhaustive search: the space has more than ", max_candidates,
                   " candidates", heads_matter ? " (this proxy depends on the heads)" : "");
      for (const auto& r : ratio_seqs)
        for (const auto& h : head_seqs) {
          ++ev.stats.draws;
          ev.is_legal(to_tuple(Genome{L, r, h, D}), 0, Origin::Enumeration);
        }
    }
  SearchResult result;
  result.stats = ev.stats;
  result.ranked = rank(std::move(ev.all));
  return result;
}

std::string search_csv(const SearchResult& result) {
  std::ostringstream os;
  os << "rank,score,params_m,flops_g,depth,embed_dim,mlp_ratio,num_heads,generation,origin,order\n";
  auto joined = [](const std::vector<int64_t>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) s += ' ';
      s += std::to_string(v[i]);
    }
    return s;
  };
  for (size_t i = 0; i < result.ranked.size(); ++i) {
    const Evaluated& e = result.ranked[i];
    os << i + 1 << "," << python_float(e.score) << "," << python_float(e.params_m) << "," << python_float(e.flops_g)
       << "," << e.genome.depth << ","
       << e.genome.embed_dim << "," << joined(e.genome.mlp_ratios) << "," << joined(e.genome.num_heads) << ","
       << e.generation << "," << origin_name(e.origin) << "," << e.order << "\n";
  }
  return os.str();
}

void write_search_outputs(const SearchResult& result, const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  AUTOST_CHECK(!ec, out_dir, ": cannot create the output folder (", ec.message(), ")");
  for (size_t i = 0; i < result.ranked.size(); ++i) {
    const Evaluated& e = result.ranked[i];
    write_file_atomic(out_dir + "/config_" + std::to_string(i + 1) + ".yaml",
                      candidate_to_yaml(CandidateRecord{e.genome, e.score, e.params_m, e.flops_g}));
  }
  write_file_atomic(out_dir + "/search.csv", search_csv(result));
}

}  // namespace autost::nas
