#pragma once
// An in-memory labelled image set, as the readers return it: uint8 pixels (the loader normalises
// later, per batch, so the whole set stays 4x smaller than float) and int64 class indices.
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace autost::data {

enum class Split { Train, Test };

inline const char* split_name(Split s) { return s == Split::Train ? "train" : "test"; }

struct Dataset {
  std::string name;                      // "fashion-mnist", "cifar10", ...
  Split split = Split::Train;
  Tensor images;                         // uint8 [N, C, H, W]
  Tensor labels;                         // int64 [N], each < class_names.size()
  std::vector<std::string> class_names;
  // CIFAR-100 only (undefined / empty elsewhere): the 20 superclasses.
  Tensor coarse_labels;                  // int64 [N]
  std::vector<std::string> coarse_class_names;

  int64_t size() const { return labels.defined() ? labels.numel() : 0; }
  int64_t num_classes() const { return static_cast<int64_t>(class_names.size()); }
};

}  // namespace autost::data
