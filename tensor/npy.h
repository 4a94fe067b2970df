#pragma once
// NumPy .npy files (format version 1.0/2.0): the interchange format for PyTorch golden fixtures
// (tests/fixtures/) and for dumped logits. Reading validates the header before trusting it.
#include <string>

#include "tensor/tensor.h"

namespace autost {

// Reads a little-endian, C-order array of dtype <f4, <f8, <i4, <i8, |u1 or |b1 into a CPU tensor.
// Errors name the file and what is wrong (bad magic, truncated data, unsupported dtype, ...).
Tensor read_npy(const std::string& path);
// Writes t (any device, any layout) as a C-order .npy, via a temporary file renamed into place.
void write_npy(const std::string& path, const Tensor& t);

}  // namespace autost
