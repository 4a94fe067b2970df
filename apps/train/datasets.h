#pragma once
// The datasets a recipe can name, what the model needs to know about each (input shape, classes,
// normalisation), and the recipe's train and evaluation pipelines over them (SPEC.md §4).
#include <memory>
#include <string>
#include <vector>

#include "apps/train/recipe.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "data/sample_source.h"

namespace autost::apps::train {

struct DatasetInfo {
  std::string name;
  int64_t channels = 0, img_size = 0, num_classes = 0;
  bool clips = false;  // event frames [T, c, H, W] (DVS), not still images
  std::vector<double> mean, std;  // empty for clips (no normalisation)
  std::string default_root;       // "" when the data has no standard place
  bool resized = false;           // the pipelines crop and resize decoded images (any img_size works)
};

std::vector<std::string> dataset_names();
// An unknown name is an error listing the known ones.
const DatasetInfo& dataset_info(const std::string& name);
// The same for a name the user gave `what` (a command, a recipe key): the error starts "what: ".
const DatasetInfo& known_dataset(const std::string& what, const std::string& name);

// The datasets a reader loads whole into memory (fashion-mnist, mnist, cifar10, cifar100), and
// that load: one split of `name` under `root`. strict asks for CIFAR's official record counts (the
// MNIST readers always check theirs); an unknown or lazily read dataset is an error.
bool loads_in_memory(const std::string& name);
data::Dataset load_in_memory(const std::string& name, const std::string& root, data::Split split, bool strict);

// The model's input side: the recipe's img_size, or the dataset's when it is 0.
int64_t input_size(const Recipe& r);

// One split of the recipe's (resolved) dataset, cut to train_subset / test_subset when set. The
// in-memory readers load it whole; CIFAR10-DVS (T frames split by number, Spikformer's per-class
// 900/100 split, frames cached under cache_dir or the root) and ImageNet folders read lazily.
std::shared_ptr<const data::SampleSource> open_split(const Recipe& r, data::Split split);

// Training: [RandomResizedCrop (ImageNet) | random crop] [flip] [RandAugment | SNNAugmentWide],
// batch mixup/cutmix with smoothing when mixup or cutmix is on, then normalise and random erasing.
// Evaluation: ImageNet resizes the shorter side to img_size and centre-crops it (crop_pct 1), then
// normalise (the CIFAR resize and centre crop at crop_pct 1 are identities). Clips are not normalised.
data::Pipeline train_pipeline(const Recipe& r);
data::Pipeline eval_pipeline(const Recipe& r);
// Whether training uses soft targets (a batch transform) or hard labels with smoothing.
bool uses_mixing(const Recipe& r);

}  // namespace autost::apps::train
