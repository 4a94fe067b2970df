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
};

std::vector<std::string> dataset_names();
// An unknown name is an error listing the known ones.
const DatasetInfo& dataset_info(const std::string& name);

// One split of the recipe's (resolved) dataset, cut to train_subset / test_subset when set.
std::shared_ptr<const data::SampleSource> open_split(const Recipe& r, data::Split split);

// Training: [random crop] [flip] [RandAugment | SNNAugmentWide], batch mixup/cutmix with smoothing
// when mixup or cutmix is on, then normalise and random erasing. Evaluation: normalise only (the
// CIFAR resize and centre crop at crop_pct 1 are identities). Clips are not normalised.
data::Pipeline train_pipeline(const Recipe& r);
data::Pipeline eval_pipeline(const Recipe& r);
// Whether training uses soft targets (a batch transform) or hard labels with smoothing.
bool uses_mixing(const Recipe& r);

}  // namespace autost::apps::train
