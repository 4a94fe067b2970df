#pragma once
// The architecture description every model, cost count and search candidate shares, and its YAML
// form: the official AutoST `RETRAIN` block (DEPTH, EMBED_DIM, MLP_RATIO list, NUM_HEADS list, as
// evolution.py writes config_N.yaml) plus two optional keys of ours beside them, MODEL (autost |
// spikformer, default autost) and VARIANT (cifar | dvs | imagenet, default cifar). The input
// (image size, channels, classes, T) is not part of an official file; it comes from the command
// line or the recipe, with the search code's defaults.
#include <cstdint>
#include <string>
#include <vector>

namespace autost::spiking {

enum class ModelKind { AutoST, Spikformer };
enum class Variant { Cifar, Dvs, ImageNet };

const char* model_kind_name(ModelKind k);  // "autost", "spikformer"
const char* variant_name(Variant v);       // "cifar", "dvs", "imagenet"

struct ArchConfig {
  ModelKind model = ModelKind::AutoST;
  Variant variant = Variant::Cifar;
  int64_t depth = 4;
  int64_t embed_dim = 384;
  std::vector<double> mlp_ratios{4, 4, 4, 4};  // one per block
  std::vector<int64_t> num_heads{12, 12, 12, 12};
  // The input, defaulting to the AutoST search's: 32x32x3, 100 classes, T = 4.
  int64_t img_size = 32;
  int64_t in_channels = 3;
  int64_t num_classes = 100;
  int64_t T = 4;

  // Hidden width of block l's MLP: int(D * r_l), truncated like Python's int().
  int64_t hidden(int64_t l) const;
  // Pooling stages of the SPS stem: 2 for cifar (after conv2 and conv3), 4 for dvs and imagenet.
  int64_t pool_stages() const { return variant == Variant::Cifar ? 2 : 4; }
  int64_t token_side() const;  // spatial side after the stem
  int64_t tokens() const { return token_side() * token_side(); }

  // Throws autost::Error "<where>: <key> ..." for an impossible architecture: non-positive values,
  // list lengths different from the depth, D not divisible by 8 or by a head count, an image side
  // that the stem's pools do not divide, AutoST with a dvs/imagenet variant.
  void validate(const std::string& where = "architecture") const;
};

// The shape (a tensor Shape) of a batch of `batch` model inputs: dvs clips are [batch, T, C, H, W]
// event frames, every other variant takes [batch, C, H, W] images (the model repeats them T times).
std::vector<int64_t> input_shape(const ArchConfig& arch, int64_t batch);

// Reads a RETRAIN-format YAML file (MODEL/VARIANT optional; INDICATOR, PARAMETER, FLOPS and other
// top-level keys are ignored). Input fields keep their defaults. Errors name the file and key.
ArchConfig load_arch_yaml(const std::string& path);
// Parses the same from YAML text; `where` names the source in errors.
ArchConfig parse_arch_yaml(const std::string& text, const std::string& where);
// The RETRAIN block (+ MODEL, VARIANT), readable by the official training code.
std::string arch_to_yaml(const ArchConfig& arch);

// Named presets: "spikformer-4-384" (cifar, 12 heads), "spikformer-4-256", "spikformer-2-384",
// "spikformer-dvs-2-256" (16 heads, 128x128x2, T 16, 10 classes), "spikformer-8-512" (imagenet,
// 224x224, 1000 classes), "autost-4-384" (ratios 4, heads 12); an unknown name lists the known ones.
ArchConfig arch_preset(const std::string& name);
std::vector<std::string> arch_preset_names();

}  // namespace autost::spiking
