#pragma once
// A search candidate in its three forms: the Genome (depth, per-layer MLP ratios and heads, embedding
// dimension), the official flat tuple (L, r_1..r_L, h_1..h_L, D) that evolution.py mutates and keys
// its visited set on (SPEC.md §3.2), and the AutoST ArchConfig it describes. Plus the official
// config_N.yaml the search writes per candidate (RETRAIN + INDICATOR, PARAMETER, FLOPS).
#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "spiking/arch.h"

namespace autost::nas {

struct Genome {
  int64_t depth = 0;
  std::vector<int64_t> mlp_ratios;  // one per layer
  std::vector<int64_t> num_heads;   // one per layer
  int64_t embed_dim = 0;
  auto operator<=>(const Genome&) const = default;
};

using CandidateTuple = std::vector<int64_t>;

CandidateTuple to_tuple(const Genome& g);
// The tuple must have length 2L + 2 with L = tuple[0] >= 1; otherwise an error naming the tuple.
Genome from_tuple(const CandidateTuple& t);
bool is_well_formed(const CandidateTuple& t);
// Python's tuple repr, as evolution.py prints candidates: "(3, 3, 3, 3, 4, 8, 4, 512)".
std::string tuple_string(const CandidateTuple& t);

// The input a search builds its candidates for: AutoST's 32x32x3, 100 classes, T = 4 by default.
struct InputSpec {
  int64_t img_size = 32;
  int64_t in_channels = 3;
  int64_t num_classes = 100;
  int64_t T = 4;
};

// The AutoST (cifar variant) architecture; lists must have `depth` entries (checked by validate()).
spiking::ArchConfig to_arch(const Genome& g, const InputSpec& input = {});
// The inverse, for AutoST cifar architectures with integer MLP ratios; otherwise an error.
Genome from_arch(const spiking::ArchConfig& arch);

// One evaluated candidate as evolution.py saves it.
struct CandidateRecord {
  Genome genome;
  double indicator = 0;  // the proxy score
  double params_m = 0;   // parameters / 1e6
  double flops_g = 0;    // syops ops[0] / 1e9
};

// The bytes PyYAML's yaml.dump writes for evolution.py's dict: keys sorted, block lists, floats in
// Python's repr.
std::string candidate_to_yaml(const CandidateRecord& c);
// Reads a config_N.yaml (RETRAIN and the three numbers); errors name `where` and the key.
CandidateRecord parse_candidate_yaml(const std::string& text, const std::string& where);

// Python's repr of a float as PyYAML writes it ("5.360503171125", "12.0", "1.0e-05").
std::string python_float(double v);

}  // namespace autost::nas
