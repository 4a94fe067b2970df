#include "nas/search_space.h"

#include <yaml-cpp/yaml.h>

#include <cmath>

#include "tensor/atomic_file.h"
#include "spiking/yaml_fields.h"
#include "tensor/error.h"

namespace autost::nas {
namespace {

std::vector<int64_t> read_list(const YAML::Node& block, const char* key, const std::string& where) {
  const std::string name = std::string("SEARCH_SPACE.") + key;
  YAML::Node n = block[key];
  AUTOST_CHECK(n.IsDefined() && !n.IsNull(), where, ": missing key ", name);
  AUTOST_CHECK(n.IsSequence(), where, ": ", name, " must be a list");
  AUTOST_CHECK(n.size() > 0, where, ": ", name, " is an empty list");
  std::vector<int64_t> out;
  for (size_t i = 0; i < n.size(); ++i) {
    const YAML::Node& item = n[i];
    double v = NAN;
    if (item.IsScalar()) {
      try {
        v = item.as<double>();
      } catch (const YAML::Exception&) {
      }
    }
    AUTOST_CHECK(std::isfinite(v) && v == std::floor(v) && v > 0 && v < 1e9, where, ": ", name, "[", i,
                 "] must be a positive integer, got '", item.IsScalar() ? item.Scalar() : "a non-scalar", "'");
    out.push_back(static_cast<int64_t>(v));
  }
  return out;
}

}  // namespace

SearchSpace parse_search_space(const std::string& text, const std::string& where) {
  YAML::Node root = load_yaml(text, where);
  AUTOST_CHECK(root.IsMap() && root["SEARCH_SPACE"].IsDefined(), where, ": missing key SEARCH_SPACE");
  YAML::Node block = root["SEARCH_SPACE"];
  AUTOST_CHECK(block.IsMap(), where, ": SEARCH_SPACE must be a mapping of MLP_RATIO, NUM_HEADS, DEPTH, EMBED_DIM");
  SearchSpace s;
  s.mlp_ratio = read_list(block, "MLP_RATIO", where);
  s.num_heads = read_list(block, "NUM_HEADS", where);
  s.depth = read_list(block, "DEPTH", where);
  s.embed_dim = read_list(block, "EMBED_DIM", where);
  for (int64_t d : s.embed_dim) {
    AUTOST_CHECK(d % 8 == 0, where, ": SEARCH_SPACE.EMBED_DIM ", d,
                 " is not divisible by 8 (the stem's widths are D/8, D/4, D/2)");
    for (int64_t h : s.num_heads)
      AUTOST_CHECK(d % h == 0, where, ": SEARCH_SPACE.EMBED_DIM ", d, " is not divisible by NUM_HEADS value ", h);
  }
  return s;
}

SearchSpace load_search_space(const std::string& path) { return parse_search_space(read_file(path), path); }

}  // namespace autost::nas
