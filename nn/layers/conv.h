#pragma once
#include <array>

#include "nn/module.h"
#include "tensor/random.h"

namespace autost::nn {

// x [N, C_in, H, W] -> [N, C_out, H', W']; weight [C_out, C_in, kh, kw], bias [C_out]. Init as torch.
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size,
         std::array<int64_t, 2> stride = {1, 1}, std::array<int64_t, 2> padding = {0, 0},
         std::array<int64_t, 2> dilation = {1, 1}, bool bias = true, Generator* gen = nullptr,
         DType dtype = kFloat32);
  Tensor forward(const Tensor& x) override;

  int64_t in_channels, out_channels;
  std::array<int64_t, 2> kernel_size, stride, padding, dilation;
  Tensor weight, bias;
};

// x [N, C_in, L] -> [N, C_out, L']; weight [C_out, C_in, k]. Runs as a conv2d over a height of 1.
class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size = 1, int64_t stride = 1, int64_t padding = 0,
         int64_t dilation = 1, bool bias = true, Generator* gen = nullptr, DType dtype = kFloat32);
  Tensor forward(const Tensor& x) override;

  int64_t in_channels, out_channels, kernel_size, stride, padding, dilation;
  Tensor weight, bias;
};

}  // namespace autost::nn
