#pragma once
// SampleSource: what the loader reads samples from. A source only has to say how many samples it
// has, each sample's label, and produce one sample as an Image (pixel-valued for images, counts for
// event clips: Image::frames = T). read() and label() are called from several worker threads at
// once and must be safe for that (a const read of shared state is enough).
//
// DatasetSource adapts the in-memory Dataset of the readers; lazy sources (image folders, event
// files) implement the same three functions.
#include <cstdint>
#include <memory>

#include "data/dataset.h"
#include "data/transforms/image.h"

namespace autost::data {

class SampleSource {
 public:
  virtual ~SampleSource() = default;
  virtual int64_t size() const = 0;
  virtual int64_t label(int64_t i) const = 0;
  virtual int64_t num_classes() const = 0;
  virtual Image read(int64_t i) const = 0;
};

// The readers' Dataset: uint8 images [N, C, H, W] (or float32 clips [N, T, c, H, W]) and int64 labels.
class DatasetSource : public SampleSource {
 public:
  explicit DatasetSource(Dataset dataset);
  int64_t size() const override { return dataset_.size(); }
  int64_t label(int64_t i) const override;
  int64_t num_classes() const override { return dataset_.num_classes(); }
  Image read(int64_t i) const override;
  const Dataset& dataset() const { return dataset_; }

 private:
  Dataset dataset_;
  const int64_t* labels_ = nullptr;
};

// Samples begin .. begin + count - 1 of another source, renumbered from 0: the first n of a set
// (quick runs and tests on a cut-down set), or one rank's share of an evaluation set.
class RangeSource : public SampleSource {
 public:
  RangeSource(std::shared_ptr<const SampleSource> source, int64_t begin, int64_t count);
  int64_t size() const override { return count_; }
  int64_t label(int64_t i) const override;
  int64_t num_classes() const override { return source_->num_classes(); }
  Image read(int64_t i) const override;

 private:
  void check_index(int64_t i) const;
  std::shared_ptr<const SampleSource> source_;
  int64_t begin_, count_;
};

}  // namespace autost::data
