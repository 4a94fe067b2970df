#pragma once
// SampleSources over the readers that keep only an index in memory: CIFAR10-DVS clips (frames from
// the on-disk frame cache, built on first use) and ImageNet-style folders (decoded when read). Both
// readers are const and thread-safe, so the loader's workers share one.
#include <cstdint>
#include <memory>
#include <vector>

#include "data/cifar10dvs.h"
#include "data/image_folder.h"
#include "data/sample_source.h"

namespace autost::data {

// The recordings at `indices` (one split, e.g. Cifar10Dvs::spikformer_split().train), in that
// order, each read as a clip of event counts [T, 2, 128, 128] (Image::frames = T).
class Cifar10DvsSource : public SampleSource {
 public:
  Cifar10DvsSource(std::shared_ptr<const Cifar10Dvs> dataset, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  int64_t label(int64_t i) const override;
  int64_t num_classes() const override { return static_cast<int64_t>(dataset_->class_names().size()); }
  Image read(int64_t i) const override;

 private:
  int64_t at(int64_t i) const;
  std::shared_ptr<const Cifar10Dvs> dataset_;
  std::vector<int64_t> indices_;
};

// Every image of the folder, pixel-valued RGB [3, H, W] at the file's own size.
class ImageFolderSource : public SampleSource {
 public:
  explicit ImageFolderSource(std::shared_ptr<const ImageFolder> folder);
  int64_t size() const override { return folder_->size(); }
  int64_t label(int64_t i) const override;
  int64_t num_classes() const override { return folder_->num_classes(); }
  Image read(int64_t i) const override;

 private:
  std::shared_ptr<const ImageFolder> folder_;
};

}  // namespace autost::data
