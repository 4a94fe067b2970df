#include "spiking/arch.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <sstream>

#include "tensor/atomic_file.h"
#include "spiking/yaml_fields.h"
#include "tensor/error.h"

namespace autost::spiking {

const char* model_kind_name(ModelKind k) { return k == ModelKind::AutoST ? "autost" : "spikformer"; }

const char* variant_name(Variant v) {
  switch (v) {
    case Variant::Cifar: return "cifar";
    case Variant::Dvs: return "dvs";
    case Variant::ImageNet: return "imagenet";
  }
  return "?";
}

std::vector<int64_t> input_shape(const ArchConfig& a, int64_t batch) {
  if (a.variant == Variant::Dvs) return {batch, a.T, a.in_channels, a.img_size, a.img_size};
  return {batch, a.in_channels, a.img_size, a.img_size};
}

int64_t ArchConfig::hidden(int64_t l) const {
  // int(D * r) in Python truncates toward zero; D and r are positive here.
  return static_cast<int64_t>(static_cast<double>(embed_dim) * mlp_ratios.at(static_cast<size_t>(l)));
}

int64_t ArchConfig::token_side() const {
  int64_t side = img_size;
  // Each 3x3 / stride 2 / pad 1 max-pool maps s to floor((s - 1) / 2) + 1.
  for (int64_t i = 0; i < pool_stages(); ++i) side = (side - 1) / 2 + 1;
  return side;
}

void ArchConfig::validate(const std::string& where) const {
  AUTOST_CHECK(depth > 0, where, ": DEPTH must be positive, got ", depth);
  AUTOST_CHECK(embed_dim > 0, where, ": EMBED_DIM must be positive, got ", embed_dim);
  AUTOST_CHECK(embed_dim % 8 == 0, where, ": EMBED_DIM ", embed_dim,
               " is not divisible by 8 (the stem's widths are D/8, D/4, D/2)");
  AUTOST_CHECK(static_cast<int64_t>(mlp_ratios.size()) == depth, where, ": MLP_RATIO has ", mlp_ratios.size(),
               " entries but DEPTH is ", depth);
  AUTOST_CHECK(static_cast<int64_t>(num_heads.size()) == depth, where, ": NUM_HEADS has ", num_heads.size(),
               " entries but DEPTH is ", depth);
  // Sizes are int64 everywhere downstream (counts, shapes, offsets); these bounds keep every product of
  // them far from overflow, and no real model comes near them.
  constexpr double kMaxSize = double(int64_t{1} << 31), kMaxCount = double(int64_t{1} << 50);
  for (int64_t v : {depth, embed_dim, img_size, in_channels, num_classes, T})
    AUTOST_CHECK(static_cast<double>(v) < kMaxSize, where, ": size ", v, " is too large (limit 2^31)");
  for (size_t l = 0; l < mlp_ratios.size(); ++l) {
    AUTOST_CHECK(std::isfinite(mlp_ratios[l]) && mlp_ratios[l] > 0, where, ": MLP_RATIO[", l,
                 "] must be positive, got ", mlp_ratios[l]);
    AUTOST_CHECK(mlp_ratios[l] * static_cast<double>(embed_dim) < kMaxSize, where, ": MLP_RATIO[", l, "] = ",
                 mlp_ratios[l], " makes the MLP wider than 2^31 for EMBED_DIM ", embed_dim);
    AUTOST_CHECK(hidden(static_cast<int64_t>(l)) > 0, where, ": MLP_RATIO[", l, "] = ", mlp_ratios[l],
                 " gives an empty MLP for EMBED_DIM ", embed_dim);
  }
  for (size_t l = 0; l < num_heads.size(); ++l) {
    AUTOST_CHECK(num_heads[l] > 0, where, ": NUM_HEADS[", l, "] must be positive, got ", num_heads[l]);
    AUTOST_CHECK(embed_dim % num_heads[l] == 0, where, ": EMBED_DIM ", embed_dim, " is not divisible by NUM_HEADS[",
                 l, "] = ", num_heads[l]);
  }
  AUTOST_CHECK(img_size > 0 && in_channels > 0 && num_classes > 0 && T > 0, where,
               ": image size, input channels, classes and T must be positive (got ", img_size, ", ", in_channels,
               ", ", num_classes, ", ", T, ")");
  double weights = 0;
  for (int64_t l = 0; l < depth; ++l) weights += 4.0 * embed_dim * embed_dim + 2.0 * embed_dim * hidden(l);
  AUTOST_CHECK(weights < kMaxCount, where, ": the blocks would hold ", weights, " weights (limit 2^50)");
  const double activations = static_cast<double>(T) * img_size * img_size * embed_dim;
  AUTOST_CHECK(activations < kMaxCount, where, ": T x image side^2 x EMBED_DIM = ", activations,
               " is too large (limit 2^50)");
  AUTOST_CHECK(model == ModelKind::Spikformer || variant == Variant::Cifar, where,
               ": the AutoST model exists only in the cifar variant (VARIANT ", variant_name(variant), ")");
  // The official stems reshape with H // 4 (cifar) or H // 16 (dvs, imagenet); sides that the pools
  // do not halve exactly would make those reshapes fail, so they are refused up front.
  const int64_t factor = int64_t{1} << pool_stages();
  AUTOST_CHECK(img_size % factor == 0, where, ": image size ", img_size, " is not divisible by ", factor,
               " (the ", variant_name(variant), " stem halves it ", pool_stages(), " times)");
}

namespace {

int64_t as_int(const YAML::Node& n, const std::string& where, const std::string& key) {
  AUTOST_CHECK(n.IsScalar(), where, ": ", key, " must be an integer");
  double v = 0;
  try {
    v = n.as<double>();
  } catch (const YAML::Exception&) {
    AUTOST_FAIL(where, ": ", key, " must be an integer, got '", n.Scalar(), "'");
  }
  AUTOST_CHECK(std::isfinite(v) && v == std::floor(v) && std::abs(v) < 1e15, where, ": ", key,
               " must be an integer, got '", n.Scalar(), "'");
  return static_cast<int64_t>(v);
}

YAML::Node required(const YAML::Node& parent, const char* key, const std::string& where) {
  YAML::Node n = parent[key];
  AUTOST_CHECK(n.IsDefined() && !n.IsNull(), where, ": missing key RETRAIN.", key);
  return n;
}

}  // namespace

ArchConfig parse_arch_yaml(const std::string& text, const std::string& where) {
  YAML::Node root = load_yaml(text, where);
  AUTOST_CHECK(root.IsMap(), where, ": expected a mapping with a RETRAIN block");
  YAML::Node r = root["RETRAIN"];
  AUTOST_CHECK(r.IsDefined() && r.IsMap(), where, ": missing key RETRAIN (a mapping with DEPTH, EMBED_DIM, ",
               "MLP_RATIO, NUM_HEADS)");
  ArchConfig a;
  a.depth = as_int(required(r, "DEPTH", where), where, "RETRAIN.DEPTH");
  a.embed_dim = as_int(required(r, "EMBED_DIM", where), where, "RETRAIN.EMBED_DIM");
  YAML::Node ratios = required(r, "MLP_RATIO", where), heads = required(r, "NUM_HEADS", where);
  AUTOST_CHECK(ratios.IsSequence(), where, ": RETRAIN.MLP_RATIO must be a list");
  AUTOST_CHECK(heads.IsSequence(), where, ": RETRAIN.NUM_HEADS must be a list");
  a.mlp_ratios.clear();
  a.num_heads.clear();
  for (size_t i = 0; i < ratios.size(); ++i)
    a.mlp_ratios.push_back(yaml_number(ratios[i], where, "RETRAIN.MLP_RATIO[" + std::to_string(i) + "]"));
  for (size_t i = 0; i < heads.size(); ++i)
    a.num_heads.push_back(as_int(heads[i], where, "RETRAIN.NUM_HEADS[" + std::to_string(i) + "]"));
  // Our two optional keys may sit inside RETRAIN or beside it.
  auto optional_key = [&](const char* key) -> std::string {
    YAML::Node n = r[key].IsDefined() ? r[key] : root[key];
    if (!n.IsDefined() || n.IsNull()) return "";
    AUTOST_CHECK(n.IsScalar(), where, ": ", key, " must be a string");
    return n.Scalar();
  };
  const std::string model = optional_key("MODEL"), variant = optional_key("VARIANT");
  if (model == "spikformer") a.model = ModelKind::Spikformer;
  else AUTOST_CHECK(model.empty() || model == "autost", where, ": MODEL must be autost or spikformer, got '", model, "'");
  if (variant == "dvs") a.variant = Variant::Dvs;
  else if (variant == "imagenet") a.variant = Variant::ImageNet;
  else AUTOST_CHECK(variant.empty() || variant == "cifar", where,
                    ": VARIANT must be cifar, dvs or imagenet, got '", variant, "'");
  if (a.variant == Variant::Dvs) {
    a.img_size = 128;
    a.in_channels = 2;
    a.num_classes = 10;
    a.T = 16;
  } else if (a.variant == Variant::ImageNet) {
    a.img_size = 224;
    a.num_classes = 1000;
  }
  a.validate(where);
  return a;
}

ArchConfig load_arch_yaml(const std::string& path) { return parse_arch_yaml(read_file(path), path); }

std::string arch_to_yaml(const ArchConfig& a) {
  std::ostringstream os;
  os << "RETRAIN:\n  DEPTH: " << a.depth << "\n  EMBED_DIM: " << a.embed_dim << "\n  MLP_RATIO:\n";
  for (double r : a.mlp_ratios) {
    if (r == std::floor(r)) os << "  - " << static_cast<int64_t>(r) << "\n";
    else os << "  - " << r << "\n";
  }
  os << "  NUM_HEADS:\n";
  for (int64_t h : a.num_heads) os << "  - " << h << "\n";
  os << "MODEL: " << model_kind_name(a.model) << "\nVARIANT: " << variant_name(a.variant) << "\n";
  return os.str();
}

namespace {
ArchConfig uniform(ModelKind m, Variant v, int64_t depth, int64_t dim, int64_t heads, double ratio, int64_t img,
                   int64_t in_ch, int64_t classes, int64_t T) {
  ArchConfig a;
  a.model = m;
  a.variant = v;
  a.depth = depth;
  a.embed_dim = dim;
  a.mlp_ratios.assign(static_cast<size_t>(depth), ratio);
  a.num_heads.assign(static_cast<size_t>(depth), heads);
  a.img_size = img;
  a.in_channels = in_ch;
  a.num_classes = classes;
  a.T = T;
  return a;
}
}  // namespace

std::vector<std::string> arch_preset_names() {
  return {"spikformer-4-384", "spikformer-4-256", "spikformer-2-384", "spikformer-dvs-2-256",
          "spikformer-8-512", "autost-4-384"};
}

ArchConfig arch_preset(const std::string& name) {
  using M = ModelKind;
  using V = Variant;
  if (name == "spikformer-4-384") return uniform(M::Spikformer, V::Cifar, 4, 384, 12, 4, 32, 3, 10, 4);
  // 256 is not divisible by 12; 16 heads keep the head width of 16.
  if (name == "spikformer-4-256") return uniform(M::Spikformer, V::Cifar, 4, 256, 16, 4, 32, 3, 10, 4);
  if (name == "spikformer-2-384") return uniform(M::Spikformer, V::Cifar, 2, 384, 12, 4, 32, 3, 10, 4);
  if (name == "spikformer-dvs-2-256") return uniform(M::Spikformer, V::Dvs, 2, 256, 16, 4, 128, 2, 10, 16);
  if (name == "spikformer-8-512") return uniform(M::Spikformer, V::ImageNet, 8, 512, 8, 4, 224, 3, 1000, 4);
  if (name == "autost-4-384") return uniform(M::AutoST, V::Cifar, 4, 384, 12, 4, 32, 3, 100, 4);
  std::string known;
  for (const auto& n : arch_preset_names()) known += (known.empty() ? "" : ", ") + n;
  AUTOST_FAIL("unknown architecture preset '", name, "' (known: ", known, ")");
}

}  // namespace autost::spiking
