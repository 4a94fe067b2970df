#pragma once
// A per-sample transform changes one image in place, drawing any randomness from the sample's own
// stream; a batch transform sees the whole batch. Pipelines (data/loader.h) are built from these.
#include <cstdint>
#include <functional>
#include <vector>

#include "data/transforms/image.h"
#include "data/transforms/rng.h"

namespace autost::data {

using SampleTransform = std::function<void(Image&, Rng&)>;

// A whole-batch transform (mixup/cutmix, label smoothing): mixes the images in place and writes
// soft targets, row-major [B, num_classes()]. `epoch` lets it switch itself off late in training.
class BatchTransform {
 public:
  virtual ~BatchTransform() = default;
  virtual int64_t num_classes() const = 0;
  virtual void apply(std::vector<Image>& images, const std::vector<int64_t>& labels, std::vector<float>& targets,
                     int64_t epoch, Rng& rng) const = 0;
};

}  // namespace autost::data
