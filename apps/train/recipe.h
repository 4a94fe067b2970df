#pragma once
// A training recipe: our flat YAML of timm-style keys (SPEC.md §4), read with every key validated.
// An unknown key, a value of the wrong type or an impossible value is one autost::Error naming the
// file (or "--set") and the key. `--set key=value` overrides use the same typed setters; the value
// is read as YAML, so lists work too ("--set mean=[0.5]").
//
// The architecture is `arch`: a preset name (spiking::arch_preset_names()) or a RETRAIN YAML file,
// a relative path being resolved against the recipe's folder (for --set: the working directory
// first, then the recipe's folder). A resolved recipe (config.yaml of a run) also carries the
// architecture itself under `architecture` (the RETRAIN block), which then wins over `arch`, so a
// run folder stays self-contained when the arch file moves. The model's input (image size,
// channels, classes) comes from the dataset, T from the recipe.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spiking/arch.h"

namespace autost::apps::train {

struct Recipe {
  std::string arch;     // preset name or arch YAML path (absolute once resolved)
  std::string dataset;  // fashion-mnist | mnist | cifar10 | cifar100 | cifar10-dvs | imagenet
  std::string root;     // dataset folder ("" = the dataset's default location, where it has one);
                        // relative: like arch (absolute once resolved)
  int64_t epochs = 300;          // cosine length (t_initial)
  int64_t cooldown_epochs = 0;   // run at min_lr after `epochs`
  int64_t warmup_epochs = 0;
  double warmup_lr = 1e-5;
  double lr = 5e-4;
  double min_lr = 1e-5;
  double weight_decay = 0.06;  // none on 1-D parameters and biases (timm)
  std::string opt = "adamw";   // adamw | sgd
  double momentum = 0.9;       // sgd only
  int64_t batch_size = 128;
  int64_t val_batch_size = 128;
  int64_t T = 4;               // time steps (DVS: frames per clip)
  int64_t img_size = 0;        // model input side; 0 = the dataset's. Only ImageNet's pipeline resizes,
                               // so only it takes another size (quick runs and tests at a small one)
  int64_t seed = 42;
  int64_t workers = 4;         // loader threads (0: batches built on the training thread)
  double clip_grad = 0;        // max gradient norm, 0 = no clipping
  double smoothing = 0.1;
  double mixup = 0;            // mixup alpha (0 = off)
  double cutmix = 0;           // cutmix alpha (0 = off)
  double mixup_prob = 1.0;
  double mixup_switch_prob = 0.5;
  int64_t mixup_off_epoch = 0;  // mixing stops from this epoch on (0 = never)
  std::string aa = "none";      // timm rand-augment string, "snn-augment-wide" (DVS) or none
  std::string aa_ops = "spikformer";  // RandAugment op list: spikformer (the five-op CIFAR set) | timm
  double reprob = 0;            // random erasing probability (const fill)
  bool hflip = true;
  int64_t crop_padding = 0;     // RandomCrop(size, padding) when > 0
  std::vector<double> mean;     // normalisation; empty = the dataset's
  std::vector<double> std;
  int64_t train_subset = 0;     // use only the first N samples (0 = all)
  int64_t test_subset = 0;
  bool strict_data = true;      // the full dataset: ImageNet's 1000 classes, CIFAR10-DVS's 10 x 1000
                                // recordings, CIFAR's official record counts; false accepts a cut-down
                                // copy (classes numbered by the folders present)
  std::string cache_dir;        // CIFAR10-DVS frame cache folder ("" = the root); relative: like root
  int64_t eval_every = 1;       // epochs between evaluations (the last epoch always evaluates)
  int64_t checkpoint_every = 0;  // optimizer steps between mid-epoch checkpoints (0 = epoch ends only)
  int64_t threads = 0;          // OpenMP threads (0 = all cores)

  // Not keys: the embedded architecture of a resolved recipe, and where the recipe came from.
  std::optional<spiking::ArchConfig> architecture;
  std::string source;  // file name for messages
  std::string folder;  // where relative paths resolve
};

// The key names in file order (what recipe_to_yaml writes).
std::vector<std::string> recipe_keys();

Recipe parse_recipe(const std::string& text, const std::string& where, const std::string& folder);
Recipe load_recipe(const std::string& path);
// "key=value"; the value is YAML (a scalar or a flow list).
void apply_override(Recipe& r, const std::string& assignment);

// Checks values and fills the dataset-dependent defaults (root, mean, std) and the architecture
// (arch file read, or preset), with `arch` made absolute. Errors name r.source and the key.
Recipe resolve_recipe(Recipe r);
// The architecture with the dataset's input, T and classes (r must be resolved).
spiking::ArchConfig recipe_arch(const Recipe& r);

// Every key, one per line, then the `architecture` block: parse_recipe reads it back to an equal recipe.
std::string recipe_to_yaml(const Recipe& r);

}  // namespace autost::apps::train
