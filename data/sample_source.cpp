#include "data/sample_source.h"

#include "tensor/copy.h"
#include "tensor/error.h"

namespace autost::data {

DatasetSource::DatasetSource(Dataset dataset) : dataset_(std::move(dataset)) {
  const Tensor& im = dataset_.images;
  AUTOST_CHECK(im.defined() && dataset_.labels.defined(), "dataset '", dataset_.name, "': no images or labels");
  AUTOST_CHECK(im.dim() == 4 || im.dim() == 5, "dataset '", dataset_.name,
               "': images must be [N, C, H, W] or clips [N, T, c, H, W], got ", im.shape());
  AUTOST_CHECK(im.dtype() == kUInt8 || im.dtype() == kFloat32, "dataset '", dataset_.name,
               "': images must be uint8 or float32, got ", dtype_name(im.dtype()));
  AUTOST_CHECK(dataset_.labels.dtype() == kInt64 && dataset_.labels.dim() == 1 &&
                   dataset_.labels.numel() == im.size(0),
               "dataset '", dataset_.name, "': labels must be int64 [", im.size(0), "], got ",
               dtype_name(dataset_.labels.dtype()), " ", dataset_.labels.shape());
  AUTOST_CHECK(!im.is_cuda() && !dataset_.labels.is_cuda(), "dataset '", dataset_.name, "': must be on the CPU");
  dataset_.images = raw_contiguous(im);
  dataset_.labels = raw_contiguous(dataset_.labels);
  labels_ = dataset_.labels.data<int64_t>();
}

int64_t DatasetSource::label(int64_t i) const {
  AUTOST_CHECK(i >= 0 && i < size(), "dataset '", dataset_.name, "': sample ", i, " outside [0, ", size(), ")");
  return labels_[i];
}

Image DatasetSource::read(int64_t i) const {
  AUTOST_CHECK(i >= 0 && i < size(), "dataset '", dataset_.name, "': sample ", i, " outside [0, ", size(), ")");
  const Tensor& im = dataset_.images;
  const bool clip = im.dim() == 5;
  const int frames = clip ? static_cast<int>(im.size(1)) : 0;
  const int C = static_cast<int>(clip ? im.size(1) * im.size(2) : im.size(1));
  const int H = static_cast<int>(im.size(-2)), W = static_cast<int>(im.size(-1));
  const int64_t per_sample = static_cast<int64_t>(C) * H * W;
  Image img = im.dtype() == kUInt8 ? image_from_uint8(im.data<uint8_t>() + i * per_sample, C, H, W)
                                   : image_from_float(im.data<float>() + i * per_sample, C, H, W);
  img.frames = frames;
  return img;
}

RangeSource::RangeSource(std::shared_ptr<const SampleSource> source, int64_t begin, int64_t count)
    : source_(std::move(source)), begin_(begin), count_(count) {
  AUTOST_CHECK(source_ != nullptr, "range source: no source");
  AUTOST_CHECK(begin_ >= 0 && count_ >= 0 && begin_ + count_ <= source_->size(), "range source: samples [", begin_,
               ", ", begin_ + count_, ") asked of a source of ", source_->size());
}

void RangeSource::check_index(int64_t i) const {
  AUTOST_CHECK(i >= 0 && i < count_, "range source: sample ", i, " outside [0, ", count_, ")");
}

int64_t RangeSource::label(int64_t i) const {
  check_index(i);
  return source_->label(begin_ + i);
}

Image RangeSource::read(int64_t i) const {
  check_index(i);
  return source_->read(begin_ + i);
}

}  // namespace autost::data
