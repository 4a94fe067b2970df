#pragma once
// CIFAR-10 and CIFAR-100, "binary version" (DATA_FORMATS.md §1): fixed-size records, no header.
// root is the extracted folder (`cifar-10-batches-bin/`, `cifar-100-binary/`).
#include <string>
#include <vector>

#include "data/dataset.h"

namespace autost::data {

struct CifarOptions {
  // Require the official record counts (10,000 per CIFAR-10 file; 50,000 / 10,000 for CIFAR-100).
  // Off lets a cut-down copy load; the other checks stay.
  bool strict_counts = true;
};

// images: uint8 [N, 3, 32, 32] (the files are already CHW); labels: int64 [N].
// Train is data_batch_1..5.bin concatenated in that order.
Dataset load_cifar10(const std::string& root, Split split, const CifarOptions& opts = {});
// labels are the fine labels (100 classes); coarse_labels the 20 superclasses, checked against the
// fixed fine->coarse map.
Dataset load_cifar100(const std::string& root, Split split, const CifarOptions& opts = {});

const std::vector<std::string>& cifar10_class_names();
const std::vector<std::string>& cifar100_fine_class_names();
const std::vector<std::string>& cifar100_coarse_class_names();
// The superclass of each fine class (DATA_FORMATS.md §1.4).
int cifar100_coarse_of(int fine);

}  // namespace autost::data
