#pragma once
// NumPy .npy files (format version 1.0/2.0): the interchange format for PyTorch golden fixtures
// (tests/fixtures/) and for dumped logits. Reading validates the header before trusting it.
#include <string>
#include <string_view>

#include "tensor/tensor.h"

namespace autost {

// The header of a .npy held in memory (format 1.0 or 2.0): the dtype string as written ('<f4',
// '>u4', ...), the shape, and where the data starts. Fortran order is refused. `name` (a path, or
// "archive.npz:member") starts every error message. The dtype and the data size are not checked
// here: callers that accept other dtypes (data/npz.h reads big-endian event arrays) check them.
struct NpyHeader {
  std::string descr;
  Shape shape;
  int64_t data_offset = 0;
};
NpyHeader parse_npy_header(std::string_view bytes, const std::string& name);

// A whole .npy held in memory, as read_npy reads it from a file.
Tensor parse_npy(std::string_view bytes, const std::string& name);

// The bytes before the data of a C-order .npy (format 1.0) of dtype `descr`: magic, version,
// header length and the header dict, padded so the data starts 64-byte aligned.
std::string encode_npy_header(const std::string& descr, const Shape& shape);

// Reads a little-endian, C-order array of dtype <f4, <f8, <i4, <i8, |u1 or |b1 into a CPU tensor.
// Errors name the file and what is wrong (bad magic, truncated data, unsupported dtype, ...).
Tensor read_npy(const std::string& path);
// Writes t (any device, any layout) as a C-order .npy, atomically (tensor/atomic_file.h).
void write_npy(const std::string& path, const Tensor& t);

}  // namespace autost
