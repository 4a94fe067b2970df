#pragma once
#include <array>
#include <optional>

#include "nn/module.h"

namespace autost::nn {

// stride defaults to the kernel size, as in torch.
class MaxPool2d : public Module {
 public:
  MaxPool2d(std::array<int64_t, 2> kernel_size, std::optional<std::array<int64_t, 2>> stride = std::nullopt,
            std::array<int64_t, 2> padding = {0, 0}, bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;

  std::array<int64_t, 2> kernel_size, stride, padding;
  bool ceil_mode;
};

class AvgPool2d : public Module {
 public:
  AvgPool2d(std::array<int64_t, 2> kernel_size, std::optional<std::array<int64_t, 2>> stride = std::nullopt,
            std::array<int64_t, 2> padding = {0, 0}, bool ceil_mode = false, bool count_include_pad = true);
  Tensor forward(const Tensor& x) override;

  std::array<int64_t, 2> kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
};

}  // namespace autost::nn
