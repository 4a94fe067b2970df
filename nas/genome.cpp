#include "nas/genome.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <sstream>

#include "spiking/yaml_fields.h"
#include "tensor/error.h"

namespace autost::nas {

CandidateTuple to_tuple(const Genome& g) {
  CandidateTuple t{g.depth};
  t.insert(t.end(), g.mlp_ratios.begin(), g.mlp_ratios.end());
  t.insert(t.end(), g.num_heads.begin(), g.num_heads.end());
  t.push_back(g.embed_dim);
  return t;
}

bool is_well_formed(const CandidateTuple& t) {
  return !t.empty() && t[0] >= 1 && static_cast<int64_t>(t.size()) == 2 * t[0] + 2;
}

std::string tuple_string(const CandidateTuple& t) {
  std::string s = "(";
  for (size_t i = 0; i < t.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(t[i]);
  }
  return s + (t.size() == 1 ? ",)" : ")");
}

Genome from_tuple(const CandidateTuple& t) {
  AUTOST_CHECK(is_well_formed(t), "candidate ", tuple_string(t),
               " is malformed: expected (L, r_1..r_L, h_1..h_L, D) of length 2L + 2");
  const auto L = static_cast<size_t>(t[0]);
  Genome g;
  g.depth = t[0];
  g.mlp_ratios.assign(t.begin() + 1, t.begin() + 1 + static_cast<std::ptrdiff_t>(L));
  g.num_heads.assign(t.begin() + 1 + static_cast<std::ptrdiff_t>(L), t.end() - 1);
  g.embed_dim = t.back();
  return g;
}

spiking::ArchConfig to_arch(const Genome& g, const InputSpec& input) {
  spiking::ArchConfig a;
  a.model = spiking::ModelKind::AutoST;
  a.variant = spiking::Variant::Cifar;
  a.depth = g.depth;
  a.embed_dim = g.embed_dim;
  a.mlp_ratios.assign(g.mlp_ratios.begin(), g.mlp_ratios.end());
  a.num_heads = g.num_heads;
  a.img_size = input.img_size;
  a.in_channels = input.in_channels;
  a.num_classes = input.num_classes;
  a.T = input.T;
  return a;
}

Genome from_arch(const spiking::ArchConfig& a) {
  AUTOST_CHECK(a.model == spiking::ModelKind::AutoST && a.variant == spiking::Variant::Cifar,
               "genome: only AutoST (cifar) architectures are search candidates, got ",
               spiking::model_kind_name(a.model), "/", spiking::variant_name(a.variant));
  Genome g;
  g.depth = a.depth;
  g.embed_dim = a.embed_dim;
  g.num_heads = a.num_heads;
  for (double r : a.mlp_ratios) {
    AUTOST_CHECK(r == std::floor(r) && r > 0, "genome: MLP ratio ", r, " is not a positive integer");
    g.mlp_ratios.push_back(static_cast<int64_t>(r));
  }
  return g;
}

std::string python_float(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  // The shortest digits that round-trip (what Python's repr picks), then Python's layout: positional
  // for decimal exponents -4..15, otherwise d.ddde±XX; PyYAML adds ".0" to a bare mantissa.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  const size_t e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  const int exponent = std::stoi(sci.substr(e_pos + 1));
  const bool negative = mantissa[0] == '-';
  std::string digits;
  for (char c : mantissa)
    if (c >= '0' && c <= '9') digits += c;
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else {
      const auto int_len = static_cast<size_t>(exponent) + 1;
      if (digits.size() <= int_len) out += digits + std::string(int_len - digits.size(), '0') + ".0";
      else out += digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
    return out;
  }
  out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0");
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exp_buf;
}

std::string candidate_to_yaml(const CandidateRecord& c) {
  std::ostringstream os;
  os << "FLOPS: " << python_float(c.flops_g) << "\nINDICATOR: " << python_float(c.indicator)
     << "\nPARAMETER: " << python_float(c.params_m) << "\nRETRAIN:\n  DEPTH: " << c.genome.depth
     << "\n  EMBED_DIM: " << c.genome.embed_dim << "\n  MLP_RATIO:\n";
  for (int64_t r : c.genome.mlp_ratios) os << "  - " << r << "\n";
  os << "  NUM_HEADS:\n";
  for (int64_t h : c.genome.num_heads) os << "  - " << h << "\n";
  return os.str();
}

CandidateRecord parse_candidate_yaml(const std::string& text, const std::string& where) {
  CandidateRecord c;
  c.genome = from_arch(spiking::parse_arch_yaml(text, where));
  YAML::Node root = load_yaml(text, where);  // valid: parse_arch_yaml accepted it
  auto number = [&](const char* key) {
    YAML::Node n = root[key];
    AUTOST_CHECK(n.IsDefined() && n.IsScalar(), where, ": missing key ", key);
    return yaml_number(n, where, key);
  };
  c.indicator = number("INDICATOR");
  c.params_m = number("PARAMETER");
  c.flops_g = number("FLOPS");
  return c;
}

}  // namespace autost::nas
