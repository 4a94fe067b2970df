#pragma once
// An AutoST search space: the official YAML (experiments/search_space/Spikformer_space_*.yaml),
// read as it is:
//   SEARCH_SPACE: {MLP_RATIO: [...], NUM_HEADS: [...], DEPTH: [...], EMBED_DIM: [...]}
// Each list holds the choices drawn uniformly per layer (ratios, heads) or per candidate (depth,
// dimension). Repeated values are kept, as Python's random.choice would weight them.
#include <cstdint>
#include <string>
#include <vector>

namespace autost::nas {

struct SearchSpace {
  std::vector<int64_t> mlp_ratio;
  std::vector<int64_t> num_heads;
  std::vector<int64_t> depth;
  std::vector<int64_t> embed_dim;
};

// Every key present, every list non-empty with positive integers, every EMBED_DIM divisible by 8 and
// by every NUM_HEADS value; otherwise one autost::Error line naming `where` and the key.
SearchSpace parse_search_space(const std::string& text, const std::string& where);
SearchSpace load_search_space(const std::string& path);

}  // namespace autost::nas
