#include "nn/layers/pool.h"

#include "autograd/ops.h"

namespace autost::nn {

MaxPool2d::MaxPool2d(std::array<int64_t, 2> k, std::optional<std::array<int64_t, 2>> s, std::array<int64_t, 2> p,
                     bool ceil)
    : Module("MaxPool2d"), kernel_size(k), stride(s.value_or(k)), padding(p), ceil_mode(ceil) {}

Tensor MaxPool2d::forward(const Tensor& x) { return max_pool2d(x, kernel_size, stride, padding, ceil_mode); }

AvgPool2d::AvgPool2d(std::array<int64_t, 2> k, std::optional<std::array<int64_t, 2>> s, std::array<int64_t, 2> p,
                     bool ceil, bool include_pad)
    : Module("AvgPool2d"), kernel_size(k), stride(s.value_or(k)), padding(p), ceil_mode(ceil),
      count_include_pad(include_pad) {}

Tensor AvgPool2d::forward(const Tensor& x) {
  return avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

}  // namespace autost::nn
