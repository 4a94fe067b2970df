#include "data/lazy_sources.h"

#include "tensor/error.h"

namespace autost::data {

Cifar10DvsSource::Cifar10DvsSource(std::shared_ptr<const Cifar10Dvs> dataset, std::vector<int64_t> indices)
    : dataset_(std::move(dataset)), indices_(std::move(indices)) {
  AUTOST_CHECK(dataset_ != nullptr, "cifar10-dvs source: no dataset");
  for (int64_t k : indices_)
    AUTOST_CHECK(k >= 0 && k < dataset_->size(), "cifar10-dvs source: recording ", k, " is not in [0, ",
                 dataset_->size(), ")");
}

int64_t Cifar10DvsSource::at(int64_t i) const {
  AUTOST_CHECK(i >= 0 && i < size(), "cifar10-dvs source: sample ", i, " outside [0, ", size(), ")");
  return indices_[size_t(i)];
}

int64_t Cifar10DvsSource::label(int64_t i) const { return dataset_->recordings()[size_t(at(i))].label; }

Image Cifar10DvsSource::read(int64_t i) const {
  const Shape s = dataset_->sample_shape();  // [T, 2, 128, 128]
  Image clip(static_cast<int>(s[0] * s[1]), static_cast<int>(s[2]), static_cast<int>(s[3]));
  clip.frames = static_cast<int>(s[0]);
  dataset_->frames_into(at(i), clip.px.data());
  return clip;
}

ImageFolderSource::ImageFolderSource(std::shared_ptr<const ImageFolder> folder) : folder_(std::move(folder)) {
  AUTOST_CHECK(folder_ != nullptr, "image folder source: no folder");
}

int64_t ImageFolderSource::label(int64_t i) const {
  AUTOST_CHECK(i >= 0 && i < size(), "image folder: sample index ", i, " is not in [0, ", size(), ")");
  return folder_->samples()[size_t(i)].label;
}

Image ImageFolderSource::read(int64_t i) const {
  const Tensor img = folder_->decode(i);  // uint8 [3, H, W], contiguous
  return image_from_uint8(img.data<uint8_t>(), static_cast<int>(img.size(0)), static_cast<int>(img.size(1)),
                          static_cast<int>(img.size(2)));
}

}  // namespace autost::data
