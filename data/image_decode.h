#pragma once
// Image files to RGB uint8 tensors with stb_image: JPEG (baseline, progressive, grayscale, Adobe
// CMYK/YCCK) and PNG, chosen by content, not by extension (ImageNet has a PNG named .JPEG;
// DATA_FORMATS.md §3.8-3.9). EXIF orientation and ICC profiles are ignored, like PIL's loader.
#include <cstdint>
#include <string>
#include <string_view>

#include "tensor/tensor.h"

namespace autost::data {

// What a JPEG's markers say before any pixel is decoded (components 0 when `bytes` is not a JPEG
// or has no frame header).
struct JpegInfo {
  int components = 0;  // 1 grayscale, 3 YCbCr/RGB, 4 CMYK/YCCK
  bool adobe = false;  // an APP14 "Adobe" marker, which tells stb_image how to read 4 components
};
JpegInfo sniff_jpeg(std::string_view bytes);

// uint8 [3, H, W] (grayscale replicated, alpha dropped, CMYK with an Adobe marker converted).
// Errors name `name` and stb_image's reason. A 4-component JPEG without an Adobe marker is refused:
// stb_image would silently decode it as YCbCr, in wrong colours.
Tensor decode_image(std::string_view bytes, const std::string& name);
Tensor read_image(const std::string& path);

}  // namespace autost::data
