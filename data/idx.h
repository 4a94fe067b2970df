#pragma once
// IDX files (the MNIST / Fashion-MNIST container; DATA_FORMATS.md §4.1), gzipped or raw.
// Every failure is an autost::Error of one line naming the file and the check that failed
// ("magic", "type", "dims", "size", "gzip", "label range", "header").
#include <cstdint>
#include <string>

#include "tensor/tensor.h"

namespace autost::data {

// A uint8 IDX file as a uint8 tensor shaped like its header dims. `expected_ndim` < 0 accepts any
// rank; `what` ("images", "labels") only makes messages clearer.
Tensor read_idx_u8(const std::string& path, int expected_ndim = -1, const char* what = "array");

// Images: uint8 [N, rows, cols], rejecting any other image size.
Tensor read_idx_images(const std::string& path, int64_t rows = 28, int64_t cols = 28);

// Labels: int64 [N], each checked to be < num_classes.
Tensor read_idx_labels(const std::string& path, int64_t num_classes = 10);

}  // namespace autost::data
