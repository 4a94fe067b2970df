#pragma once
// safetensors files (https://github.com/huggingface/safetensors): the checkpoint format shared with
// PyTorch. Layout: a little-endian u64 header length N, N bytes of JSON mapping each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data section) plus an optional
// "__metadata__" object of strings, then the raw little-endian row-major bytes.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace autost::nn {

// Writes the tensors (any device, any layout; copied to contiguous CPU bytes) in the given order,
// the header padded with spaces to a multiple of 8 bytes. The file is written to `path + ".tmp"` and
// renamed into place, so a failed save leaves any previous file intact. Names must be unique and
// must not be "__metadata__".
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in header order, contiguous CPU tensors
  std::map<std::string, std::string> metadata;
};

// Reads a whole file into CPU tensors. The header is validated completely (types, dtypes, shapes,
// offsets that tile the data section exactly, sizes that match the file) before any tensor is
// allocated; every problem is an autost::Error naming the file.
SafetensorsFile load_safetensors(const std::string& path);

// "F32", "BF16", ... for the dtypes autost can store.
const char* safetensors_dtype_name(DType d);

}  // namespace autost::nn
